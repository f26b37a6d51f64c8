// Whatever arrives, validate() answers with problems (or ok), never with an exception or a crash,
// and never with more problems than asked for.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "gateway/validation/validator.hpp"
#include "tests/unit/validation/validation_support.hpp"

namespace ilp::validation {
namespace {

using namespace ilp::validation::test;

namespace fs = std::filesystem;

std::string golden() { return read_file(kSource / "tests/golden/visit/full-visit.bundle.json"); }
std::string patient() { return read_file(kSource / "fhir_profiles/examples/valid/Patient.json"); }

Context full_context() {
  Context ctx;
  ctx.org_id = "10000004";
  return ctx;
}

// The answer is well-formed: every problem says which check it is, and there are no more of
// them than max_problems.
void well_formed(const Result& r, const Context& ctx) {
  CHECK(r.problems.size() <= ctx.max_problems);
  for (const auto& p : r.problems) {
    CHECK_FALSE(p.rule_id.empty());
    CHECK_FALSE(p.code.empty());
    CHECK_FALSE(p.text.en.empty());
  }
}

}  // namespace

TEST_CASE("a golden bundle cut at every 97th byte is refused as malformed JSON, never thrown on",
          "[validation][robustness]") {
  Validator v(profiles());
  const auto ctx = full_context();
  const auto text = golden();
  const auto end = text.find_last_not_of(" \r\n\t") + 1;  // the document without trailing space
  REQUIRE(v.validate(text, ctx).ok());
  std::size_t cuts = 0;
  for (std::size_t n = 0; n < end; n += 97) {
    Result r;
    INFO("cut after " << n << " bytes");
    REQUIRE_NOTHROW(r = v.validate(std::string_view(text).substr(0, n), ctx));
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].rule_id == "r4.json");
    ++cuts;
  }
  CHECK(cuts > 50);
}

TEST_CASE(
    "2000 golden bundles with random bytes flipped never throw and always answer ok or "
    "with problems",
    "[validation][robustness]") {
  Validator v(profiles());
  const auto ctx = full_context();
  const auto text = golden();
  std::mt19937 rng(20250314);  // fixed: a failure is reproducible
  std::uniform_int_distribution<std::size_t> where(0, text.size() - 1);
  std::uniform_int_distribution<int> flips(1, 3);
  std::uniform_int_distribution<int> bit(0, 7);
  std::size_t refused = 0;
  for (int i = 0; i < 2000; ++i) {
    auto broken = text;
    const int n = flips(rng);
    std::string at;
    for (int k = 0; k < n; ++k) {
      const auto pos = where(rng);
      broken[pos] = static_cast<char>(broken[pos] ^ (1 << bit(rng)));
      at += std::to_string(pos) + " ";
    }
    INFO("iteration " << i << ", bytes flipped at " << at);
    Result r;
    REQUIRE_NOTHROW(r = v.validate(broken, ctx));
    well_formed(r, ctx);
    refused += r.ok() ? 0 : 1;
  }
  // Most single-bit flips break the JSON, a key, a code or a date.
  CHECK(refused > 1000);
}

TEST_CASE(
    "a resource missing the parent of a required path (no encounter at all) gets the rule's "
    "problem, not a crash",
    "[validation][robustness]") {
  Validator v(profiles());
  const auto ctx = full_context();
  // The valid Condition without its "encounter" member: the rule's path is encounter.reference.
  const auto without =
      read_file(kSource / "fhir_profiles/examples/invalid/condition-encounter.json");
  REQUIRE(without.find("\"encounter\"") == std::string::npos);
  Result r;
  REQUIRE_NOTHROW(r = v.validate(without, ctx));
  INFO(without);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].rule_id == "condition-encounter");
  CHECK(r.problems[0].expression == "Condition.encounter.reference");
}

TEST_CASE("a 1 MiB string value is validated like any other", "[validation][robustness]") {
  Validator v(profiles());
  const auto ctx = full_context();
  const auto text = patient();
  const std::string key = "\"text\": \"";
  const auto at = text.find(key);
  REQUIRE(at != std::string::npos);
  const auto big = std::string(1024 * 1024, 'a');
  const auto close = text.find('"', at + key.size());
  const auto with_big = text.substr(0, at + key.size()) + big + text.substr(close);
  const auto r = v.validate(with_big, ctx);
  CHECK(r.ok());

  // The same megabyte in a code (Patient.gender) is one problem, not one per byte.
  const std::string gender = "\"gender\": \"female\"";
  const auto g = text.find(gender);
  REQUIRE(g != std::string::npos);
  const auto bad =
      text.substr(0, g) + "\"gender\": \"" + big + " \"" + text.substr(g + gender.size());
  const auto r2 = v.validate(bad, ctx);
  REQUIRE(r2.problems.size() == 1);
  CHECK(r2.problems[0].expression == "Patient.gender");
}

TEST_CASE("a 10,000-element array is walked, and its problems stop at max_problems",
          "[validation][robustness]") {
  Validator v(profiles());
  auto ctx = full_context();
  const auto text = patient();
  const std::string key = "\"identifier\": [";
  const auto at = text.find(key);
  REQUIRE(at != std::string::npos);
  const auto rest = text.substr(at + key.size());

  std::string good;
  std::string bad;
  for (int i = 0; i < 10000; ++i) {
    good += "{\"system\": \"https://example.org/mrn\", \"value\": \"" + std::to_string(i) + "\"}, ";
    bad += "{\"system\": 5, \"value\": \"" + std::to_string(i) + "\"}, ";
  }
  const auto ok = v.validate(text.substr(0, at + key.size()) + good + rest, ctx);
  INFO((ok.problems.empty() ? std::string()
                            : ok.problems[0].rule_id + " " + ok.problems[0].expression));
  CHECK(ok.ok());

  const auto doc = text.substr(0, at + key.size()) + bad + rest;
  const auto capped = v.validate(doc, ctx);
  CHECK(capped.problems.size() == ctx.max_problems);
  CHECK(capped.problems[0].rule_id == "r4.json-type");
  CHECK(capped.problems[0].expression == "Patient.identifier[0].system");

  ctx.max_problems = 7;
  CHECK(v.validate(doc, ctx).problems.size() == 7);
  ctx.max_problems = 1;
  CHECK(v.validate(doc, ctx).problems.size() == 1);
}

TEST_CASE("input over max_bytes is refused with one r4.size problem without being parsed",
          "[validation][robustness]") {
  Limits limits;
  limits.max_bytes = 1024;
  Validator v(profiles(), limits);
  const auto ctx = full_context();
  const auto big = patient() + std::string(2048, ' ');
  const auto r = v.validate(big, ctx);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].rule_id == "r4.size");
  CHECK(r.resources == 0);
  // Just under the limit is parsed as usual (here: malformed).
  const auto r2 = v.validate(std::string(1024, '{'), ctx);
  REQUIRE(r2.problems.size() == 1);
  CHECK(r2.problems[0].rule_id == "r4.json");
}

TEST_CASE(
    "empty input, bare JSON values and a resource without resourceType are problems, "
    "not throws",
    "[validation][robustness]") {
  Validator v(profiles());
  const auto ctx = full_context();
  const std::pair<const char*, const char*> cases[] = {
      {"", "r4.json"},
      {"   \n", "r4.json"},
      {"null", "r4.resource-object"},
      {"42", "r4.resource-object"},
      {"[]", "r4.resource-object"},
      {"\"Patient\"", "r4.resource-object"},
      {"{}", "r4.resource-type"},
      {"{\"resourceType\": 7}", "r4.resource-type"},
      {"{\"resourceType\": \"Resource\"}", "r4.resource-type"},
      {"{\"resourceType\": \"DomainResource\"}", "r4.resource-type"},
      {"{\"resourceType\": \"HumanName\"}", "r4.resource-type"},
      {"{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [{\"resource\": 5}]}",
       "r4.resource-object"},
  };
  for (const auto& [json, rule] : cases) {
    INFO("input: " << json);
    Result r;
    REQUIRE_NOTHROW(r = v.validate(json, ctx));
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].rule_id == rule);
  }
}

TEST_CASE("one Validator gives the same answer twice and forgets the previous document",
          "[validation][robustness]") {
  Validator v(profiles());
  const auto ctx = full_context();
  const auto good = golden();
  const auto broken = good.substr(0, good.size() / 2);
  CHECK(v.validate(good, ctx).ok());
  CHECK_FALSE(v.validate(broken, ctx).ok());
  CHECK(v.validate(good, ctx).ok());
  const auto a = v.validate(
      read_file(kSource / "fhir_profiles/examples/invalid/encounter-period-order.json"), ctx);
  const auto b = v.validate(
      read_file(kSource / "fhir_profiles/examples/invalid/encounter-period-order.json"), ctx);
  REQUIRE(a.problems.size() == b.problems.size());
  for (std::size_t i = 0; i < a.problems.size(); ++i) {
    CHECK(a.problems[i].rule_id == b.problems[i].rule_id);
    CHECK(a.problems[i].expression == b.problems[i].expression);
  }
}

}  // namespace ilp::validation
