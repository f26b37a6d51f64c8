#pragma once
// The master patient and practitioner indexes (reference §3.3, §3.4): search by NIK / NIK-ibu
// (masked partial results), the name+birthdate variants, read by IHS number, and newborn / NIK
// Patient creation with its rules (10168 name.text, 10333 address, 10167 multipleBirthInteger)
// and its non-FHIR answer as observed in practice.

#include "gateway/http/server.hpp"
#include "tests/simulator/fhir_request.hpp"
#include "tests/simulator/id_generator.hpp"
#include "tests/simulator/options.hpp"
#include "tests/simulator/resource_store.hpp"

namespace ilp::sim {

class PatientRegistry {
 public:
  PatientRegistry(ResourceStore& store, IdGenerator& ids, PatientCreateResponse answer_shape)
      : store_(store), ids_(ids), answer_shape_(answer_shape) {}

  // GET /Patient?…, GET /Practitioner?…
  gateway::http::Response search(const FhirRequest& r, std::string_view type) const;
  // POST /Patient with a parsed body.
  gateway::http::Response create(const FhirRequest& r, const rapidjson::Value& body);

 private:
  gateway::http::Response search_patients_by_demographics(const FhirRequest& r) const;

  ResourceStore& store_;
  IdGenerator& ids_;
  PatientCreateResponse answer_shape_;
};

}  // namespace ilp::sim
