#include "gateway/ingest/dry_run.hpp"

#include <rapidjson/document.h>

#include "gateway/ingest/envelope.hpp"
#include "gateway/ingest/profile_check.hpp"

namespace ilp::gateway::ingest {

DryRun dry_run(std::string_view envelope_json, const config::Config& cfg, std::int64_t now_ms) {
  DryRun out;
  auto checked = check_envelope(envelope_json, cfg, nullptr, /*with_hash=*/false);
  if (auto* rej = std::get_if<Rejection>(&checked)) {
    out.outcome = std::move(rej->outcome);
    out.status = rej->status;
    return out;
  }
  auto& env = std::get<Envelope>(checked);
  static const rapidjson::Value kNoData;
  mappers::MapInput in{
      env.facility->info,     env.record_id, 1, env.data != nullptr ? *env.data : kNoData, now_ms,
      cfg.platform.date_floor};
  mappers::MapResult result;
  if (env.prebuilt()) {
    result.bundle_json = env.bundle_json;  // FHIR pass-through: already a transaction Bundle
  } else {
    result = env.mapping->map(in);
  }
  if (auto* validator =
          result.ok() ? validator_for(cfg.validation.enabled ? cfg.profiles : nullptr) : nullptr) {
    validation::Context ctx;
    ctx.org_id = env.facility->info.organization_id;
    ctx.date_floor = cfg.platform.date_floor;
    ctx.now_ms = now_ms;
    const auto verdict = validator->validate(result.bundle_json, ctx);
    if (!verdict.ok()) result.outcome = invalid_outcome(verdict, env, in);
  }
  if (result.ok()) {
    out.ok = true;
    out.status = 202;
    out.bundle_json = std::move(result.bundle_json);
    return out;
  }
  out.outcome = std::move(result.outcome);
  out.status = 422;
  return out;
}

}  // namespace ilp::gateway::ingest
