// Every mapped golden bundle (tests/golden/<kind>/*.bundle.json) passes full validation: FHIR R4
// structure and SATUSEHAT's rules, with the organization id of the facility that sent it.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/validation/validator.hpp"
#include "tests/unit/validation/validation_support.hpp"

namespace ilp::validation {
namespace {

using namespace ilp::validation::test;

namespace fs = std::filesystem;

std::vector<fs::path> golden_bundles() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(kSource / "tests" / "golden")) {
    const auto name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > 12 &&
        name.compare(name.size() - 12, 12, ".bundle.json") == 0) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> facility_orgs() {
  std::vector<std::string> out;
  const auto root = YAML::LoadFile((kSource / "config" / "facilities.yaml").string());
  for (const auto& f : root["facilities"]) out.push_back(f["organization_id"].as<std::string>());
  return out;
}

// The facility whose organization the bundle's identifiers and references name; "" when none
// does (a Patient bundle carries no organization).
std::string org_of(const std::string& bundle, const std::vector<std::string>& orgs) {
  std::vector<std::string> found;
  for (const auto& org : orgs) {
    if (bundle.find("/" + org + "\"") != std::string::npos ||
        bundle.find("/" + org + "|") != std::string::npos ||
        bundle.find("/" + org + "/") != std::string::npos) {
      found.push_back(org);
    }
  }
  INFO("a golden bundle names more than one facility's organization");
  REQUIRE(found.size() <= 1);
  return found.empty() ? std::string() : found.front();
}

}  // namespace

TEST_CASE("every golden bundle passes full validation with its facility's organization id",
          "[validation][golden]") {
  const auto bundles = golden_bundles();
  REQUIRE(bundles.size() >= 40);
  const auto orgs = facility_orgs();
  REQUIRE_FALSE(orgs.empty());
  Validator v(profiles());
  std::size_t with_org = 0;
  for (const auto& f : bundles) {
    const auto text = read_file(f);
    const auto org = org_of(text, orgs);
    with_org += org.empty() ? 0 : 1;
    Context ctx;
    ctx.org_id = org;
    const auto r = v.validate(text, ctx);
    INFO(f.string() << " (organization \"" << org << "\"):\n" << describe(r));
    CHECK(r.ok());
    CHECK(r.resources > 1);
  }
  CHECK(with_org > bundles.size() / 2);
}

TEST_CASE("every golden bundle passes full validation when any organization id is accepted",
          "[validation][golden]") {
  Validator v(profiles());
  Context ctx;  // org_id empty: `ilp-gateway validate` without --facility
  for (const auto& f : golden_bundles()) {
    const auto r = v.validate(read_file(f), ctx);
    INFO(f.string() << ":\n" << describe(r));
    CHECK(r.ok());
  }
}

TEST_CASE(
    "a golden bundle with an Encounter fails encounter-identifier under another facility's "
    "organization id",
    "[validation][golden]") {
  const auto orgs = facility_orgs();
  REQUIRE(orgs.size() >= 2);
  Validator v(profiles());
  std::size_t checked = 0;
  for (const auto& f : golden_bundles()) {
    const auto text = read_file(f);
    if (text.find("\"resourceType\": \"Encounter\"") == std::string::npos) continue;
    const auto org = org_of(text, orgs);
    REQUIRE_FALSE(org.empty());
    const auto other = org == orgs[0] ? orgs[1] : orgs[0];
    Context ctx;
    ctx.org_id = other;
    const auto r = v.validate(text, ctx);
    INFO(f.string() << " checked as organization " << other << ":\n" << describe(r));
    CHECK(std::any_of(r.problems.begin(), r.problems.end(),
                      [](const Problem& p) { return p.rule_id == "encounter-identifier"; }));
    ++checked;
  }
  CHECK(checked >= 20);
}

}  // namespace ilp::validation
