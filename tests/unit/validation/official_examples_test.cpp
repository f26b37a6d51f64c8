// The 720 official FHIR R4 examples (hl7.fhir.r4.examples 4.0.1, fetched into .cache/fhir by
// `node scripts/update-profiles --fetch`) pass R4 structure validation, except the few that are
// themselves wrong: fhir_profiles/examples/official-exceptions.tsv, each with the rule it breaks.
#include "tests/unit/validation/official_examples.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/validation/validator.hpp"
#include "tests/unit/validation/validation_support.hpp"

namespace ilp::validation {
namespace {

using namespace ilp::validation::test;

namespace fs = std::filesystem;

const fs::path kPackage = kSource / ".cache" / "fhir" / "hl7.fhir.r4.examples-4.0.1" / "package";
const fs::path kExceptions = kSource / "fhir_profiles" / "examples" / "official-exceptions.tsv";

struct Exception {
  std::string rule_id;
  std::string reason;
};

std::map<std::string, Exception> exceptions() {
  std::map<std::string, Exception> out;
  std::istringstream in(read_file(kExceptions));
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    const auto a = line.find('\t');
    const auto b = a == std::string::npos ? a : line.find('\t', a + 1);
    INFO(kExceptions.string() << ":" << n << ": expected file<TAB>rule_id<TAB>reason");
    REQUIRE(b != std::string::npos);
    REQUIRE(b + 1 < line.size());
    out[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
  }
  return out;
}

}  // namespace

TEST_CASE(
    "the official FHIR R4 examples pass R4 structure validation, except the listed broken "
    "ones, which fail for their listed rule",
    "[validation][official]") {
  if (!fs::is_directory(kPackage)) {
    FAIL("the official FHIR R4 examples are missing (" << kPackage.string()
                                                       << "): run `node scripts/update-profiles "
                                                          "--fetch`, then run the tests again");
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kPackage)) {
    const auto name = e.path().filename().string();
    if (e.is_regular_file() && ilp::validation::test::is_official_example(name))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  {
    INFO("examples found in " << kPackage.string()
                              << " (an incomplete package? run `node scripts/update-profiles "
                                 "--fetch`)");
    REQUIRE(names.size() == 720);
  }

  const auto listed = exceptions();
  REQUIRE_FALSE(listed.empty());
  for (const auto& [file, ex] : listed) {
    INFO("official-exceptions.tsv lists " << file << ", which is not an example in the package");
    CHECK(std::binary_search(names.begin(), names.end(), file));
  }

  std::vector<std::string> errors;
  auto profiles = Profiles::load(kSource / "fhir_profiles", errors);
  REQUIRE(profiles != nullptr);
  // The four largest examples are bundles of 9 to 35 MB: validated too, not refused as too big.
  Limits limits;
  limits.max_bytes = 64u * 1024 * 1024;
  Validator v(profiles, limits);
  Context ctx;
  ctx.satusehat = false;

  std::size_t passed = 0;
  std::size_t resources = 0;
  for (const auto& name : names) {
    const auto r = v.validate(read_file(kPackage / name), ctx);
    resources += r.resources;
    std::string problems;
    for (const auto& p : r.problems) problems += "  " + p.rule_id + "  " + p.expression + "\n";
    INFO(name << ":\n" << problems);
    const auto ex = listed.find(name);
    if (ex == listed.end()) {
      CHECK(r.ok());
      if (r.ok()) ++passed;
      continue;
    }
    INFO("listed in official-exceptions.tsv (" << ex->second.rule_id << ": " << ex->second.reason
                                               << ")");
    // A listed example that passes now is a stale entry: remove it from the file.
    CHECK_FALSE(r.ok());
    CHECK(std::any_of(r.problems.begin(), r.problems.end(),
                      [&](const Problem& p) { return p.rule_id == ex->second.rule_id; }));
  }
  CHECK(passed + listed.size() == names.size());
  // Every resource is walked, bundle entries and contained resources included (over 10,000).
  CHECK(resources > 10000);
}

}  // namespace ilp::validation
