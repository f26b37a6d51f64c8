#pragma once
// The seed as FHIR resources: Organization, Location, Patient and Practitioner shaped like the
// ones SATUSEHAT serves (reference §3.3 Patient sample; §3.1 identifier systems).

#include <string>
#include <vector>

#include "tests/simulator/id_generator.hpp"
#include "tests/simulator/resource_store.hpp"
#include "tests/simulator/seed.hpp"

namespace ilp::sim {

std::vector<StoredResource> seed_resources(const Seed& seed, IdGenerator& ids);

// A Patient as the master patient index holds it: ihs-number and NIK (or NIK-ibu) identifiers,
// name, gender, birthDate, meta with the Kemenkes profile.
StoredResource patient_resource(const SeedPatient& p, const Version& v);

// The partial view a search by identifier returns (reference §3.3): NIKs masked with '#',
// name only.
rapidjson::Document masked_patient(const rapidjson::Value& patient);

}  // namespace ilp::sim
