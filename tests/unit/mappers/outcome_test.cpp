#include "mappers/outcome.hpp"

#include <catch2/catch.hpp>

#include "mappers/json.hpp"

using namespace ilp::mappers;

TEST_CASE("Accept-Language picks English only when English comes first", "[unit][outcome]") {
  CHECK(lang_from_accept_language("en") == Lang::kEn);
  CHECK(lang_from_accept_language("en-US,en;q=0.9") == Lang::kEn);
  CHECK(lang_from_accept_language("id-ID,en;q=0.5") == Lang::kId);
  CHECK(lang_from_accept_language("") == Lang::kId);
  CHECK(lang_from_accept_language("english-ish") == Lang::kId);
}

TEST_CASE("an OperationOutcome carries severity, code, expression and text in the chosen language",
          "[unit][outcome]") {
  Outcome o;
  o.add("value", "data.patient.nik", {"NIK salah.", "Wrong NIK."}, "16 digits expected");
  rapidjson::Document id, en;
  REQUIRE_FALSE(parse_json_strict(outcome_json(o, Lang::kId), id));
  REQUIRE_FALSE(parse_json_strict(outcome_json(o, Lang::kEn), en));
  CHECK(std::string(id["resourceType"].GetString()) == "OperationOutcome");
  const auto& issue = id["issue"][0];
  CHECK(std::string(issue["severity"].GetString()) == "error");
  CHECK(std::string(issue["code"].GetString()) == "value");
  CHECK(std::string(issue["expression"][0].GetString()) == "data.patient.nik");
  CHECK(std::string(issue["details"]["text"].GetString()) == "NIK salah.");
  CHECK(std::string(en["issue"][0]["details"]["text"].GetString()) == "Wrong NIK.");
  CHECK(std::string(issue["diagnostics"].GetString()) == "16 digits expected");
}

TEST_CASE("a stored outcome keeps both languages", "[unit][outcome]") {
  Outcome o;
  o.add("required", "data.location", {"Lokasi wajib.", "Location required."});
  const auto back = outcome_from_storage(outcome_to_storage(o));
  REQUIRE(back.issues.size() == 1);
  CHECK(back.issues[0].text.id == "Lokasi wajib.");
  CHECK(back.issues[0].text.en == "Location required.");
  CHECK(back.issues[0].expression == "data.location");
}

TEST_CASE("a platform outcome with a non-FHIR severity is read, not rejected", "[unit][outcome]") {
  const auto o = outcome_from_fhir(
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"invalid","code":"value",)"
      R"("details":{"text":"The user or system was not able to be authenticated"}}]})");
  REQUIRE(o.issues.size() == 1);
  CHECK(o.issues[0].severity == "invalid");
  CHECK(o.issues[0].text.en.find("authenticated") != std::string::npos);
  CHECK(outcome_from_fhir("Gateway Timeout").empty());  // 5xx bodies are text/plain
}

TEST_CASE("strict JSON rejects duplicate keys with their path", "[unit][json]") {
  rapidjson::Document d;
  auto e = parse_json_strict(R"({"a":{"b":1,"b":2}})", d);
  REQUIRE(e);
  CHECK(e->kind == JsonError::Kind::kDuplicateKey);
  CHECK(e->path == "a.b");
}

TEST_CASE("strict JSON rejects invalid UTF-8, trailing garbage and empty input", "[unit][json]") {
  rapidjson::Document d;
  auto bad = parse_json_strict("{\"a\":\"\xc3\x28\"}", d);
  REQUIRE(bad);
  CHECK(bad->kind == JsonError::Kind::kEncoding);
  CHECK(parse_json_strict(R"({"a":1} x)", d));
  CHECK(parse_json_strict("   ", d)->kind == JsonError::Kind::kEmpty);
  CHECK_FALSE(parse_json_strict(" {\"a\":1}\n", d));
}

TEST_CASE("strict JSON bounds nesting depth", "[unit][json]") {
  rapidjson::Document d;
  auto e = parse_json_strict(std::string(70, '[') + std::string(70, ']'), d);
  REQUIRE(e);
  CHECK(e->kind == JsonError::Kind::kTooDeep);
  CHECK_FALSE(parse_json_strict(std::string(60, '[') + std::string(60, ']'), d));
}
