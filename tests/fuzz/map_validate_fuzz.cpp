// map_validate_fuzz: libFuzzer target for the whole path a record takes in the pipeline, for
// every kind of the shipped config: check_envelope() → Mapping::map() → Validator::validate()
// with the context Pipeline::map_and_commit() uses (the facility's organization, the platform's
// date floor, now).
//
// Input: one envelope {"kind", "facility", "record_id", "data"} (the seeds are the example
// records of config/examples/ and their mutations).
//
// Invariants: mapping is pure (the same input maps to the same bytes); a record the mapping
// refuses gets an OperationOutcome naming the field of every problem; a record it accepts
// becomes a strict-JSON transaction Bundle, and when the validator refuses that bundle (the
// pipeline's 422) every problem still names the record field it came from.
//
//   build-fuzz/map_validate_fuzz CORPUS_DIR [libFuzzer flags]     fuzz
//   build-fuzz/map_validate_fuzz crash-<sha1>                     replay one input
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/ingest/envelope.hpp"
#include "gateway/ingest/profile_check.hpp"
#include "gateway/validation/validator.hpp"
#include "mappers/mapping.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace ingest = ilp::gateway::ingest;

constexpr const char* kTarget = "map_validate_fuzz";
// The pipeline's clock: 2026-05-28, after every example record.
constexpr std::int64_t kNowMs = 1'780'000'000'000;

#define CHECK(cond, o)                                   \
  do {                                                   \
    if (!(cond)) ilp::fuzz::broken(kTarget, #cond, (o)); \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ilp::fuzz::config();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& cfg = ilp::fuzz::config();
  const auto line = ingest::check_envelope(text, cfg, nullptr);
  const auto* env = std::get_if<ingest::Envelope>(&line);
  if (env == nullptr) return 0;  // envelope_fuzz looks at rejections

  const int revision = 1 + static_cast<int>(size % 3);
  const ilp::mappers::MapInput in{env->facility->info, env->record_id, revision,
                                  *env->data,          kNowMs,         cfg.platform.date_floor,
                                  &cfg.pseudonym()};
  const auto mapped = env->mapping->map(in);
  const auto again = env->mapping->map(in);
  CHECK(again.bundle_json == mapped.bundle_json, nullptr);
  CHECK(again.outcome.issues.size() == mapped.outcome.issues.size(), &mapped.outcome);
  if (!mapped.ok()) {
    ilp::fuzz::check_outcome(kTarget, mapped.outcome, true);
    return 0;
  }
  CHECK(!mapped.bundle_json.empty() && ilp::fuzz::strict_json(mapped.bundle_json), nullptr);
  CHECK(!mapped.resources.empty(), nullptr);
  for (const auto& r : mapped.resources) {
    CHECK(!r.name.empty() && !r.type.empty() && r.local.starts_with("urn:uuid:"), nullptr);
  }

  auto* validator = ingest::validator_for(cfg.validation.enabled ? cfg.profiles : nullptr);
  CHECK(validator != nullptr, nullptr);
  ilp::validation::Context ctx;
  ctx.org_id = env->facility->info.organization_id;
  ctx.date_floor = cfg.platform.date_floor;
  ctx.now_ms = kNowMs;
  const auto checked = validator->validate(mapped.bundle_json, ctx);
  if (!checked.ok()) {
    // The pipeline's 422. Some rules only the profiles check (an expiry date before the dose:
    // the input rules cannot compare a date with a time), so a refusal is no finding by itself;
    // but the client must be told which of its fields, not only a FHIR path of a bundle it never
    // saw.
    const auto outcome = ingest::invalid_outcome(checked, *env, in);
    ilp::fuzz::check_outcome(kTarget, outcome, true);
    for (const auto& issue : outcome.issues) {
      if (issue.input_expression.empty() && !issue.expression.starts_with("data")) {
        std::fprintf(stderr, "%s: the mapped %s bundle fails the profiles:\n%s\n", kTarget,
                     env->kind.c_str(), mapped.bundle_json.c_str());
        ilp::fuzz::broken(kTarget, "a profile problem of a mapped record names no record field",
                          &outcome);
      }
    }
    return 0;
  }
  CHECK(checked.resources >= mapped.resources.size(), nullptr);
  return 0;
}
