#pragma once
// The FHIR API under /fhir-r4/v1 (reference §2.1): bearer check, routing, create / read /
// update / search-by-identifier of the generic resource types, and the hand-off to the patient
// index and the transaction processor. Answers SATUSEHAT's way: OperationOutcome for 4xx,
// 201 + the stored resource for a create, 400 "id is required" for a PUT without id.

#include <cstdint>
#include <string>
#include <utility>

#include "gateway/http/server.hpp"
#include "gateway/util/clock.hpp"
#include "tests/simulator/id_generator.hpp"
#include "tests/simulator/patient_registry.hpp"
#include "tests/simulator/resource_store.hpp"
#include "tests/simulator/responses.hpp"
#include "tests/simulator/token_service.hpp"
#include "tests/simulator/transaction.hpp"

namespace ilp::sim {

class ProfileRules;

inline constexpr std::string_view kFhirPrefix = "/fhir-r4/v1";

class FhirApi {
 public:
  FhirApi(ResourceStore& store, IdGenerator& ids, TokenService& tokens, PatientRegistry& patients,
          TransactionProcessor& transactions, const gateway::Clock& clock, std::string date_floor,
          ProfileRules* profiles)
      : store_(store),
        ids_(ids),
        tokens_(tokens),
        patients_(patients),
        transactions_(transactions),
        clock_(clock),
        date_floor_(std::move(date_floor)),
        profiles_(profiles) {}

  // `target.path` starts with kFhirPrefix.
  gateway::http::Response handle(const gateway::http::Request& req, const Target& target);

 private:
  gateway::http::Response create(const FhirRequest& r, std::string_view type,
                                 const rapidjson::Value& body);
  gateway::http::Response update(const FhirRequest& r, std::string_view type, std::string_view id,
                                 const rapidjson::Value& body);
  gateway::http::Response read(const FhirRequest& r, std::string_view type,
                               std::string_view id) const;
  gateway::http::Response search(const FhirRequest& r, std::string_view type) const;

  ResourceStore& store_;
  IdGenerator& ids_;
  TokenService& tokens_;
  PatientRegistry& patients_;
  TransactionProcessor& transactions_;
  const gateway::Clock& clock_;
  std::string date_floor_;
  ProfileRules* profiles_;
};

}  // namespace ilp::sim
