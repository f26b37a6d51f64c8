// envelope_fuzz: libFuzzer target for the first, synchronous step of ingest on arbitrary bytes:
// check_envelope() (POST /api/v1/records, one line of a batch, the offline `map` command) and
// check_fhir() (POST /fhir/r4 and /fhir/r4/{Type}) with the shipped config.
//
// Input: the body, or "X-Record-Id: <bytes>\n" followed by the body, which then also goes to
// check_fhir with that header value (as submit_fhir passes it, unchecked).
//
// Every rejection is a 400/403/422 whose OperationOutcome the gateway can send (strict JSON,
// UTF-8), naming the field whenever the body was a JSON object; every accepted envelope holds
// what the pipeline relies on (a known facility and kind, a record id within limits, a JSON
// object as data, the content hash, a Bundle that is strict JSON).
//
//   build-fuzz/envelope_fuzz CORPUS_DIR [libFuzzer flags]     fuzz
//   build-fuzz/envelope_fuzz crash-<sha1>                     replay one input
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/ingest/envelope.hpp"
#include "gateway/ingest/fhir_input.hpp"
#include "mappers/sha256.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace ingest = ilp::gateway::ingest;
using ilp::gateway::config::Facility;

constexpr const char* kTarget = "envelope_fuzz";

#define CHECK(cond, o)                                   \
  do {                                                   \
    if (!(cond)) ilp::fuzz::broken(kTarget, #cond, (o)); \
  } while (0)

bool hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A JSON object: every problem in it can be named by its field.
bool json_object(std::string_view text) {
  rapidjson::Document d;
  return !ilp::mappers::parse_json_strict(text, d) && d.IsObject();
}

void check_rejection(const ingest::Rejection& r, bool object) {
  CHECK(r.status == 400 || r.status == 403 || r.status == 422, &r.outcome);
  ilp::fuzz::check_outcome(kTarget, r.outcome, object);
}

void envelope(std::string_view text, const Facility* caller, bool object) {
  const auto& cfg = ilp::fuzz::config();
  const auto line = ingest::check_envelope(text, cfg, caller);
  if (const auto* r = std::get_if<ingest::Rejection>(&line)) {
    check_rejection(*r, object);
    // Refused for another facility only when it names a known one.
    if (r->status == 403) CHECK(caller != nullptr, &r->outcome);
    return;
  }
  const auto& env = std::get<ingest::Envelope>(line);
  CHECK(object, nullptr);
  CHECK(env.facility != nullptr && env.mapping != nullptr && !env.prebuilt(), nullptr);
  if (caller != nullptr) CHECK(env.facility == caller, nullptr);
  CHECK(cfg.mappings->find(env.kind) == env.mapping, nullptr);
  CHECK(!env.kind.empty() && env.kind.size() <= 64 && ilp::fuzz::utf8(env.kind), nullptr);
  CHECK(!env.record_id.empty() && env.record_id.size() <= 128 && ilp::fuzz::utf8(env.record_id),
        nullptr);
  CHECK(env.data != nullptr && env.data->IsObject(), nullptr);
  CHECK(hex64(env.content_hash), nullptr);
  // The same text is the same record: the hash decides "unchanged" (200) on a resubmission.
  const auto again = ingest::check_envelope(text, cfg, caller);
  CHECK(std::get<ingest::Envelope>(again).content_hash == env.content_hash, nullptr);
}

void fhir(std::string_view body, std::string_view type, std::optional<std::string_view> record_id,
          bool object) {
  const auto& cfg = ilp::fuzz::config();
  const auto* caller = cfg.facility("pkm-sukamaju");
  const auto line = ingest::check_fhir({body, type, record_id}, cfg, *caller);
  if (const auto* r = std::get_if<ingest::Rejection>(&line)) {
    // A bad X-Record-Id is named by the header, whatever the body.
    check_rejection(*r, object || r->outcome.issues.front().expression == "X-Record-Id");
    return;
  }
  const auto& env = std::get<ingest::Envelope>(line);
  CHECK(object && env.prebuilt() && env.facility == caller, nullptr);
  CHECK(env.kind == (type.empty() ? ingest::kFhirBundleKind : ingest::kFhirResourceKind), nullptr);
  // The record id is stored, listed and answered as JSON text.
  CHECK(!env.record_id.empty() && ilp::fuzz::utf8(env.record_id), nullptr);
  if (record_id) CHECK(env.record_id == *record_id, nullptr);
  CHECK(ilp::fuzz::strict_json(env.input_json), nullptr);
  CHECK(ilp::fuzz::strict_json(env.bundle_json), nullptr);
  CHECK(env.content_hash == ilp::mappers::sha256_hex(env.input_json), nullptr);
  if (!type.empty()) CHECK(env.resources.size() == 1 && env.resource_type == type, nullptr);
  for (const auto& r : env.resources) CHECK(!r.name.empty() && !r.local.empty(), nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ilp::fuzz::config();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<std::string_view> record_id;
  constexpr std::string_view kHeader = "X-Record-Id: ";
  if (text.starts_with(kHeader)) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return 0;
    record_id = text.substr(kHeader.size(), nl - kHeader.size());
    text.remove_prefix(nl + 1);
  }
  const bool object = json_object(text);
  const auto& cfg = ilp::fuzz::config();

  if (!record_id) {
    envelope(text, nullptr, object);                       // `map`: no caller
    envelope(text, cfg.facility("pkm-sukamaju"), object);  // the API key's facility
  }
  fhir(text, "", record_id, object);
  // The type the body names, when one may be posted alone; otherwise a common one.
  std::string type = "Observation";
  rapidjson::Document d;
  if (object && !ilp::mappers::parse_json_strict(text, d)) {
    if (const auto* rt = ilp::mappers::member(d, "resourceType"); rt != nullptr && rt->IsString()) {
      const std::string_view named(rt->GetString(), rt->GetStringLength());
      if (ingest::accepts_resource_type(named)) type = std::string(named);
    }
  }
  fhir(text, type, record_id, object);
  return 0;
}
