#pragma once
// DESIGN.md §4: a record from a pustu or posyandu that names no practitioner (a posyandu is run
// by kader, who are not registered in SATUSEHAT) is mapped with the location's practitioner from
// facilities.yaml, the bidan desa who supervises it. SATUSEHAT still needs a health worker on
// every Encounter (rule 10119), so the fallback fills the record's own `practitioner` field and
// the mapping then reads and checks it exactly as if the sender had sent it.

#include <rapidjson/document.h>

#include <optional>
#include <string>

#include "mappers/facility.hpp"
#include "mappers/template_input.hpp"

namespace ilp::mappers {

struct PractitionerFallback {
  rapidjson::Document data;  // the record's data with `practitioner` filled in
  std::string note;          // for the record's status history; names the location, no PHI
};

// Applies when the mapping declares `practitioner` (type practitioner) and `location` (type
// location), the record gives no practitioner, and its location is a pustu or posyandu with one.
// Otherwise nothing: the record is checked as sent (and a missing required practitioner is
// refused as before).
std::optional<PractitionerFallback> practitioner_fallback(const tmpl::InputSpec& spec,
                                                          const rapidjson::Value& data,
                                                          const Facility& facility);

}  // namespace ilp::mappers
