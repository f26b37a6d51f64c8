#pragma once
// The PWS facts of one record: a pure function of the record's data, its facility and the WHO
// growth tables (no I/O, no clock). Run at ingest on the checked input; the store keeps the
// result with the revision and counts it once that revision is delivered.

#include <rapidjson/document.h>

#include <optional>
#include <string_view>

#include "gateway/pws/record_facts.hpp"
#include "mappers/facility.hpp"

namespace ilp::mappers {
class GrowthStandards;
}

namespace ilp::gateway::pws {

struct ExtractInput {
  std::string_view kind;
  const rapidjson::Value& data;  // the envelope's `data`, already checked by the mapping
  const mappers::Facility& facility;
  // For height-for-age (stunting); nullptr: growth records give D/S and N/D only.
  const mappers::GrowthStandards* growth = nullptr;
};

// nullopt when the kind counts for nothing in PWS (lab, prescription, patient…) or the record
// has no service date; otherwise the facts, possibly without events (a visit still tells the
// patient's address, which decides the village).
std::optional<RecordFacts> extract_facts(const ExtractInput& in);

}  // namespace ilp::gateway::pws
