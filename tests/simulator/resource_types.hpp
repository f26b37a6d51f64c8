#pragma once
// Which FHIR resource types the simulator serves, and how.

#include <algorithm>
#include <array>
#include <string_view>

namespace ilp::sim {

// Create / read / update / search-by-identifier, alone or in a transaction. The first fourteen
// are the ones the gateway sends; the rest have official pages too (reference §2.2, §4).
inline constexpr std::array<std::string_view, 19> kGenericTypes = {
    "Encounter",          "Condition",    "Observation",          "Procedure",
    "Immunization",       "Medication",   "MedicationRequest",    "MedicationDispense",
    "ServiceRequest",     "Specimen",     "DiagnosticReport",     "EpisodeOfCare",
    "Location",           "Organization", "Composition",          "AllergyIntolerance",
    "ClinicalImpression", "CarePlan",     "QuestionnaireResponse"};

inline bool is_generic_type(std::string_view t) {
  return std::find(kGenericTypes.begin(), kGenericTypes.end(), t) != kGenericTypes.end();
}

// Master data served by the patient and practitioner indexes (read and search; Patient create).
inline bool is_person_type(std::string_view t) { return t == "Patient" || t == "Practitioner"; }

inline bool is_known_type(std::string_view t) { return is_generic_type(t) || is_person_type(t); }

}  // namespace ilp::sim
