// Golden files: tests/golden/<kind>/<case>.input.json (an envelope, DESIGN.md §3.1) maps to
// <case>.bundle.json (pretty, 2-space) or, for a rejected record, <case>.outcome.json (the
// stored bilingual form). Compared byte for byte; a mismatch prints a line diff.
//
// After an intended change, regenerate with ILP_UPDATE_GOLDEN=1 and review the diff by eye
// against reference/satusehat.md §4 before committing.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mappers/json.hpp"
#include "mappers/mapping.hpp"
#include "unit/mappers/visit_fixtures.hpp"

namespace ilp::mappers {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream s(text);
  for (std::string l; std::getline(s, l);) out.push_back(l);
  return out;
}

// The changed block between the common head and tail, with three lines of context: enough to
// read one changed value or a shifted block without a diff library.
std::string line_diff(const std::string& expected, const std::string& actual) {
  const auto a = lines(expected);
  const auto b = lines(actual);
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  constexpr std::size_t kContext = 3;
  constexpr std::size_t kMaxBlock = 40;
  std::ostringstream out;
  out << "first difference at line " << head + 1 << " (- expected, + actual):\n";
  for (std::size_t i = head > kContext ? head - kContext : 0; i < head; ++i) {
    out << "  " << a[i] << '\n';
  }
  const auto block = [&](const std::vector<std::string>& v, char mark) {
    const std::size_t end = v.size() - tail;
    for (std::size_t i = head; i < end && i < head + kMaxBlock; ++i) {
      out << mark << ' ' << v[i] << '\n';
    }
    if (end > head + kMaxBlock) out << mark << " … " << end - head - kMaxBlock << " more\n";
  };
  block(a, '-');
  block(b, '+');
  for (std::size_t i = a.size() - tail; i < a.size() && i < a.size() - tail + kContext; ++i) {
    out << "  " << a[i] << '\n';
  }
  return out.str();
}

const Facility* facility_for(std::string_view key) {
  static const Facility kSukamaju = test::sukamaju();
  static const Facility kTanjung = test::tanjung();
  static const Facility kSentani = test::sentani();
  if (key == kSukamaju.key) return &kSukamaju;
  if (key == kTanjung.key) return &kTanjung;
  if (key == kSentani.key) return &kSentani;
  return nullptr;
}

struct Actual {
  std::string file_suffix;  // ".bundle.json" or ".outcome.json"
  std::string text;
};

Actual map_envelope(const std::string& kind, const std::string& input) {
  const rapidjson::Document env = test::parse_or_fail(input);
  REQUIRE(string_member(env, "kind") == std::optional<std::string_view>(kind));
  const auto facility_key = string_member(env, "facility");
  REQUIRE(facility_key.has_value());
  const Facility* facility = facility_for(*facility_key);
  REQUIRE(facility != nullptr);
  const auto record_id = string_member(env, "record_id");
  REQUIRE(record_id.has_value());
  const auto* data = member(env, "data");
  REQUIRE(data != nullptr);

  const auto r = test::shipped_mapping(kind).map(
      MapInput{*facility, *record_id, 1, *data, test::fixed_now_ms(), "2014-06-03"});
  if (!r.ok()) {
    const auto stored = test::parse_or_fail(outcome_to_storage(r.outcome));
    return {".outcome.json", to_pretty_json(stored) + "\n"};
  }
  const auto bundle = test::parse_or_fail(r.bundle_json);
  return {".bundle.json", to_pretty_json(bundle) + "\n"};
}

// Every tests/golden/<kind>/<case>.input.json against its expected file, through the shipped
// config/mappings/<kind>.yaml.
void check_goldens(const std::string& kind) {
  const fs::path dir = fs::path(ILP_SOURCE_DIR) / "tests" / "golden" / kind;
  const char* update_env = std::getenv("ILP_UPDATE_GOLDEN");
  const bool update = update_env != nullptr && std::string_view(update_env) == "1";

  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.size() > 11 && name.ends_with(".input.json")) inputs.push_back(e.path());
  }
  std::sort(inputs.begin(), inputs.end());
  REQUIRE(inputs.size() >= 4);

  for (const auto& input : inputs) {
    const auto file = input.filename().string();
    const std::string stem = file.substr(0, file.size() - std::string_view(".input.json").size());
    INFO("case " << stem);
    const Actual actual = map_envelope(kind, read_file(input));
    const fs::path expected_path = dir / (stem + actual.file_suffix);
    // A case that flipped between mapped and rejected leaves the other file behind; say so.
    const fs::path other =
        dir / (stem + (actual.file_suffix == ".bundle.json" ? ".outcome.json" : ".bundle.json"));
    if (update) {
      write_file(expected_path, actual.text);
      fs::remove(other);
      continue;
    }
    CHECK_FALSE(fs::exists(other));
    if (!fs::exists(expected_path)) {
      FAIL_CHECK("missing " << expected_path.string()
                            << "; run with ILP_UPDATE_GOLDEN=1 and review the result");
      continue;
    }
    const std::string expected = read_file(expected_path);
    if (expected != actual.text) {
      FAIL_CHECK(expected_path.filename().string()
                 << " differs\n"
                 << line_diff(expected, actual.text)
                 << "(if intended: ILP_UPDATE_GOLDEN=1, then review the change)");
    }
  }
}

TEST_CASE("visit golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("visit");
}
TEST_CASE("anc golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("anc");
}
TEST_CASE("immunization golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("immunization");
}
TEST_CASE("growth golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("growth");
}
TEST_CASE("screening golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("screening");
}
TEST_CASE("lab golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("lab");
}
TEST_CASE("prescription golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("prescription");
}
TEST_CASE("tb golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("tb");
}
TEST_CASE("patient golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("patient");
}
TEST_CASE("neonatal golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("neonatal");
}
TEST_CASE("childbirth golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("childbirth");
}

TEST_CASE("postpartum golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("postpartum");
}
TEST_CASE("youth_screening golden inputs map byte for byte to their expected bundles", "[golden]") {
  check_goldens("youth_screening");
}

TEST_CASE("the golden diff shows the changed lines with context", "[unit]") {
  const std::string a = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n";
  const std::string b = "{\n  \"a\": 1,\n  \"b\": 20,\n  \"c\": 3\n}\n";
  const auto d = line_diff(a, b);
  CHECK_THAT(d, Catch::Contains("first difference at line 3"));
  CHECK_THAT(d, Catch::Contains("-   \"b\": 2,\n+   \"b\": 20,\n"));
  CHECK_THAT(d, Catch::Contains("    \"a\": 1,\n"));
  CHECK_THAT(d, Catch::Contains("    \"c\": 3\n"));
}

}  // namespace
}  // namespace ilp::mappers
