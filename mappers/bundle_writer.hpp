#pragma once
// Streams a FHIR transaction Bundle in SATUSEHAT's shape (reference §4.18) straight into a
// string with RapidJSON's Writer: no DOM is built, so mapping stays allocation-light.
//
// Usage: begin_entry(urn, "Encounter"), members of the resource (the helpers below or json()),
// end_entry("Encounter"); finish() once. The caller is responsible for balanced JSON inside a
// resource; the helpers write complete members.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

namespace ilp::mappers {

class BundleWriter {
 public:
  using Json = rapidjson::Writer<rapidjson::StringBuffer>;

  BundleWriter();

  // {"fullUrl": urn, "resource": {"resourceType": type, …
  void begin_entry(std::string_view urn, std::string_view type);
  // …}, "request": {"method": "POST", "url": type}}
  void end_entry(std::string_view type);
  // The compact bundle JSON; the writer is spent afterwards.
  std::string finish();

  Json& json() { return w_; }
  // `k` must be a literal needing no JSON escape (checked in debug builds).
  void key(std::string_view k);
  void string(std::string_view s);
  // "k": "v"
  void member(std::string_view k, std::string_view v);

  // "identifier": [{"system": "http://sys-ids.kemkes.go.id/{kind}/{org}", "value": value}]
  void identifier(std::string_view kind, std::string_view org, std::string_view value);
  // "k": {"reference": ref, "display": display}; display omitted when empty.
  void reference(std::string_view k, std::string_view ref, std::string_view display = {});
  // {"system", "code", "display"?} as a value (inside a "coding" array).
  void coding(std::string_view system, std::string_view code, std::string_view display);
  // "k": {"coding": [coding]}
  void codeable_concept(std::string_view k, std::string_view system, std::string_view code,
                        std::string_view display);
  // "k": [{"coding": [coding]}] (FHIR lists of CodeableConcept such as category)
  void codeable_concept_list(std::string_view k, std::string_view system, std::string_view code,
                             std::string_view display);
  // "k": {"start": start, "end": end}
  void period(std::string_view k, std::string_view start, std::string_view end);

 private:
  void plain_string(std::string_view s);  // `s` needs no escape

  rapidjson::StringBuffer buf_;
  Json w_;
  std::string scratch_;  // reused for composed strings such as identifier systems
};

}  // namespace ilp::mappers
