#pragma once
// What every validator test needs: the shipped profiles, loaded once, and file and problem
// helpers that make a failure readable.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/validation/validator.hpp"

namespace ilp::validation::test {

inline const std::filesystem::path kSource = ILP_SOURCE_DIR;
inline const std::filesystem::path kProfiles = kSource / "fhir_profiles";

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// fhir_profiles/ as shipped; a load error fails the test with every message.
inline std::shared_ptr<const Profiles> profiles() {
  static const std::shared_ptr<const Profiles> p = [] {
    std::vector<std::string> errors;
    auto loaded = Profiles::load(kProfiles, errors);
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    INFO(all);
    REQUIRE(loaded != nullptr);
    return loaded;
  }();
  return p;
}

// One line per problem: rule id and expression.
inline std::string describe(const Result& r) {
  std::string out;
  for (const auto& p : r.problems) out += "  " + p.rule_id + "  " + p.expression + "\n";
  return out.empty() ? "  (no problems)\n" : out;
}

}  // namespace ilp::validation::test
