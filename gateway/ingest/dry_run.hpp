#pragma once
// The dry run of one record: the same envelope checks, mapping and profile validation as
// ingest, nothing stored and nothing sent. `ilp-gateway map` prints it; the console's mapping
// try-out (POST /admin/try) answers it. Pure apart from the validator's thread-local cache.

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/config/config.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::ingest {

struct DryRun {
  bool ok = false;
  std::string bundle_json;   // when ok: the transaction Bundle ingest would store
  mappers::Outcome outcome;  // otherwise: the field errors ingest would answer (400/422)
  int status = 0;            // the status ingest would answer: 202 when ok, else 400 or 422
};

DryRun dry_run(std::string_view envelope_json, const config::Config& cfg, std::int64_t now_ms);

}  // namespace ilp::gateway::ingest
