#pragma once
// FHIR pass-through (DESIGN.md §3.4, docs/api.md): a facility system that already produces FHIR
// posts a transaction Bundle (`POST /fhir/r4`) or one resource (`POST /fhir/r4/{Type}`). Pure
// and synchronous like check_envelope(): the body → an Envelope carrying a ready transaction
// Bundle (no mapping), or the precise rejection. Profile validation happens in the pipeline,
// with the same validator and context as mapped records.

#include <optional>
#include <string_view>
#include <variant>

#include "gateway/ingest/envelope.hpp"

namespace ilp::gateway::ingest {

inline constexpr std::string_view kFhirBundleKind = "fhir-bundle";      // POST /fhir/r4
inline constexpr std::string_view kFhirResourceKind = "fhir-resource";  // POST /fhir/r4/{Type}

struct FhirSubmission {
  std::string_view body;
  // Empty: a transaction Bundle (POST /fhir/r4). Otherwise the {Type} of POST /fhir/r4/{Type};
  // the caller has checked it with accepts_resource_type().
  std::string_view type;
  // The X-Record-Id header when given: the record id (idempotency key with facility and kind).
  std::optional<std::string_view> record_id;
};

// A FHIR R4 resource type that may be posted on its own (every R4 type but Bundle — use
// POST /fhir/r4 —, Parameters and OperationOutcome).
bool accepts_resource_type(std::string_view type);

// The record id when no X-Record-Id is given: Bundle.identifier / the resource's first
// identifier as "system|value" (a person identifier — NIK, IHS number, … — as
// "system|hmac:<keyed pseudonym of person_record_id_input()>": never in clear; stores before
// schema 4 held "system|sha256:<hex of the value>"), else "sha256:<hex of the compact body>".
// 400: malformed JSON, not an object, bad X-Record-Id. 422: resourceType missing or not {Type},
// Bundle.type not transaction, an entry without request.method POST/PUT, request.url or fullUrl
// (urn:uuid for POST).
std::variant<Envelope, Rejection> check_fhir(const FhirSubmission& in, const config::Config& cfg,
                                             const config::Facility& caller);

}  // namespace ilp::gateway::ingest
