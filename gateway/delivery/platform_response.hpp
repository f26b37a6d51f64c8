#pragma once
// Reading what a FHIR R4 server answers (DESIGN.md §7: any server that follows the
// specification, SATUSEHAT's extras treated as extras). Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ilp::gateway::delivery {

struct ServerId {
  std::string type;  // "Encounter"
  std::string id;    // server-assigned id; empty when the response did not say
};

// A searchset Bundle → the matching resources' ids in order (entry[].resource.id), keeping
// only resources of `type` when it is given (servers may add OperationOutcome entries). With or
// without `total`. nullopt when the body is not a Bundle.
struct SearchMatch {
  std::string id;
  std::string birth_date;          // resource.birthDate when present (telling newborns apart)
  std::vector<std::string> names;  // resource.name[].text, when present
  std::string gender;              // resource.gender when present
  std::optional<int> birth_order;  // resource.multipleBirthInteger when present
};
std::optional<std::vector<SearchMatch>> parse_search(std::string_view body,
                                                     std::string_view type = {});

// A transaction-response Bundle → one ServerId per entry, in entry order (= request order):
// from entry.response.location ("Type/id/_history/v", relative or absolute), else SATUSEHAT's
// entry.response.resourceType/resourceID, else entry.resource. nullopt when not a Bundle.
std::optional<std::vector<ServerId>> parse_transaction_response(std::string_view body);

// The id a single-resource create answered with: the FHIR resource's `id`, or SATUSEHAT's
// Patient-create shapes {"success":true,"data":{"patient_id":…}} and
// {"create_patient":{…same…}} (reference §3.3: both are seen). "" when none.
std::string created_id(std::string_view body);

// "Encounter/123/_history/1", "https://host/fhir/Encounter/123" → {Encounter, 123}.
std::optional<ServerId> parse_location(std::string_view location);

}  // namespace ilp::gateway::delivery
