#pragma once
// The `visit` record kind's input (DESIGN.md §4, first row): what a facility sends for one
// consultation, checked field by field before anything is mapped.

#include <rapidjson/document.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "mappers/facility.hpp"
#include "mappers/map_result.hpp"
#include "mappers/messages.hpp"
#include "mappers/outcome.hpp"
#include "mappers/person_blocks.hpp"

namespace ilp::mappers {

// One measurable vital sign: its input key (also the resource name), the range a clerk could
// plausibly type (outside it is a typo or a unit mix-up, e.g. weight in grams), and its coding
// (reference §4.3; units as in the official ANC examples: UCUM code plus display unit).
struct VitalSign {
  std::string_view name;
  Label label;
  double min;
  double max;
  UnitText unit_text;  // for messages
  std::string_view loinc;
  std::string_view loinc_display;
  std::string_view unit;  // valueQuantity.unit
  std::string_view ucum;  // valueQuantity.code
};

// In bundle order. Blood pressure is two Observations, as in the official examples.
inline constexpr std::array<VitalSign, 9> kVitalSigns{{
    {"systolic",
     labels::kSystolic,
     40,
     300,
     {" mmHg", " mmHg"},
     "8480-6",
     "Systolic blood pressure",
     "mm[Hg]",
     "mm[Hg]"},
    {"diastolic",
     labels::kDiastolic,
     20,
     200,
     {" mmHg", " mmHg"},
     "8462-4",
     "Diastolic blood pressure",
     "mm[Hg]",
     "mm[Hg]"},
    {"heart_rate",
     labels::kHeartRate,
     20,
     300,
     {" kali per menit", " per minute"},
     "8867-4",
     "Heart rate",
     "beats/minute",
     "/min"},
    {"respiratory_rate",
     labels::kRespiratoryRate,
     4,
     100,
     {" kali per menit", " per minute"},
     "9279-1",
     "Respiratory rate",
     "breaths/minute",
     "/min"},
    {"temperature",
     labels::kTemperature,
     30,
     45,
     {" °C", " °C"},
     "8310-5",
     "Body temperature",
     "C",
     "Cel"},
    // Open question (reference §4.3 and §9 item 8): peers disagree between 2708-6 ("Oxygen
    // saturation in Arterial blood") and 59408-5 (the pulse-oximetry code). 59408-5 describes
    // what a puskesmas actually measures and is what FHIR's own vital-signs profile pairs with
    // 2708-6; switch here if the SATUSEHAT terminology annex says otherwise.
    {"spo2",
     labels::kSpo2,
     50,
     100,
     {"%", "%"},
     "59408-5",
     "Oxygen saturation in Arterial blood by Pulse oximetry",
     "%",
     "%"},
    {"weight", labels::kWeight, 0.3, 400, {" kg", " kg"}, "29463-7", "Body weight", "kg", "kg"},
    {"height", labels::kHeight, 20, 250, {" cm", " cm"}, "8302-2", "Body height", "cm", "cm"},
    {"waist",
     labels::kWaist,
     20,
     250,
     {" cm", " cm"},
     "8280-0",
     "Waist Circumference at umbilicus by Tape measure",
     "cm",
     "cm"},
}};
inline constexpr std::size_t kSystolicIndex = 0;
inline constexpr std::size_t kDiastolicIndex = 1;

// Encounter.class (v3-ActCode) for each visit class a facility can send.
struct EncounterClass {
  std::string_view input;  // "outpatient"
  std::string_view code;   // "AMB"
  std::string_view display;
};
inline constexpr std::array<EncounterClass, 4> kEncounterClasses{{
    {"outpatient", "AMB", "ambulatory"},
    {"emergency", "EMER", "emergency"},
    {"inpatient", "IMP", "inpatient encounter"},
    {"home", "HH", "home health"},
}};

struct DiagnosisInput {
  std::string_view icd10;
  std::string_view display;  // may be empty
  bool primary = false;
};

struct ProcedureInput {
  std::string_view icd9cm;
  std::string_view display;  // may be empty
};

// A visit's data after every check passed. Views point into the input document.
struct VisitInput {
  std::string_view visit_no;
  PatientInput patient;
  PractitionerInput practitioner;
  const Location* location = nullptr;
  const EncounterClass* encounter_class = &kEncounterClasses[0];
  std::int64_t arrived_ms = 0;
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;
  std::array<const rapidjson::Value*, kVitalSigns.size()> vitals{};  // nullptr = not measured
  std::vector<DiagnosisInput> diagnoses;
  std::vector<ProcedureInput> procedures;
};

// Checks `in.data` and fills `out`. Every problem is one Issue (all are reported, not just the
// first); `out` is meaningful only when the returned outcome is empty.
Outcome read_visit(const MapInput& in, VisitInput& out);

// Code shapes, without regexes: "A01", "A01.0", "Z00.00" / "89", "89.7", "96.59".
bool icd10_shape(std::string_view code);
bool icd9cm_shape(std::string_view code);

}  // namespace ilp::mappers
