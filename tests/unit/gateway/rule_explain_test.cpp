// SATUSEHAT's "RuleNumber: n" back to the field, the record field and the fix, through the rule
// table the validator uses.
#include "gateway/delivery/rule_explain.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "gateway/config/config.hpp"
#include "gateway/validation/validator.hpp"
#include "mappers/json.hpp"

using ilp::gateway::delivery::explain_rules;
using ilp::gateway::delivery::input_field_finder;

namespace {

std::shared_ptr<const ilp::validation::Profiles> profiles() {
  std::vector<std::string> errors;
  auto p = ilp::validation::Profiles::load(std::string(ILP_SOURCE_DIR) + "/fhir_profiles", errors);
  INFO((errors.empty() ? std::string() : errors.front()));
  REQUIRE(p);
  return p;
}

std::shared_ptr<const ilp::gateway::config::Config> shipped_config() {
  ::setenv("ILP_SECRET_PKM_SUKAMAJU", "s1", 1);
  ::setenv("ILP_SECRET_PKM_TANJUNG", "s2", 1);
  ::setenv("ILP_SECRET_PKM_SENTANI", "s3", 1);
  return ilp::gateway::config::load(std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml",
                                    {{}, false});
}

// A stored visit record as the pipeline writes it: the envelope and its mapped bundle.
ilp::gateway::store::Record visit_record(const ilp::gateway::config::Config& cfg) {
  const std::string envelope = R"({"kind":"visit","facility":"pkm-sukamaju","record_id":"RJ-1",
    "data":{"visit_no":"RJ-1","patient":{"nik":"3204010101900001","name":"Budi Santoso",
      "birth_date":"1990-01-01","gender":"male"},
      "practitioner":{"nik":"3204011203800001","name":"dr. Andi Wijaya"},"location":"POLI-UMUM",
      "arrived_at":"2025-03-21T10:00:00","started_at":"2025-03-21T10:10:00",
      "finished_at":"2025-03-21T10:25:00","diagnoses":[{"icd10":"J06.9","primary":true}]}})";
  rapidjson::Document doc;
  REQUIRE_FALSE(ilp::mappers::parse_json_strict(envelope, doc));
  const auto* facility = cfg.facility("pkm-sukamaju");
  REQUIRE(facility != nullptr);
  const auto* mapping = cfg.mappings->find("visit");
  REQUIRE(mapping != nullptr);
  ilp::gateway::store::Record r;
  r.facility = "pkm-sukamaju";
  r.kind = "visit";
  r.record_id = "RJ-1";
  r.revision = 1;
  r.updated_ms = 1'764'000'000'000;  // 2025-11-24, after the visit
  r.input_json = envelope;
  auto mapped = mapping->map({facility->info, "RJ-1", 1, doc["data"], r.updated_ms, "2014-06-03"});
  INFO(ilp::mappers::outcome_json(mapped.outcome, ilp::mappers::Lang::kEn));
  REQUIRE(mapped.ok());
  r.bundle_json = mapped.bundle_json;
  return r;
}

}  // namespace

TEST_CASE("A platform rule number names the FHIR field and our rule's text in both languages",
          "[rule_explain]") {
  const auto p = profiles();
  const auto out = explain_rules({10121}, *p, {});
  REQUIRE(out.issues.size() == 1);
  CHECK(out.issues[0].expression == "Encounter.period.end");
  CHECK(out.issues[0].input_expression.empty());
  CHECK(out.issues[0].text.id.find("period.end") != std::string::npos);
  CHECK(out.issues[0].text.en.find("period.end") != std::string::npos);
  CHECK(out.issues[0].diagnostics == "SATUSEHAT rule 10121 (encounter-period-end)");
}

TEST_CASE("A rule number our table does not know adds nothing", "[rule_explain]") {
  const auto p = profiles();
  CHECK(explain_rules({99999}, *p, {}).issues.empty());
}

TEST_CASE("A number several rules carry explains each of them", "[rule_explain]") {
  const auto p = profiles();
  const auto out = explain_rules({10306}, *p, {});
  REQUIRE(out.issues.size() == 2);
  CHECK(out.issues[0].expression == "Immunization.lotNumber");
  CHECK(out.issues[1].expression == "Immunization.expirationDate");
}

TEST_CASE("A refused mapped record names the record field the template took the value from",
          "[rule_explain]") {
  const auto cfg = shipped_config();
  const auto record = visit_record(*cfg);
  const auto find = input_field_finder(record, cfg->mappings->find("visit"),
                                       &cfg->facility("pkm-sukamaju")->info, "2014-06-03");
  REQUIRE(find);
  CHECK(find("Encounter", "period.end") == "data.finished_at");
  CHECK(find("Condition", "code") == "data.diagnoses[0].icd10");
  CHECK(find("Practitioner", "name").empty());  // no such resource in the bundle
  const auto out = explain_rules({10121}, *cfg->profiles, find);
  REQUIRE(out.issues.size() == 1);
  CHECK(out.issues[0].input_expression == "data.finished_at");
}

TEST_CASE("A record without a mapping (FHIR pass-through) gets no record field", "[rule_explain]") {
  const auto cfg = shipped_config();
  auto record = visit_record(*cfg);
  record.kind = "fhir-bundle";
  CHECK_FALSE(
      input_field_finder(record, nullptr, &cfg->facility("pkm-sukamaju")->info, "2014-06-03"));
}
