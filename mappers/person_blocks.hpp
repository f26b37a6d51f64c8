#pragma once
// The `patient` and `practitioner` blocks every record kind shares (DESIGN.md §4), and the
// references they turn into.
//
// Patients and practitioners are referenced CONDITIONALLY by NIK
// ("Patient?identifier=https://fhir.kemkes.go.id/id/nik|…"): the mapper never talks to the
// network, so delivery resolves these to IHS numbers by search before sending (DESIGN.md §7).
// When the sender already knows the IHS number, the reference is direct ("Patient/P0…").

#include <rapidjson/document.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "mappers/input_reader.hpp"
#include "mappers/pseudonym.hpp"

namespace ilp::mappers {

// Views point into the input document, which must outlive this.
struct PatientInput {
  std::string_view nik;         // empty for a newborn registered by mother_nik
  std::string_view mother_nik;  // used only when `nik` is empty
  std::string_view name;
  std::string_view gender;      // "male" | "female"
  std::string_view ihs_number;  // optional
  std::chrono::year_month_day birth_date{};
};

struct PractitionerInput {
  std::string_view nik;  // one of nik / ihs_number is set
  std::string_view ihs_number;
  std::string_view name;
};

// Reads `{parent_path}.patient`; nullopt when anything is wrong (issues already recorded).
std::optional<PatientInput> read_patient(InputReader& in, const rapidjson::Value& data,
                                         std::string_view data_path, const TimeRules& rules);
std::optional<PractitionerInput> read_practitioner(InputReader& in, const rapidjson::Value& data,
                                                   std::string_view data_path);
// The same checks on a block already found (an object), whose input path is `path`.
std::optional<PatientInput> read_patient_block(InputReader& in, const rapidjson::Value& block,
                                               const std::string& path, const TimeRules& rules);
std::optional<PractitionerInput> read_practitioner_block(InputReader& in,
                                                         const rapidjson::Value& block,
                                                         const std::string& path);

std::string patient_reference(const PatientInput& p);
std::string practitioner_reference(const PractitionerInput& p);

// What identifies one patient for ordering: "nik:{nik}", else
// "nik-ibu:{mother_nik}:{birth_date}", else "ihs:{ihs}". Never stored: only its pseudonym.
std::string patient_key_input(const PatientInput& p);

// Groups one patient's records (delivery keeps them in order) without storing the NIK in clear:
// the keyed pseudonym of patient_key_input(). (Stores before schema 4 held its bare SHA-256.)
std::string patient_key(const PatientInput& p, const Pseudonymizer& pseudonym);

}  // namespace ilp::mappers
