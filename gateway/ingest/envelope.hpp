#pragma once
// Step one of ingest, pure and synchronous: one envelope's text → either a parsed, checked
// envelope ready to map, or the precise rejection (status + OperationOutcome).

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/config/config.hpp"
#include "mappers/json.hpp"
#include "mappers/map_result.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::ingest {

struct Rejection {
  int status = 400;  // 400 malformed/envelope, 403 another facility, 422 unknown kind/facility
  mappers::Outcome outcome;
};

struct Envelope {
  std::shared_ptr<rapidjson::Document> doc;  // owns the JSON; `data` points into it
  const config::Facility* facility = nullptr;
  std::string kind;
  std::string record_id;
  std::string content_hash;
  const rapidjson::Value* data = nullptr;
  const mappers::Mapping* mapping = nullptr;  // of `kind`, from the config snapshot

  // FHIR pass-through (kinds "fhir-bundle", "fhir-resource"; see fhir_input.hpp): there is no
  // mapping, `mapping` and `data` are null and the transaction Bundle is already built. The
  // pipeline validates it and stores it as a mapped one.
  std::string bundle_json;
  std::string input_json;                          // the body, compact (what content_hash hashes)
  std::vector<mappers::MappedResource> resources;  // {"entry.0", type, fullUrl}, in bundle order
  std::string patient_key;
  // Set for "fhir-resource": problems the validator reports inside the one-entry Bundle
  // ("Bundle.entry[0].resource.status") are reported at the resource the client posted
  // ("Observation.status").
  std::string resource_type;

  bool prebuilt() const { return mapping == nullptr && !bundle_json.empty(); }
};

// The 400 for a body that is not strict JSON (syntax, encoding, duplicate key, depth, empty).
Rejection json_rejection(const mappers::JsonError& e);

// `caller` is the facility the API key belongs to; an envelope for another facility is 403.
// nullptr (the offline `map` command) skips that check. `with_hash` false leaves content_hash
// empty: the dry run stores nothing, so it has no revision to compare (a serialisation and a
// SHA-256 of the whole envelope saved per record).
std::variant<Envelope, Rejection> check_envelope(std::string_view text, const config::Config& cfg,
                                                 const config::Facility* caller,
                                                 bool with_hash = true);

}  // namespace ilp::gateway::ingest
