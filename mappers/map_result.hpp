#pragma once
// What every record-kind mapper takes and gives back. Mapping is pure: the same input gives a
// byte-identical result, with no clock, network or config reads inside.

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/facility.hpp"
#include "mappers/outcome.hpp"
#include "mappers/pseudonym.hpp"

namespace ilp::mappers {

struct MapInput {
  const Facility& facility;
  std::string_view record_id;
  int revision;                  // part of every urn:uuid, so a new revision gets new ones
  const rapidjson::Value& data;  // the envelope's "data"
  std::int64_t now_ms;           // epoch ms, for "not in the future" (the caller's clock)
  std::string_view date_floor = "2014-06-03";  // earliest date SATUSEHAT accepts (configurable)
  // Keys patient_key. nullptr: no patient_key (tools that only look at the bundle); the
  // pipeline always passes the installation's.
  const Pseudonymizer* pseudonymizer = nullptr;
};

struct MappedResource {
  std::string name;   // "encounter", "systolic", "diagnosis.0", …
  std::string type;   // FHIR resource type
  std::string local;  // "urn:uuid:…" as the bundle's fullUrl
};

struct MapResult {
  Outcome outcome;                        // non-empty = rejected; nothing below is valid then
  std::string bundle_json;                // compact transaction Bundle
  std::vector<MappedResource> resources;  // in bundle order
  std::string patient_key;                // keyed pseudonym (hex); never the NIK in clear
  // What the mapping did on the sender's behalf, for the record's status history (no PHI):
  // e.g. the practitioner of a posyandu used for a record that named none.
  std::vector<std::string> notes;

  bool ok() const { return outcome.empty(); }
};

}  // namespace ilp::mappers
