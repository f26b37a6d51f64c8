#pragma once
// Every sentence a sender or clerk reads about a rejected record, in plain Bahasa Indonesia
// (for a puskesmas clerk) and English, kept in one file so a native speaker can review them
// together.
//
// Contract: no message ever contains the offending value. NIKs, names and clinical values must
// not reach logs (DESIGN.md §11.5), and outcomes are logged and stored; naming the field and
// the rule is enough for the sender to find the mistake.

#include <chrono>
#include <cstddef>
#include <string_view>
#include <vector>

#include "mappers/outcome.hpp"

namespace ilp::mappers {

// A field as people name it. `item` ≥ 0 marks the n-th entry of a list; it is rendered 1-based
// ("Kode ICD-10 diagnosis ke-2" / "ICD-10 code of diagnosis 2") because clerks count from one.
struct Label {
  std::string_view id;
  std::string_view en;
  int item = -1;

  constexpr Label at(int index) const { return Label{id, en, index}; }
};

// A unit as shown after a number in a message.
struct UnitText {
  std::string_view id;  // with its leading space where the language wants one (" mmHg", "%")
  std::string_view en;
};

namespace labels {
inline constexpr Label kData{"Data kunjungan", "Visit data"};
inline constexpr Label kVisitNo{"Nomor kunjungan", "Visit number"};
inline constexpr Label kPatient{"Data pasien", "Patient"};
inline constexpr Label kPatientNik{"NIK pasien", "Patient NIK"};
inline constexpr Label kMotherNik{"NIK ibu", "Mother's NIK"};
inline constexpr Label kPatientName{"Nama pasien", "Patient name"};
inline constexpr Label kBirthDate{"Tanggal lahir pasien", "Patient birth date"};
inline constexpr Label kGender{"Jenis kelamin pasien", "Patient gender"};
inline constexpr Label kPatientIhs{"Nomor IHS pasien", "Patient IHS number"};
inline constexpr Label kPractitioner{"Data tenaga kesehatan", "Practitioner"};
inline constexpr Label kPractitionerNik{"NIK tenaga kesehatan", "Practitioner NIK"};
inline constexpr Label kPractitionerName{"Nama tenaga kesehatan", "Practitioner name"};
inline constexpr Label kPractitionerIhs{"Nomor IHS tenaga kesehatan", "Practitioner IHS number"};
inline constexpr Label kLocation{"Kode lokasi", "Location code"};
inline constexpr Label kArrivedAt{"Waktu kedatangan", "Arrival time"};
inline constexpr Label kStartedAt{"Waktu mulai pelayanan", "Service start time"};
inline constexpr Label kFinishedAt{"Waktu selesai pelayanan", "Service end time"};
inline constexpr Label kClass{"Jenis kunjungan", "Visit class"};
inline constexpr Label kVitals{"Tanda vital", "Vital signs"};
inline constexpr Label kSystolic{"Tekanan darah sistolik", "Systolic blood pressure"};
inline constexpr Label kDiastolic{"Tekanan darah diastolik", "Diastolic blood pressure"};
inline constexpr Label kHeartRate{"Denyut nadi", "Heart rate"};
inline constexpr Label kRespiratoryRate{"Frekuensi napas", "Respiratory rate"};
inline constexpr Label kTemperature{"Suhu tubuh", "Body temperature"};
inline constexpr Label kSpo2{"Saturasi oksigen (SpO2)", "Oxygen saturation (SpO2)"};
inline constexpr Label kWeight{"Berat badan", "Body weight"};
inline constexpr Label kHeight{"Tinggi badan", "Body height"};
inline constexpr Label kWaist{"Lingkar perut", "Waist circumference"};
inline constexpr Label kDiagnoses{"Daftar diagnosis", "Diagnoses"};
inline constexpr Label kDiagnosis{"Diagnosis", "Diagnosis"};
inline constexpr Label kIcd10{"Kode ICD-10 diagnosis", "ICD-10 code of diagnosis"};
inline constexpr Label kDiagnosisDisplay{"Nama diagnosis", "Name of diagnosis"};
inline constexpr Label kPrimary{"Penanda utama (primary) diagnosis", "Primary flag of diagnosis"};
inline constexpr Label kProcedures{"Daftar tindakan", "Procedures"};
inline constexpr Label kProcedure{"Tindakan", "Procedure"};
inline constexpr Label kIcd9cm{"Kode ICD-9-CM tindakan", "ICD-9-CM code of procedure"};
inline constexpr Label kProcedureDisplay{"Nama tindakan", "Name of procedure"};
inline constexpr Label kNotes{"Catatan", "Notes"};
}  // namespace labels

namespace msg {

// JSON shape.
Text required(const Label& f);
Text not_text(const Label& f);
Text not_number(const Label& f);
Text not_object(const Label& f);
Text not_list(const Label& f);
Text not_boolean(const Label& f);
Text too_long(const Label& f, std::size_t max_chars);
Text control_character(const Label& f);
Text too_many(const Label& f, std::size_t max_items);

// Identity.
Text nik(const Label& f);
Text patient_identity_missing();
Text practitioner_identity_missing();
Text ihs_number(const Label& f);
Text gender(const Label& f);

// Dates and times.
Text date(const Label& f);
Text datetime(const Label& f);
Text before_floor(const Label& f, const std::chrono::year_month_day& floor);
Text in_future(const Label& f);
Text earlier_than(const Label& later, const Label& earlier);  // later < earlier
// `f` holds only up to `max` days after `from`; this record is `days` after it.
Text too_many_days_after(const Label& f, const Label& from, int max, long days);
Text not_after(const Label& later, const Label& earlier);  // later == earlier, must differ
Text bad_date_floor_config();
// An `update: by_identifier` resource whose body has no identifier for this record.
Text update_without_identifier(std::string_view resource);

// Codes and values.
Text encounter_class(const Label& f);
Text unknown_location(std::string_view facility_name, const std::vector<std::string_view>& codes);
Text out_of_range(const Label& f, double min, double max, const UnitText& unit);
Text diastolic_not_below_systolic();
Text icd10(const Label& f);
Text icd9cm(const Label& f);
// Mapping templates (config/mappings): declared codes, lists and comparisons.
Text unknown_code(const Label& f, std::string_view table);  // not in config/codes/<table>.csv
Text not_one_of(const Label& f, const std::vector<std::string>& allowed);
Text not_whole_number(const Label& f);
Text not_below(const Label& lower, const Label& higher);
Text at_least(const Label& f, double min, const UnitText& unit);
Text at_most(const Label& f, double max, const UnitText& unit);

}  // namespace msg
}  // namespace ilp::mappers
