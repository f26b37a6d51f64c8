#pragma once
// What every FHIR handler needs to know about the request it serves.

#include <string>

#include "gateway/http/server.hpp"
#include "tests/simulator/responses.hpp"
#include "tests/simulator/token_service.hpp"
#include "tests/simulator/validator.hpp"

namespace ilp::sim {

struct FhirRequest {
  const gateway::http::Request& http;
  const Target& target;
  std::string fhir_base;  // "http://<Host>/fhir-r4/v1", for fullUrl and links
  BoundClient client;
  RuleContext rules;  // bound organization, clock, date floor; `exists` looks in the store
};

}  // namespace ilp::sim
