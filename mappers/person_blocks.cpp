#include "mappers/person_blocks.hpp"

#include "mappers/datetime.hpp"

namespace ilp::mappers {
namespace {

using Need = InputReader::Need;

constexpr std::size_t kMaxNameChars = 200;
constexpr std::string_view kNikSystem = "https://fhir.kemkes.go.id/id/nik";
constexpr std::string_view kMotherNikSystem = "https://fhir.kemkes.go.id/id/nik-ibu";

}  // namespace

std::optional<PatientInput> read_patient(InputReader& in, const rapidjson::Value& data,
                                         std::string_view data_path, const TimeRules& rules) {
  const auto* obj = in.object(data, data_path, "patient", labels::kPatient, Need::kRequired);
  if (obj == nullptr) return std::nullopt;
  return read_patient_block(in, *obj, InputReader::path(data_path, "patient"), rules);
}

std::optional<PatientInput> read_patient_block(InputReader& in, const rapidjson::Value& block,
                                               const std::string& path, const TimeRules& rules) {
  const auto* obj = &block;
  bool ok = true;
  PatientInput p;
  const bool has_nik = InputReader::given(*obj, "nik");
  const bool has_mother_nik = InputReader::given(*obj, "mother_nik");
  if (!has_nik && !has_mother_nik) {
    in.add("required", path, "nik", msg::patient_identity_missing());
    ok = false;
  }
  // Both are checked when given, so a typo in either is reported even if the other is fine.
  if (has_nik) {
    const auto nik = in.nik(*obj, path, "nik", labels::kPatientNik, Need::kOptional);
    ok = ok && nik.has_value();
    if (nik) p.nik = *nik;
  }
  if (has_mother_nik) {
    const auto mnik = in.nik(*obj, path, "mother_nik", labels::kMotherNik, Need::kOptional);
    ok = ok && mnik.has_value();
    if (mnik) p.mother_nik = *mnik;
  }

  const auto name =
      in.string(*obj, path, "name", labels::kPatientName, Need::kRequired, kMaxNameChars);
  ok = ok && name.has_value();
  if (name) p.name = *name;

  const auto birth = in.date(*obj, path, "birth_date", labels::kBirthDate, Need::kRequired);
  if (birth && *birth > rules.today) {
    in.add("value", path, "birth_date", msg::in_future(labels::kBirthDate));
    ok = false;
  } else if (birth) {
    p.birth_date = *birth;
  } else {
    ok = false;
  }

  constexpr std::size_t kMaxGenderChars = 16;
  const auto gender =
      in.string(*obj, path, "gender", labels::kGender, Need::kRequired, kMaxGenderChars);
  if (gender && *gender != "male" && *gender != "female") {
    in.add("value", path, "gender", msg::gender(labels::kGender));
    ok = false;
  } else if (gender) {
    p.gender = *gender;
  } else {
    ok = false;
  }

  if (InputReader::given(*obj, "ihs_number")) {
    const auto ihs = in.ihs_number(*obj, path, "ihs_number", labels::kPatientIhs, Need::kOptional);
    ok = ok && ihs.has_value();
    if (ihs) p.ihs_number = *ihs;
  }

  if (!ok) return std::nullopt;
  return p;
}

std::optional<PractitionerInput> read_practitioner(InputReader& in, const rapidjson::Value& data,
                                                   std::string_view data_path) {
  const auto* obj =
      in.object(data, data_path, "practitioner", labels::kPractitioner, Need::kRequired);
  if (obj == nullptr) return std::nullopt;
  return read_practitioner_block(in, *obj, InputReader::path(data_path, "practitioner"));
}

std::optional<PractitionerInput> read_practitioner_block(InputReader& in,
                                                         const rapidjson::Value& block,
                                                         const std::string& path) {
  const auto* obj = &block;
  bool ok = true;
  PractitionerInput p;
  const bool has_nik = InputReader::given(*obj, "nik");
  const bool has_ihs = InputReader::given(*obj, "ihs_number");
  if (!has_nik && !has_ihs) {
    in.add("required", path, "nik", msg::practitioner_identity_missing());
    ok = false;
  }
  if (has_nik) {
    const auto nik = in.nik(*obj, path, "nik", labels::kPractitionerNik, Need::kOptional);
    ok = ok && nik.has_value();
    if (nik) p.nik = *nik;
  }
  if (has_ihs) {
    const auto ihs =
        in.ihs_number(*obj, path, "ihs_number", labels::kPractitionerIhs, Need::kOptional);
    ok = ok && ihs.has_value();
    if (ihs) p.ihs_number = *ihs;
  }
  const auto name =
      in.string(*obj, path, "name", labels::kPractitionerName, Need::kRequired, kMaxNameChars);
  ok = ok && name.has_value();
  if (name) p.name = *name;

  if (!ok) return std::nullopt;
  return p;
}

std::string patient_reference(const PatientInput& p) {
  if (!p.ihs_number.empty()) return "Patient/" + std::string(p.ihs_number);
  std::string r = "Patient?identifier=";
  if (!p.nik.empty()) {
    r += kNikSystem;
    r += '|';
    r += p.nik;
  } else {
    // A newborn without NIK. Twins share this identifier, so delivery has to tell them apart
    // (birth date, name) when the search returns more than one.
    r += kMotherNikSystem;
    r += '|';
    r += p.mother_nik;
  }
  return r;
}

std::string practitioner_reference(const PractitionerInput& p) {
  if (!p.ihs_number.empty()) return "Practitioner/" + std::string(p.ihs_number);
  std::string r = "Practitioner?identifier=";
  r += kNikSystem;
  r += '|';
  r += p.nik;
  return r;
}

std::string patient_key_input(const PatientInput& p) {
  // NIK first: it is what every facility system sends for the same person, so all of that
  // patient's records share one key even when only some of them carry the IHS number.
  if (!p.nik.empty()) return "nik:" + std::string(p.nik);
  if (!p.mother_nik.empty()) {
    return "nik-ibu:" + std::string(p.mother_nik) + ":" + format_date(p.birth_date);
  }
  return "ihs:" + std::string(p.ihs_number);
}

std::string patient_key(const PatientInput& p, const Pseudonymizer& pseudonym) {
  return pseudonym(patient_key_input(p));
}

}  // namespace ilp::mappers
