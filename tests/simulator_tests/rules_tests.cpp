// SATUSEHAT's rule checks (reference §2.1, §3.1, §4, §5.1): each rule once broken and once kept.

#include <catch2/catch.hpp>

#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

using Catch::Matchers::Contains;

struct Broken {
  std::string body;
  std::string text;        // expected in some issue's details.text
  std::string expression;  // expected as that issue's expression ("" = not checked)
};

// POSTs every case and expects 400 with the text (and expression) in one issue; nothing stored.
void expect_rejected(const SimFixture& sim, const std::string& token, const std::string& type,
                     const std::vector<Broken>& cases) {
  const int before = stored_count(sim, type);
  for (const auto& c : cases) {
    auto r = sim.fhir("POST", "/" + type, token, c.body);
    INFO(type << " expecting \"" << c.text << "\"; got " << status(r) << "\n" << issues(r));
    CHECK(status(r) == 400);
    const auto all = issues(r);
    bool found = false;
    std::size_t pos = 0;
    while (pos < all.size()) {
      const auto end = all.find('\n', pos);
      const auto one = all.substr(pos, end - pos);
      if (one.find(c.text) != std::string::npos &&
          (c.expression.empty() || one.find("@ " + c.expression) != std::string::npos)) {
        found = true;
      }
      pos = end == std::string::npos ? all.size() : end + 1;
    }
    CHECK(found);
  }
  CHECK(stored_count(sim, type) == before);
}

}  // namespace

TEST_CASE("date-times must be sent in UTC", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "D-1");
  const auto obs = sample("Observation", "D-OBS", Refs{testing::kSukamajuOrg, enc, ""});
  expect_rejected(sim, token, "Observation",
                  {{set_at(obs, "effectiveDateTime", R"("2024-03-01T08:20:00+07:00")"),
                    "Invalid date time format", "Observation.effectiveDateTime"},
                   {set_at(obs, "effectiveDateTime", R"("2024-03-01T08:20:00+07:00")"),
                    "RuleNumber: 10295", ""},
                   {set_at(obs, "issued", R"("2024-03-01T01:20:10")"), "RuleNumber: 10296",
                    "Observation.issued"},
                   {set_at(obs, "effectiveDateTime", R"("2024-03-01T01:20+00:00")"),
                    "Invalid date time format", ""},
                   {set_at(obs, "effectiveDateTime", R"("2024-02-30T01:20:00+00:00")"),
                    "Invalid date time format", ""}});
  // Nested date-times count too, with the element's path.
  auto enc_body = set_at(sample("Encounter", "D-2"), "statusHistory.1.period.start",
                         R"("2024-03-01T08:10:00+07:00")");
  expect_rejected(
      sim, token, "Encounter",
      {{enc_body, "Invalid date time format", "Encounter.statusHistory[1].period.start"}});
  // "Z" is refused too: rules.yaml follows the platform's quoted format exactly (reference
  // §4.3; fhir_profiles/README.md "Where the reference is unsure"), and the simulator enforces
  // the same file.
  expect_rejected(sim, token, "Observation",
                  {{set_at(obs, "effectiveDateTime", R"("2024-03-01T01:20:00Z")"),
                    "Invalid date time format", "Observation.effectiveDateTime"}});
}

TEST_CASE("date-only elements are accepted as dates", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "D-3");
  // expirationDate is a date (and in the future); birth dates may be older than the floor.
  auto imm = sample("Immunization", "D-IMM", Refs{testing::kSukamajuOrg, enc, ""});
  CHECK(status(sim.fhir("POST", "/Immunization", token, imm)) == 201);
  auto bad = set_at(sample("Immunization", "D-IMM2", Refs{testing::kSukamajuOrg, enc, ""}),
                    "expirationDate", R"("2025-02-30")");
  expect_rejected(sim, token, "Immunization",
                  {{bad, "Invalid date time format", "Immunization.expirationDate"}});
}

TEST_CASE("date-times before the floor or in the future are invalid values", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "D-4");
  const auto obs = sample("Observation", "D-OBS", Refs{testing::kSukamajuOrg, enc, ""});
  expect_rejected(sim, token, "Observation",
                  {{set_at(obs, "effectiveDateTime", R"("2014-06-02T23:59:59+00:00")"),
                    "Invalid date time value", "Observation.effectiveDateTime"},
                   {set_at(obs, "issued", quoted(utc_from_now(24 * 3600))),
                    "Invalid date time value", "Observation.issued"}});
  CHECK(status(sim.fhir("POST", "/Observation", token,
                        set_at(obs, "effectiveDateTime", R"("2014-06-03T00:00:00+00:00")"))) ==
        201);
  // A prescription may stay valid beyond today.
  Refs refs{testing::kSukamajuOrg, enc, ""};
  refs.medication = "Medication/" + create(sim, token, "Medication", sample("Medication", "D-M"));
  auto rx = set_at(sample("MedicationRequest", "D-RX", refs), "dispenseRequest.validityPeriod",
                   R"({"start":"2024-03-01T01:40:00+00:00","end":)" +
                       quoted(utc_from_now(30 * 24 * 3600)) + "}");
  CHECK(status(sim.fhir("POST", "/MedicationRequest", token, rx)) == 201);
  // A clock a minute ahead is not "the future".
  CHECK(status(sim.fhir("POST", "/Observation", token,
                        set_at(set_at(obs, "issued", quoted(utc_from_now(60))),
                               "identifier.0.value", R"("D-OBS-2")"))) == 201);
}

TEST_CASE("the date-floor flag moves the earliest accepted date-time", "[integration][sim]") {
  SimFixture sim({"--date-floor", "2022-08-31"});
  const auto token = sim.token();
  auto old = set_at(sample("Encounter", "D-5"), "period.start", R"("2021-01-01T00:00:00+00:00")");
  expect_rejected(sim, token, "Encounter",
                  {{old, "Invalid date time value", "Encounter.period.start"}});
}

TEST_CASE("identifier systems must be well-formed sys-ids systems", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "I-1");
  const auto cond = sample("Condition", "I-C", Refs{testing::kSukamajuOrg, enc, ""});
  expect_rejected(
      sim, token, "Condition",
      {{set_at(cond, "identifier.0.system", R"("http://sys-ids.kemkes.go.id/condition/")"),
        "Invalid identifier System", "Condition.identifier[0].system"},
       {set_at(cond, "identifier.0.system", R"("http://sys-ids.kemkes.go.id/condition/pkm")"),
        "Invalid identifier System", ""},
       {set_at(cond, "identifier.0.system", R"("http://sys-ids.kemkes.go.id/condition")"),
        "Invalid identifier System", ""}});
  // Encounter identifiers come from the documented systems only (rule 10117).
  auto odd = set_at(sample("Encounter", "I-2"), "identifier.1",
                    R"({"system":"http://example.org/visits","value":"x"})");
  expect_rejected(sim, token, "Encounter", {{odd, "RuleNumber: 10117", ""}});
  auto anc = set_at(
      sample("Encounter", "I-3"), "identifier.1",
      R"({"system":"http://terminology.kemkes.go.id/CodeSystem/episodeofcare/ANC","value":"K1A"})");
  CHECK(status(sim.fhir("POST", "/Encounter", token, anc)) == 201);
}

TEST_CASE("a program visit code outside its program's list is refused under rule 10117",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto with_code = [](const std::string& id, const std::string& program,
                            const std::string& code) {
    return set_at(sample("Encounter", id), "identifier.1",
                  R"({"system":"http://terminology.kemkes.go.id/CodeSystem/episodeofcare/)" +
                      program + R"(","value":")" + code + R"("})");
  };
  expect_rejected(sim, token, "Encounter",
                  {{with_code("V-1", "puerperium", "KF5"), "RuleNumber: 10117",
                    "Encounter.identifier[1].value"},
                   {with_code("V-2", "neonate", "KF1"), "RuleNumber: 10117", ""},
                   {with_code("V-3", "ANC", "K7"), "RuleNumber: 10117", ""}});
  CHECK(status(sim.fhir("POST", "/Encounter", token, with_code("V-4", "puerperium", "KF4"))) ==
        201);
  CHECK(status(sim.fhir("POST", "/Encounter", token, with_code("V-5", "neonate", "KN3"))) == 201);
}

TEST_CASE("naming another organization is 403 business rule", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();  // Sukamaju, 10000004
  const auto tanjung = Refs{testing::kTanjungOrg, "", ""};
  struct Case {
    std::string type;
    std::string body;
  };
  const auto enc = new_encounter(sim, token, "O-1");
  const std::vector<Case> cases = {
      // identifier system of 10000005
      {"Encounter", set_at(sample("Encounter", "O-2"), "identifier.0.system",
                           R"("http://sys-ids.kemkes.go.id/encounter/10000005")")},
      // serviceProvider
      {"Encounter", set_at(sample("Encounter", "O-3"), "serviceProvider.reference",
                           R"("Organization/10000005")")},
      // managingOrganization
      {"Location", set_at(sample("Location", "O-4"), "managingOrganization.reference",
                          R"("Organization/10000005")")},
      // performer
      {"DiagnosticReport",
       set_at(sample("DiagnosticReport", "O-5", Refs{testing::kSukamajuOrg, enc, ""}),
              "performer.1.reference", R"("Organization/10000005")")},
      // a whole resource of the other facility
      {"Location", sample("Location", "O-6", tanjung)},
  };
  for (const auto& c : cases) {
    auto r = sim.fhir("POST", "/" + c.type, token, c.body);
    INFO(c.body << "\n" << issues(r));
    CHECK(status(r) == 403);
    CHECK(str_at(json(r), "issue.0.details.text") ==
          "resource cannot be accessed due to business rule");
  }
  CHECK(stored_count(sim, "Encounter") == 1);
  CHECK(stored_count(sim, "Location") == 0);
  // The other facility's own client may send exactly that.
  const auto tanjung_token = sim.token(testing::kTanjungClientId, testing::kTanjungSecret);
  CHECK(status(sim.fhir("POST", "/Location", tanjung_token, sample("Location", "O-6", tanjung))) ==
        201);
}

TEST_CASE("Encounter required elements", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto e = sample("Encounter", "E-1");
  expect_rejected(
      sim, token, "Encounter",
      {
          {remove_at(e, "identifier"), "RuleNumber: 10117", "Encounter.identifier"},
          {remove_at(e, "status"), "\"status\" is required", "Encounter.status"},
          {set_at(e, "status", R"("done")"), "Code not found", "Encounter.status"},
          {remove_at(e, "statusHistory"), "RuleNumber: 10122", "Encounter.statusHistory"},
          {remove_at(e, "statusHistory.1"), "must send three statuses", ""},
          {remove_at(e, "statusHistory.0"), "must send three statuses", ""},
          {remove_at(e, "statusHistory.2"), "RuleNumber: 10122", ""},
          {remove_at(e, "statusHistory.1.period.start"), "RuleNumber: 10122",
           "Encounter.statusHistory[1].period.start"},
          {remove_at(e, "class"), "Element not found", "Encounter.class"},
          {remove_at(e, "subject"), "RuleNumber: 10118", "Encounter.subject"},
          {remove_at(e, "participant"), "RuleNumber: 10119", "Encounter.participant.individual"},
          {remove_at(e, "participant.0.individual"), "RuleNumber: 10119", ""},
          {remove_at(e, "location"), "RuleNumber: 10120", "Encounter.location.location"},
          {remove_at(e, "period.start"), "RuleNumber: 10123", "Encounter.period.start"},
          {remove_at(e, "period.end"), "RuleNumber: 10121", "Encounter.period.end"},
          {set_at(e, "period.end", R"("2024-03-01T00:59:59+00:00")"), "RuleNumber: 10173",
           "Encounter.period.end"},
          {remove_at(e, "serviceProvider"), "RuleNumber: 10124", "Encounter.serviceProvider"},
          {remove_at(e, "subject"), "Reference is mandatory", ""},
      });
  // Kept: a finished visit, and an arrived one without end or later statuses.
  CHECK(status(sim.fhir("POST", "/Encounter", token, e)) == 201);
  auto arrived = set_at(sample("Encounter", "E-2"), "status", R"("arrived")");
  arrived = remove_at(arrived, "period.end");
  arrived = set_at(arrived, "statusHistory",
                   R"([{"status":"arrived","period":{"start":"2024-03-01T01:00:00+00:00"}}])");
  CHECK(status(sim.fhir("POST", "/Encounter", token, arrived)) == 201);
  // period.end equal to period.start is refused (reference §4.1: end > start); a second later
  // is enough.
  const auto instant =
      set_at(sample("Encounter", "E-3"), "period.end", R"("2024-03-01T01:00:00+00:00")");
  CHECK(status(sim.fhir("POST", "/Encounter", token, instant)) == 400);
  const auto second =
      set_at(sample("Encounter", "E-4"), "period.end", R"("2024-03-01T01:00:01+00:00")");
  CHECK(status(sim.fhir("POST", "/Encounter", token, second)) == 201);
}

TEST_CASE("Condition rules: subject, encounter and an ICD-10 code", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "C-1");
  const auto c = sample("Condition", "C-1", Refs{testing::kSukamajuOrg, enc, ""});
  expect_rejected(sim, token, "Condition",
                  {
                      {remove_at(c, "subject"), "RuleNumber: 10125", "Condition.subject"},
                      {remove_at(c, "encounter"), "RuleNumber: 10126", "Condition.encounter"},
                      {remove_at(c, "code"), "RuleNumber: 10003", "Condition.code"},
                      {set_at(c, "code.coding.0.code", R"("E441")"), "Code not found",
                       "Condition.code.coding[0].code"},
                      {set_at(c, "code.coding.0.code", R"("44.1")"), "RuleNumber: 10003", ""},
                      {set_at(c, "code.coding.0.system", R"("http://example.org/icd")"),
                       "Invalid Coding System", "Condition.code.coding[0].system"},
                  });
  CHECK(status(sim.fhir("POST", "/Condition", token, c)) == 201);
  auto other = set_at(
      set_at(c, "code.coding.0", R"({"system":"http://hl7.org/fhir/sid/icd-10","code":"O80"})"),
      "identifier.0.value", R"("C-2")");
  CHECK(status(sim.fhir("POST", "/Condition", token, other)) == 201);
}

TEST_CASE("Observation rules: status, category, LOINC code, references, UCUM quantities",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "B-1");
  const auto o = sample("Observation", "B-1", Refs{testing::kSukamajuOrg, enc, ""});
  expect_rejected(
      sim, token, "Observation",
      {
          {remove_at(o, "status"), "RuleNumber: 10008", "Observation.status"},
          {set_at(o, "status", R"("done")"), "RuleNumber: 10008", ""},
          {remove_at(o, "category"), "RuleNumber: 10009", "Observation.category"},
          {set_at(o, "category.0.coding.0.system", R"("http://example.org/cat")"),
           "RuleNumber: 10009", ""},
          {remove_at(o, "code"), "RuleNumber: 10010", "Observation.code"},
          {set_at(o, "code.coding.0.code", R"("8480")"), "Code not found",
           "Observation.code.coding[0].code"},
          {set_at(o, "code.coding.0.system", R"("http://example.org/lab")"),
           "Invalid Coding System", ""},
          {remove_at(o, "subject"), "RuleNumber: 10129", "Observation.subject"},
          {remove_at(o, "encounter"), "RuleNumber: 10130", "Observation.encounter"},
          {remove_at(o, "valueQuantity.system"), "RuleNumber: 10012", "Observation.valueQuantity"},
          {remove_at(o, "valueQuantity.code"), "RuleNumber: 10012", ""},
      });
  CHECK(status(sim.fhir("POST", "/Observation", token, o)) == 201);
}

TEST_CASE("Procedure rules: an ICD-9-CM code, subject and encounter", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "P-1");
  const auto p = sample("Procedure", "P-1", Refs{testing::kSukamajuOrg, enc, ""});
  expect_rejected(sim, token, "Procedure",
                  {
                      {set_at(p, "code.coding.0.code", R"("8878")"), "RuleNumber: 10015",
                       "Procedure.code.coding[0].code"},
                      {set_at(p, "code.coding.0.system", R"("http://example.org/x")"),
                       "Invalid Coding System", ""},
                      {remove_at(p, "code"), "RuleNumber: 10015", ""},
                      {remove_at(p, "subject"), "Reference is mandatory", "Procedure.subject"},
                      {remove_at(p, "encounter"), "Reference is mandatory", "Procedure.encounter"},
                  });
  CHECK(status(sim.fhir("POST", "/Procedure", token, p)) == 201);
}

TEST_CASE("Immunization rules of reference 4.5", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "M-1");
  const auto i = sample("Immunization", "M-1", Refs{testing::kSukamajuOrg, enc, ""});
  expect_rejected(
      sim, token, "Immunization",
      {
          {remove_at(i, "status"), "RuleNumber: 10107", "Immunization.status"},
          {remove_at(i, "vaccineCode"), "RuleNumber: 10103", "Immunization.vaccineCode"},
          {set_at(i, "vaccineCode.coding.0.code", R"("12345678")"), "Code not found",
           "Immunization.vaccineCode.coding[0].code"},
          {set_at(i, "vaccineCode.coding.1.code", R"("V45")"), "RuleNumber: 10103", ""},
          {set_at(i, "vaccineCode.coding.2.code", R"("1234")"), "RuleNumber: 10103", ""},
          {set_at(i, "vaccineCode.coding.0.system", R"("http://example.org/vaccines")"),
           "Invalid Coding System", ""},
          {remove_at(i, "patient"), "RuleNumber: 10155", "Immunization.patient"},
          {remove_at(i, "occurrenceDateTime"), "RuleNumber: 10156", ""},
          {remove_at(i, "primarySource"), "RuleNumber: 10292", "Immunization.primarySource"},
          {set_at(i, "primarySource", "null"), "Element not null", ""},
          {set_at(i, "primarySource", R"("yes")"), "Invalid boolean value", ""},
          {remove_at(i, "encounter"), "RuleNumber: 10293", "Immunization.encounter"},
          {remove_at(i, "performer"), "RuleNumber: 10294", "Immunization.performer.actor"},
          {remove_at(i, "performer.0.actor"), "RuleNumber: 10294", ""},
          {remove_at(i, "location"), "RuleNumber: 10305", "Immunization.location"},
          {remove_at(i, "lotNumber"), "RuleNumber: 10306", "Immunization.lotNumber"},
          {remove_at(i, "expirationDate"), "RuleNumber: 10306", "Immunization.expirationDate"},
          // The day before the vaccination; the same day passes (rules.yaml: a vaccine
          // expiring on the 1st may be given on the 1st).
          {set_at(i, "expirationDate", R"("2024-02-29")"), "RuleNumber: 10307",
           "Immunization.expirationDate"},
          {set_at(i, "expirationDate", R"("2023-12-31")"), "RuleNumber: 10307", ""},
      });
  CHECK(status(sim.fhir("POST", "/Immunization", token, i)) == 201);
  // Recall-based history (primarySource false) needs no lot, and not-done no location.
  auto recall = set_at(i, "primarySource", "false");
  recall = remove_at(remove_at(recall, "lotNumber"), "expirationDate");
  recall = set_at(recall, "identifier.0.value", R"("M-2")");
  CHECK(status(sim.fhir("POST", "/Immunization", token, recall)) == 201);
  auto not_done = set_at(remove_at(recall, "location"), "status", R"("not-done")");
  not_done = set_at(not_done, "identifier.0.value", R"("M-3")");
  CHECK(status(sim.fhir("POST", "/Immunization", token, not_done)) == 201);
}

TEST_CASE("Medication codes have the KFA shape", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto m = sample("Medication", "K-1");
  expect_rejected(
      sim, token, "Medication",
      {
          {set_at(m, "code.coding.0.code", R"("12345678")"), "RuleNumber: 10024",
           "Medication.code.coding[0].code"},
          {set_at(m, "code.coding.0.code", R"("9300650")"), "Code not found", ""},
          {set_at(m, "code.coding.0.code", R"("91000205")"), "RuleNumber: 10024", ""},
          {set_at(m, "code.coding.0.system", R"("http://example.org/drugs")"),
           "Invalid Coding System", ""},
          {remove_at(m, "code"), "RuleNumber: 10024", "Medication.code"},
          {set_at(m, "ingredient.0.itemCodeableConcept.coding.0.code", R"("93006500")"),
           "RuleNumber: 10030", "Medication.ingredient[0].itemCodeableConcept.coding[0].code"},
      });
  CHECK(status(sim.fhir("POST", "/Medication", token, m)) == 201);
  auto template_product =
      set_at(set_at(m, "code.coding.0.code", R"("92000001")"), "identifier.0.value", R"("K-2")");
  CHECK(status(sim.fhir("POST", "/Medication", token, template_product)) == 201);
}

TEST_CASE("mandatory references of the other types carry their rule numbers",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  Refs refs;
  refs.encounter = new_encounter(sim, token, "R-1");
  refs.medication = "Medication/" + create(sim, token, "Medication", sample("Medication", "R-M"));
  struct Case {
    const char* type;
    const char* element;
    const char* rule;
  };
  const std::vector<Case> cases = {
      {"MedicationDispense", "medicationReference", "RuleNumber: 10138"},
      {"MedicationDispense", "subject", "RuleNumber: 10139"},
      {"ServiceRequest", "subject", "RuleNumber: 10141"},
      {"ServiceRequest", "encounter", "RuleNumber: 10142"},
      {"Specimen", "subject", "RuleNumber: 10143"},
      {"DiagnosticReport", "subject", "RuleNumber: 10144"},
      {"DiagnosticReport", "encounter", "RuleNumber: 10145"},
      {"EpisodeOfCare", "patient", "RuleNumber: 10157"},
      {"Composition", "subject", "RuleNumber: 10131"},
      {"Composition", "author", "RuleNumber: 10133"},
      {"AllergyIntolerance", "patient", "RuleNumber: 10147"},
      {"ClinicalImpression", "subject", "RuleNumber: 10148"},
      {"ClinicalImpression", "encounter", "RuleNumber: 10149"},
      {"QuestionnaireResponse", "subject", "RuleNumber: 10370"},
      {"QuestionnaireResponse", "author", "RuleNumber: 10371"},
      {"QuestionnaireResponse", "source", "RuleNumber: 10372"},
  };
  for (const auto& c : cases) {
    const auto body = remove_at(sample(c.type, "R-2", refs), c.element);
    expect_rejected(sim, token, c.type, {{body, c.rule, std::string(c.type) + "." + c.element}});
  }
}

TEST_CASE("references to unregistered resources are Invalid reference", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "F-1");
  const auto e = sample("Encounter", "F-2");
  const auto c = sample("Condition", "F-C", Refs{testing::kSukamajuOrg, enc, ""});
  expect_rejected(
      sim, token, "Encounter",
      {
          {set_at(e, "subject.reference", R"("Patient/P99999999999")"), "Invalid reference",
           "Encounter.subject.reference"},
          {set_at(e, "subject.reference", R"("Patient/P99999999999")"), "RuleNumber: 10118", ""},
          {set_at(e, "participant.0.individual.reference", R"("Practitioner/N99999999")"),
           "Invalid reference", "Encounter.participant[0].individual.reference"},
          {set_at(e, "location.0.location.reference",
                  R"("Location/00000000-0000-4000-8000-000000000000")"),
           "RuleNumber: 10120", ""},
          {set_at(e, "serviceProvider.reference", R"("Organization/99999999")"),
           "Invalid reference", "Encounter.serviceProvider.reference"},
          {set_at(e, "episodeOfCare", R"([{"reference":"EpisodeOfCare/unknown-episode"}])"),
           "Invalid reference", "Encounter.episodeOfCare[0].reference"},
          {set_at(e, "diagnosis", R"([{"condition":{"reference":"Condition/unknown-condition"}}])"),
           "Invalid reference", "Encounter.diagnosis[0].condition.reference"},
      });
  expect_rejected(sim, token, "Condition",
                  {{set_at(c, "encounter.reference", R"("Encounter/unknown-visit")"),
                    "RuleNumber: 10126", "Condition.encounter.reference"}});
}

TEST_CASE("conditional and urn references are not resolved outside a transaction",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto e = sample("Encounter", "U-1");
  expect_rejected(
      sim, token, "Encounter",
      {{set_at(e, "subject.reference",
               R"("Patient?identifier=https://fhir.kemkes.go.id/id/nik|3204010101900001")"),
        "Invalid reference", "Encounter.subject.reference"},
       {set_at(e, "subject.reference", R"("urn:uuid:3f1a6f2e-8f0a-4f4e-9f7e-0c1d2b3a4c5d")"),
        "Invalid reference", "Encounter.subject.reference"}});
}

TEST_CASE("a reference to the wrong resource type is Invalid reference", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  expect_rejected(
      sim, token, "Encounter",
      {{set_at(sample("Encounter", "W-1"), "subject.reference", R"("Practitioner/N10000001")"),
        "A reference to Practitioner is not allowed here", "Encounter.subject.reference"}});
}

}  // namespace ilp::simtest
