// fhir_profiles/examples/: a valid resource per type that SATUSEHAT rules cover, one broken
// variant per rule (invalid/<rule-id>.json, written by examples/make-invalid.mjs), and broken FHIR
// R4 structure (invalid/r4/<name>.json with the exact problems in <name>.expect).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/validation/validator.hpp"
#include "tests/unit/validation/validation_support.hpp"

namespace ilp::validation {
namespace {

using namespace ilp::validation::test;

namespace fs = std::filesystem;

const fs::path kExamples = kProfiles / "examples";

// The demo facility (pkm-sukamaju in config/facilities.yaml) whose id the examples carry.
constexpr std::string_view kOrg = "10000004";

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream s(read_file(p));
  for (std::string l; std::getline(s, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

std::vector<fs::path> files_in(const fs::path& dir, std::string_view ext) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Context full_context() {
  Context ctx;
  ctx.org_id = kOrg;
  return ctx;
}

}  // namespace

TEST_CASE("every valid example passes full SATUSEHAT validation with zero problems",
          "[validation][examples]") {
  Validator v(profiles());
  const auto ctx = full_context();
  const auto files = files_in(kExamples / "valid", ".json");
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    DYNAMIC_SECTION(f.filename().string()) {
      const auto r = v.validate(read_file(f), ctx);
      INFO(describe(r));
      CHECK(r.ok());
      CHECK(r.resources == 1);
    }
  }
}

TEST_CASE("every resource type that has SATUSEHAT rules has a valid example",
          "[validation][examples]") {
  std::set<std::string> types;
  for (const auto& r : profiles()->rules()) types.insert(r.type);
  REQUIRE_FALSE(types.empty());
  for (const auto& t : types) {
    INFO("missing fhir_profiles/examples/valid/" << t << ".json");
    CHECK(fs::is_regular_file(kExamples / "valid" / (t + ".json")));
  }
}

TEST_CASE("each rule's invalid example trips that rule, plus exactly the ids in its .also file",
          "[validation][examples]") {
  const auto p = profiles();
  Validator v(p);
  const auto ctx = full_context();
  REQUIRE_FALSE(p->rules().empty());
  for (const auto& rule : p->rules()) {
    DYNAMIC_SECTION(rule.id) {
      const auto file = kExamples / "invalid" / (rule.id + ".json");
      {
        INFO("missing " << file.string() << " (node fhir_profiles/examples/make-invalid.mjs)");
        REQUIRE(fs::is_regular_file(file));
      }

      std::set<std::string> expected{rule.id};
      const auto also = kExamples / "invalid" / (rule.id + ".also");
      if (fs::exists(also)) {
        for (const auto& id : read_lines(also)) expected.insert(id);
      }
      const auto r = v.validate(read_file(file), ctx);
      INFO("problems:\n" << describe(r));
      std::set<std::string> got;
      for (const auto& pr : r.problems) got.insert(pr.rule_id);
      CHECK(got == expected);

      // Where the problem is: inside the rule's resource, on the rule's element.
      const auto first_segment = rule.path.substr(0, rule.path.find('.'));
      for (const auto& pr : r.problems) {
        if (pr.rule_id != rule.id) continue;
        INFO("expression " << pr.expression);
        CHECK(pr.expression.rfind(rule.type + ".", 0) == 0);
        CHECK(pr.expression.find(first_segment) != std::string::npos);
        CHECK(pr.rule == rule.number);
        CHECK_FALSE(pr.text.en.empty());
        CHECK_FALSE(pr.text.id.empty());
      }
    }
  }
}

TEST_CASE("every invalid example and .also file belongs to a rule that still exists",
          "[validation][examples]") {
  std::set<std::string> ids;
  for (const auto& r : profiles()->rules()) ids.insert(r.id);
  const auto dir = kExamples / "invalid";
  std::vector<fs::path> files = files_in(dir, ".json");
  const auto also = files_in(dir, ".also");
  files.insert(files.end(), also.begin(), also.end());
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    INFO(f.filename().string() << " names no rule in rules.yaml: stale, remove it");
    CHECK(ids.count(f.stem().string()) == 1);
  }
  for (const auto& f : also) {
    for (const auto& id : read_lines(f)) {
      INFO(f.filename().string() << " lists " << id << ", which is neither a rule nor r4.<check>");
      CHECK((ids.count(id) == 1 || id.rfind("r4.", 0) == 0));
    }
  }
}

TEST_CASE(
    "each broken R4 example yields exactly the problems (rule id and expression) in its "
    ".expect file",
    "[validation][examples][r4]") {
  Validator v(profiles());
  Context ctx;
  ctx.satusehat = false;  // structure only: what these files break is plain FHIR R4
  const auto dir = kExamples / "invalid" / "r4";
  const auto files = files_in(dir, ".json");
  REQUIRE(files.size() >= 20);
  for (const auto& f : files) {
    DYNAMIC_SECTION(f.filename().string()) {
      const auto expect_file = fs::path(f).replace_extension(".expect");
      {
        INFO("missing " << expect_file.string());
        REQUIRE(fs::is_regular_file(expect_file));
      }
      // Lines are rule_id<TAB>expression; an empty expression is the document itself.
      std::multiset<std::string> expected;
      for (auto line : read_lines(expect_file)) {
        if (line.find('\t') == std::string::npos) line += '\t';
        expected.insert(line);
      }
      REQUIRE_FALSE(expected.empty());
      Result r;
      REQUIRE_NOTHROW(r = v.validate(read_file(f), ctx));
      std::multiset<std::string> got;
      for (const auto& p : r.problems) got.insert(p.rule_id + "\t" + p.expression);
      CHECK(got == expected);
    }
  }
  for (const auto& e : files_in(dir, ".expect")) {
    INFO(e.filename().string() << " has no .json beside it");
    CHECK(fs::is_regular_file(fs::path(e).replace_extension(".json")));
  }
}

}  // namespace ilp::validation
