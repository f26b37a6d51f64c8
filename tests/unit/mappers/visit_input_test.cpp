// One test per way a visit record can be wrong: each must give exactly one issue, at the input
// path the sender used, with text in both languages.
#include <catch2/catch.hpp>

#include "mappers/code_shapes.hpp"
#include "unit/mappers/visit_fixtures.hpp"

namespace ilp::mappers {
namespace {

using test::VisitCase;

// The single issue of a rejected record, after checking the parts every issue must have.
Issue only_issue(const MapResult& r, std::string_view expression, std::string_view code) {
  INFO(outcome_to_storage(r.outcome));
  REQUIRE(r.outcome.issues.size() == 1);
  const Issue i = r.outcome.issues[0];
  CHECK(i.expression == expression);
  CHECK(i.code == code);
  CHECK(i.severity == "error");
  CHECK_FALSE(i.text.id.empty());
  CHECK_FALSE(i.text.en.empty());
  CHECK(i.text.id != i.text.en);
  CHECK(r.bundle_json.empty());
  CHECK(r.resources.empty());
  return i;
}

TEST_CASE("the valid example visit maps without issues", "[unit]") {
  const auto r = VisitCase().map();
  INFO(outcome_to_storage(r.outcome));
  CHECK(r.ok());
  CHECK_FALSE(r.bundle_json.empty());
}

TEST_CASE("data that is not an object is rejected", "[unit]") {
  const auto r = VisitCase("[1, 2]").map();
  only_issue(r, "data", "invalid");
}

// --- visit_no ---------------------------------------------------------------------------------

TEST_CASE("a missing visit number is required", "[unit]") {
  const auto i = only_issue(VisitCase().remove("visit_no").map(), "data.visit_no", "required");
  CHECK(i.text.id == "Nomor kunjungan wajib diisi.");
  CHECK(i.text.en == "Visit number is required.");
}

TEST_CASE("a blank visit number counts as missing", "[unit]") {
  only_issue(VisitCase().set("visit_no", R"("   ")").map(), "data.visit_no", "required");
}

TEST_CASE("a numeric visit number is a wrong type", "[unit]") {
  only_issue(VisitCase().set("visit_no", "123").map(), "data.visit_no", "invalid");
}

TEST_CASE("a visit number longer than 64 characters is rejected", "[unit]") {
  const std::string v = "\"" + std::string(65, 'X') + "\"";
  only_issue(VisitCase().set("visit_no", v).map(), "data.visit_no", "value");
  const std::string ok = "\"" + std::string(64, 'X') + "\"";
  CHECK(VisitCase().set("visit_no", ok).map().ok());
}

TEST_CASE("a visit number with a NUL or other control character is rejected", "[unit]") {
  const auto i =
      only_issue(VisitCase().set("visit_no", R"("KN-01\u0000")").map(), "data.visit_no", "value");
  CHECK_THAT(i.text.en, Catch::Contains("control character"));
  only_issue(VisitCase().set("visit_no", R"("KN\u001b01")").map(), "data.visit_no", "value");
}

TEST_CASE("tabs and line breaks in text are not control characters to refuse", "[unit]") {
  CHECK(VisitCase().set("visit_no", R"("KN\t01")").map().ok());
}

// --- patient ----------------------------------------------------------------------------------

TEST_CASE("a missing patient block is required", "[unit]") {
  only_issue(VisitCase().remove("patient").map(), "data.patient", "required");
}

TEST_CASE("a patient that is not an object is a wrong type", "[unit]") {
  only_issue(VisitCase().set("patient", R"("Budi")").map(), "data.patient", "invalid");
}

TEST_CASE("a patient without NIK or mother's NIK is asked for one", "[unit]") {
  const auto i =
      only_issue(VisitCase().remove("patient.nik").map(), "data.patient.nik", "required");
  CHECK_THAT(i.text.id, Catch::Contains("NIK ibu"));
}

TEST_CASE("a patient NIK that is not 16 digits is rejected", "[unit]") {
  const auto i = only_issue(VisitCase().set("patient.nik", R"("32040101019")").map(),
                            "data.patient.nik", "value");
  CHECK(i.text.id == "NIK pasien harus 16 digit angka.");
  CHECK(i.text.en == "Patient NIK must be exactly 16 digits.");
}

TEST_CASE("a patient NIK with 17 digits is rejected", "[unit]") {
  only_issue(VisitCase().set("patient.nik", R"("32040101019000011")").map(), "data.patient.nik",
             "value");
}

TEST_CASE("a patient NIK with letters is rejected", "[unit]") {
  only_issue(VisitCase().set("patient.nik", R"("32040101019O0001")").map(), "data.patient.nik",
             "value");
}

TEST_CASE("a patient NIK sent as a JSON number is a wrong type", "[unit]") {
  only_issue(VisitCase().set("patient.nik", "3204010101900001").map(), "data.patient.nik",
             "invalid");
}

TEST_CASE("a bad mother's NIK is rejected even when the patient has a NIK", "[unit]") {
  only_issue(VisitCase().set("patient.mother_nik", R"("123")").map(), "data.patient.mother_nik",
             "value");
}

TEST_CASE("a newborn registered by mother's NIK maps without a NIK of its own", "[unit]") {
  const auto r = VisitCase()
                     .remove("patient.nik")
                     .set("patient.mother_nik", R"("3204014102950002")")
                     .set("patient.birth_date", R"("2024-05-10")")
                     .map();
  CHECK(r.ok());
}

TEST_CASE("a newborn by mother's NIK without birth date is asked for it", "[unit]") {
  only_issue(VisitCase()
                 .remove("patient.nik")
                 .set("patient.mother_nik", R"("3204014102950002")")
                 .remove("patient.birth_date")
                 .map(),
             "data.patient.birth_date", "required");
}

TEST_CASE("a missing patient name is required", "[unit]") {
  only_issue(VisitCase().remove("patient.name").map(), "data.patient.name", "required");
}

TEST_CASE("an empty patient name counts as missing", "[unit]") {
  only_issue(VisitCase().set("patient.name", R"("")").map(), "data.patient.name", "required");
}

TEST_CASE("an impossible birth date is rejected", "[unit]") {
  only_issue(VisitCase().set("patient.birth_date", R"("1990-02-30")").map(),
             "data.patient.birth_date", "value");
}

TEST_CASE("a birth date in the future is rejected", "[unit]") {
  only_issue(VisitCase().set("patient.birth_date", R"("2026-01-02")").map(),
             "data.patient.birth_date", "value");
}

TEST_CASE("a birth date before the SATUSEHAT floor is fine", "[unit]") {
  CHECK(VisitCase().set("patient.birth_date", R"("1931-08-17")").map().ok());
}

TEST_CASE("a gender other than male or female is rejected", "[unit]") {
  only_issue(VisitCase().set("patient.gender", R"("L")").map(), "data.patient.gender", "value");
}

TEST_CASE("a missing gender is required", "[unit]") {
  only_issue(VisitCase().remove("patient.gender").map(), "data.patient.gender", "required");
}

TEST_CASE("a patient IHS number that cannot be a FHIR id is rejected", "[unit]") {
  only_issue(VisitCase().set("patient.ihs_number", R"("P0247/8375538")").map(),
             "data.patient.ihs_number", "value");
}

// --- practitioner -----------------------------------------------------------------------------

TEST_CASE("a missing practitioner block is required", "[unit]") {
  only_issue(VisitCase().remove("practitioner").map(), "data.practitioner", "required");
}

TEST_CASE("a practitioner without NIK or IHS number is asked for one", "[unit]") {
  only_issue(VisitCase().remove("practitioner.nik").map(), "data.practitioner.nik", "required");
}

TEST_CASE("a practitioner NIK that is not 16 digits is rejected", "[unit]") {
  only_issue(VisitCase().set("practitioner.nik", R"("320401120380")").map(),
             "data.practitioner.nik", "value");
}

TEST_CASE("a practitioner known only by IHS number is accepted", "[unit]") {
  CHECK(VisitCase()
            .remove("practitioner.nik")
            .set("practitioner.ihs_number", R"("N10000001")")
            .map()
            .ok());
}

TEST_CASE("a missing practitioner name is required", "[unit]") {
  only_issue(VisitCase().remove("practitioner.name").map(), "data.practitioner.name", "required");
}

// --- location ---------------------------------------------------------------------------------

TEST_CASE("a missing location is required", "[unit]") {
  only_issue(VisitCase().remove("location").map(), "data.location", "required");
}

TEST_CASE("a location code not in the facility's table is rejected and the table named", "[unit]") {
  const auto i =
      only_issue(VisitCase().set("location", R"("POLI-GIGI")").map(), "data.location", "value");
  CHECK_THAT(i.text.id, Catch::Contains("tabel lokasi Puskesmas Sukamaju"));
  CHECK_THAT(i.text.id, Catch::Contains("POLI-UMUM, KIA, POSYANDU-MAWAR"));
  CHECK_THAT(i.text.en, Catch::Contains("location table of Puskesmas Sukamaju"));
}

TEST_CASE("location codes are matched exactly, case included", "[unit]") {
  only_issue(VisitCase().set("location", R"("poli-umum")").map(), "data.location", "value");
}

// --- times ------------------------------------------------------------------------------------

TEST_CASE("a missing arrival time is required", "[unit]") {
  only_issue(VisitCase().remove("arrived_at").map(), "data.arrived_at", "required");
}

TEST_CASE("a missing start time is required", "[unit]") {
  only_issue(VisitCase().remove("started_at").map(), "data.started_at", "required");
}

TEST_CASE("a missing finish time is required", "[unit]") {
  only_issue(VisitCase().remove("finished_at").map(), "data.finished_at", "required");
}

TEST_CASE("an impossible arrival time is rejected", "[unit]") {
  only_issue(VisitCase().set("arrived_at", R"("2025-02-29T08:00:00")").map(), "data.arrived_at",
             "value");
}

TEST_CASE("a date without time is not a visit time", "[unit]") {
  only_issue(VisitCase().set("arrived_at", R"("2025-03-14")").map(), "data.arrived_at", "value");
}

TEST_CASE("a start before arrival is rejected on started_at", "[unit]") {
  only_issue(VisitCase().set("started_at", R"("2025-03-14T07:59:00")").map(), "data.started_at",
             "value");
}

TEST_CASE("a finish before start is rejected on finished_at", "[unit]") {
  only_issue(VisitCase().set("finished_at", R"("2025-03-14T08:10:00")").map(), "data.finished_at",
             "value");
}

TEST_CASE("a visit that finishes the second it arrives is rejected", "[unit]") {
  only_issue(VisitCase()
                 .set("started_at", R"("2025-03-14T08:00:00")")
                 .set("finished_at", R"("2025-03-14T08:00:00.900")")
                 .map(),
             "data.finished_at", "value");
}

TEST_CASE("arrival, start and finish may share a minute boundary when in order", "[unit]") {
  CHECK(VisitCase()
            .set("started_at", R"("2025-03-14T08:00:00")")
            .set("finished_at", R"("2025-03-14T08:00:01")")
            .map()
            .ok());
}

TEST_CASE("order is judged after converting explicit offsets", "[unit]") {
  // 08:30 WITA is 07:30 WIB: before the 08:00 WIB arrival.
  only_issue(VisitCase().set("started_at", R"("2025-03-14T08:30:00+08:00")").map(),
             "data.started_at", "value");
}

TEST_CASE("a time before the SATUSEHAT date floor is rejected", "[unit]") {
  const auto i = only_issue(VisitCase().set("arrived_at", R"("2014-06-02T23:00:00Z")").map(),
                            "data.arrived_at", "value");
  CHECK_THAT(i.text.id, Catch::Contains("3 Juni 2014"));
  CHECK_THAT(i.text.en, Catch::Contains("3 June 2014"));
}

TEST_CASE("the date floor is configurable", "[unit]") {
  const auto r = VisitCase()
                     .set("arrived_at", R"("2022-08-30T08:00:00")")
                     .map(test::sukamaju(), 1, "RJ-2025-0001", "2022-08-31");
  only_issue(r, "data.arrived_at", "value");
}

TEST_CASE("an invalid date floor setting refuses to map rather than skip the check", "[unit]") {
  const auto r = VisitCase().map(test::sukamaju(), 1, "RJ-2025-0001", "2014-06-31");
  REQUIRE(r.outcome.issues.size() == 1);
  CHECK(r.outcome.issues[0].code == "exception");
  CHECK(r.bundle_json.empty());
}

TEST_CASE("a finish time in the future is rejected", "[unit]") {
  // now = 2025-12-31T00:00Z = 07:00 WIB; tolerance 5 minutes.
  only_issue(VisitCase()
                 .set("arrived_at", R"("2025-12-31T06:50:00")")
                 .set("started_at", R"("2025-12-31T06:55:00")")
                 .set("finished_at", R"("2025-12-31T07:05:01")")
                 .map(),
             "data.finished_at", "value");
}

TEST_CASE("a finish time a few minutes ahead of our clock is tolerated", "[unit]") {
  CHECK(VisitCase()
            .set("arrived_at", R"("2025-12-31T06:50:00")")
            .set("started_at", R"("2025-12-31T06:55:00")")
            .set("finished_at", R"("2025-12-31T07:05:00")")
            .map()
            .ok());
}

// --- class ------------------------------------------------------------------------------------

TEST_CASE("an unknown visit class is rejected naming its code table", "[unit]") {
  const auto i =
      only_issue(VisitCase().set("class", R"("rawat jalan")").map(), "data.class", "code-invalid");
  CHECK_THAT(i.text.en, Catch::Contains("config/codes/encounter-class.csv"));
}

TEST_CASE("a visit class of the wrong type is rejected", "[unit]") {
  only_issue(VisitCase().set("class", "1").map(), "data.class", "invalid");
}

TEST_CASE("a missing or null visit class defaults to outpatient", "[unit]") {
  CHECK(VisitCase().remove("class").map().ok());
  CHECK(VisitCase().set("class", "null").map().ok());
}

// The ranges config/mappings/visit.yaml declares.
struct VitalRange {
  const char* name;
  double min;
  double max;
};
constexpr VitalRange kVitalSigns[] = {
    {"systolic", 40, 300},        {"diastolic", 20, 200},  {"heart_rate", 20, 300},
    {"respiratory_rate", 4, 100}, {"temperature", 30, 45}, {"spo2", 50, 100},
    {"weight", 0.3, 400},         {"height", 20, 250},     {"waist", 20, 250},
};

// --- vitals -----------------------------------------------------------------------------------

TEST_CASE("vitals that are not an object are a wrong type", "[unit]") {
  only_issue(VisitCase().set("vitals", "[120, 80]").map(), "data.vitals", "invalid");
}

TEST_CASE("each vital sign outside its range is rejected at its own path", "[unit]") {
  for (const auto& vs : kVitalSigns) {
    for (const double bad : {vs.min - 0.1, vs.max + 0.1}) {
      DYNAMIC_SECTION(vs.name << " = " << bad) {
        VisitCase c;
        c.remove("vitals").set("vitals." + std::string(vs.name), std::to_string(bad));
        const auto i = only_issue(c.map(), "data.vitals." + std::string(vs.name), "value");
        CHECK_THAT(i.text.id, Catch::Contains("harus antara"));
        CHECK_THAT(i.text.en, Catch::Contains("must be between"));
      }
    }
  }
}

TEST_CASE("every vital-signs table key a visit may send is range-checked, not sent blindly",
          "[unit]") {
  VisitCase c;
  c.set("vitals.hemoglobin", "250");
  only_issue(c.map(), "data.vitals.hemoglobin", "value");
  VisitCase unknown;
  unknown.set("vitals.not_a_vital", "\"x\"");
  const auto r = unknown.map();
  REQUIRE(r.ok());
  CHECK(r.bundle_json.find("not_a_vital") == std::string::npos);
}

TEST_CASE("each vital sign at its range limits is accepted", "[unit]") {
  for (const auto& vs : kVitalSigns) {
    for (const double ok : {vs.min, vs.max}) {
      DYNAMIC_SECTION(vs.name << " = " << ok) {
        VisitCase c;
        c.remove("vitals").set("vitals." + std::string(vs.name), std::to_string(ok));
        const auto r = c.map();
        INFO(outcome_to_storage(r.outcome));
        CHECK(r.ok());
      }
    }
  }
}

TEST_CASE("a weight limit message uses a decimal comma in Indonesian", "[unit]") {
  const auto i =
      only_issue(VisitCase().set("vitals.weight", "0.2").map(), "data.vitals.weight", "value");
  CHECK(i.text.id == "Berat badan harus antara 0,3 dan 400 kg.");
  CHECK(i.text.en == "Body weight must be between 0.3 and 400 kg.");
}

TEST_CASE("a vital sign sent as text is a wrong type", "[unit]") {
  only_issue(VisitCase().set("vitals.systolic", R"("120")").map(), "data.vitals.systolic",
             "invalid");
}

TEST_CASE("a diastolic pressure not below the systolic is rejected", "[unit]") {
  only_issue(VisitCase().set("vitals.diastolic", "128").map(), "data.vitals.diastolic", "value");
}

TEST_CASE("null vitals are treated as not measured", "[unit]") {
  const auto r = VisitCase().set("vitals.spo2", "null").set("vitals.weight", "null").map();
  CHECK(r.ok());
}

// --- diagnoses and procedures -----------------------------------------------------------------

TEST_CASE("diagnoses that are not a list are a wrong type", "[unit]") {
  only_issue(VisitCase().set("diagnoses", R"({"icd10": "A09"})").map(), "data.diagnoses",
             "invalid");
}

TEST_CASE("a diagnosis that is not an object is a wrong type", "[unit]") {
  only_issue(VisitCase().set("diagnoses.1", R"("R50.9")").map(), "data.diagnoses[1]", "invalid");
}

TEST_CASE("a diagnosis without ICD-10 code is required at its index", "[unit]") {
  const auto i = only_issue(VisitCase().remove("diagnoses.1.icd10").map(),
                            "data.diagnoses[1].icd10", "required");
  CHECK(i.text.id == "Kode ICD-10 diagnosis ke-2 wajib diisi.");
  CHECK(i.text.en == "ICD-10 code of diagnosis 2 is required.");
}

TEST_CASE("a diagnosis code that is not ICD-10 shaped is rejected", "[unit]") {
  only_issue(VisitCase().set("diagnoses.0.icd10", R"("a01.0")").map(), "data.diagnoses[0].icd10",
             "value");
}

TEST_CASE("a diagnosis display of the wrong type is rejected", "[unit]") {
  only_issue(VisitCase().set("diagnoses.0.display", "7").map(), "data.diagnoses[0].display",
             "invalid");
}

TEST_CASE("a primary flag that is not a boolean is rejected", "[unit]") {
  only_issue(VisitCase().set("diagnoses.0.primary", R"("yes")").map(), "data.diagnoses[0].primary",
             "invalid");
}

TEST_CASE("more than 100 diagnoses is one issue on the list", "[unit]") {
  std::string list = "[";
  for (int i = 0; i < 101; ++i) list += std::string(i ? "," : "") + R"({"icd10": "A09"})";
  list += "]";
  only_issue(VisitCase().set("diagnoses", list).map(), "data.diagnoses", "value");
}

TEST_CASE("procedures that are not a list are a wrong type", "[unit]") {
  only_issue(VisitCase().set("procedures", R"("89.7")").map(), "data.procedures", "invalid");
}

TEST_CASE("a procedure without ICD-9-CM code is required at its index", "[unit]") {
  only_issue(VisitCase().remove("procedures.0.icd9cm").map(), "data.procedures[0].icd9cm",
             "required");
}

TEST_CASE("a procedure code that is not ICD-9-CM shaped is rejected", "[unit]") {
  only_issue(VisitCase().set("procedures.0.icd9cm", R"("A01")").map(), "data.procedures[0].icd9cm",
             "value");
}

TEST_CASE("ICD-10 and ICD-9-CM shapes are checked without regexes", "[unit]") {
  for (const auto* ok : {"A01", "A01.0", "E44.1", "Z00.00", "U07.1", "O80.0", "C34.9A"}) {
    INFO(ok);
    CHECK(icd10_shape(ok));
  }
  for (const auto* bad :
       {"", "A0", "A01.", "A01.000", "a01", "A1.0", "01A", "A01-0", "A01 ", "AA1", "A01.a"}) {
    INFO(bad);
    CHECK_FALSE(icd10_shape(bad));
  }
  for (const auto* ok : {"89", "89.7", "96.59", "00.01"}) {
    INFO(ok);
    CHECK(icd9cm_shape(ok));
  }
  for (const auto* bad : {"", "8", "89.", "89.123", "8a.1", "89-7", "A01", "89.7a"}) {
    INFO(bad);
    CHECK_FALSE(icd9cm_shape(bad));
  }
}

// --- everything else --------------------------------------------------------------------------

TEST_CASE("notes of the wrong type are rejected", "[unit]") {
  only_issue(VisitCase().set("notes", R"({"text": "x"})").map(), "data.notes", "invalid");
}

TEST_CASE("unknown fields sent by vendors are ignored", "[unit]") {
  const auto r = VisitCase()
                     .set("simpus_internal_id", "998877")
                     .set("patient.rt_rw", R"("003/004")")
                     .set("vitals.bmi", "22.1")
                     .set("diagnoses.0.kasus", R"("baru")")
                     .map();
  CHECK(r.ok());
}

TEST_CASE("all problems in a record are reported at once", "[unit]") {
  const auto r = VisitCase()
                     .set("patient.nik", R"("123")")
                     .remove("practitioner.name")
                     .set("location", R"("NOWHERE")")
                     .set("vitals.systolic", "900")
                     .set("diagnoses.1.icd10", R"("bad")")
                     .set("procedures.0.icd9cm", "89")
                     .map();
  std::vector<std::string> expressions;
  for (const auto& i : r.outcome.issues) expressions.push_back(i.expression);
  CHECK(expressions == std::vector<std::string>{"data.patient.nik", "data.practitioner.name",
                                                "data.location", "data.vitals.systolic",
                                                "data.diagnoses[1].icd10",
                                                "data.procedures[0].icd9cm"});
}

TEST_CASE("no issue ever repeats a NIK, a name or a clinical value", "[unit]") {
  // Valid and invalid NIKs, names and values next to many problems: the outcome is logged and
  // stored, so none of them may appear in any of its fields.
  const auto r = VisitCase()
                     .set("patient.nik", R"("3204010101900001")")
                     .set("patient.mother_nik", R"("320401410295000")")
                     .set("patient.birth_date", R"("1990-02-30")")
                     .set("practitioner.nik", R"("32040112038000019")")
                     .set("vitals.systolic", "312")
                     .set("vitals.temperature", "46.5")
                     .set("diagnoses.0.icd10", R"("B2O.1")")
                     .set("procedures.0.icd9cm", R"("8x.7")")
                     .set("arrived_at", R"("2025-13-14T08:00:00")")
                     .map();
  REQUIRE(r.outcome.issues.size() >= 8);
  const std::string all = outcome_to_storage(r.outcome) + outcome_json(r.outcome, Lang::kId) +
                          outcome_json(r.outcome, Lang::kEn);
  for (const auto* secret :
       {"3204010101900001", "320401410295000", "32040112038000019", "Budi", "Santoso", "Andi",
        "Wijaya", "312", "46.5", "46,5", "B2O", "8x.7", "1990-02-30", "2025-13-14"}) {
    INFO(secret);
    CHECK(all.find(secret) == std::string::npos);
  }
}

}  // namespace
}  // namespace ilp::mappers
