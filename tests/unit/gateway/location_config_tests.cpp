// facilities.yaml `locations` with the village topology (DESIGN.md §5): what check-config
// refuses, each with its file:line, and what a valid pustu/posyandu table loads as.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "gateway/config/config.hpp"
#include "unit/gateway/temp_config.hpp"

namespace {

using ilp::gateway::config::ConfigError;
using ilp::gateway::config::load;
using ilp::mappers::Location;
using ilp::test::TempConfig;

std::string facility_with(const std::string& locations) {
  ::setenv("ILP_SECRET_LOC_TEST", "s", 1);
  return R"(facilities:
  - key: pkm-a
    name: A
    organization_id: "1"
    client_id: c
    client_secret_env: ILP_SECRET_LOC_TEST
    api_key_sha256: ["da11ee2ff2c19cddcdd2e00b11232e0d1392f59a2f61144cadd1f3638768c45a"]
    locations:
)" + locations;
}

const std::string kRoom = "      - {code: POLI, id: \"r1\", name: \"Poli\"}\n";
const std::string kBidan = "{nik: \"3204016708900003\", name: \"Bidan Yuliani\"}";

// The problems load() reports for these locations; empty when the config loads.
std::vector<std::string> problems(const std::string& locations) {
  TempConfig t("", facility_with(locations));
  try {
    load(t.path());
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

bool one_problem_saying(const std::vector<std::string>& ps, const std::string& needle,
                        const std::string& line) {
  if (ps.size() != 1) return false;
  return ps[0].find(needle) != std::string::npos &&
         ps[0].find("facilities.yaml:" + line + ":") != std::string::npos;
}

}  // namespace

TEST_CASE("a pustu and a posyandu inside it load with type, village, parent and practitioner",
          "[unit][config][locations]") {
  TempConfig t("", facility_with(kRoom +
                                 "      - {code: PUSTU, id: \"p1\", name: \"Pustu\", type: pustu, "
                                 "village_code: \"3204012001\", part_of: POLI}\n"
                                 "      - {code: PSY, id: \"y1\", name: \"Posyandu\", type: "
                                 "posyandu, village_code: \"3204012001\", part_of: PUSTU, "
                                 "practitioner: " +
                                 kBidan + "}\n"));
  const auto cfg = load(t.path());
  const auto& f = cfg->facilities.at(0).info;
  REQUIRE(f.locations.size() == 3);
  CHECK(f.location("POLI")->type == Location::Type::kRoom);
  const auto* pustu = f.location("PUSTU");
  CHECK(pustu->type == Location::Type::kPustu);
  CHECK(pustu->part_of == "POLI");
  CHECK_FALSE(pustu->practitioner.has_value());
  const auto* psy = f.location("PSY");
  CHECK(psy->type == Location::Type::kPosyandu);
  CHECK(psy->village_code == "3204012001");
  REQUIRE(psy->practitioner.has_value());
  CHECK(psy->practitioner->nik == "3204016708900003");
  CHECK(psy->practitioner->name == "Bidan Yuliani");
}

TEST_CASE("a posyandu without a practitioner is refused", "[unit][config][locations]") {
  const auto ps = problems(kRoom +
                           "      - {code: PSY, id: \"y1\", name: \"Posyandu\", type: posyandu, "
                           "village_code: \"3204012001\"}\n");
  CHECK(one_problem_saying(ps, "a posyandu needs practitioner", "10"));
}

TEST_CASE("a part_of naming no location of the facility is refused", "[unit][config][locations]") {
  const auto ps = problems(kRoom +
                           "      - {code: PUSTU, id: \"p1\", name: \"Pustu\", type: pustu, "
                           "village_code: \"3204012001\", part_of: NOWHERE}\n");
  CHECK(one_problem_saying(ps, "part_of NOWHERE is not a location of this facility", "10"));
}

TEST_CASE("part_of chains that come back on themselves are refused, each location named",
          "[unit][config][locations]") {
  const auto ps = problems(
      "      - {code: A, id: \"a\", name: \"A\", type: pustu, village_code: \"3204012001\", "
      "part_of: B}\n"
      "      - {code: B, id: \"b\", name: \"B\", type: pustu, village_code: \"3204012001\", "
      "part_of: A}\n"
      "      - {code: C, id: \"c\", name: \"C\", part_of: C}\n");
  REQUIRE(ps.size() == 3);
  for (const auto& p : ps) CHECK(p.find("part_of goes round in a circle") != std::string::npos);
}

TEST_CASE("a village code that is not ten digits is refused", "[unit][config][locations]") {
  for (const std::string bad : {"32.04.01.2001", "320401200", "32040120011", "320401200x"}) {
    INFO(bad);
    const auto ps = problems(
        "      - {code: PUSTU, id: \"p1\", name: \"Pustu\", type: pustu, "
        "village_code: \"" +
        bad + "\"}\n");
    CHECK(one_problem_saying(ps, "village_code must be the 10-digit Kemendagri code", "9"));
  }
}

TEST_CASE("a pustu or posyandu without a village code is refused", "[unit][config][locations]") {
  const auto ps = problems("      - {code: PUSTU, id: \"p1\", name: \"Pustu\", type: pustu}\n");
  CHECK(one_problem_saying(ps, "pustu needs village_code", "9"));
}

TEST_CASE("an unknown location type is refused", "[unit][config][locations]") {
  const auto ps = problems("      - {code: X, id: \"x\", name: \"X\", type: klinik}\n");
  CHECK(one_problem_saying(ps, "type must be room, pustu or posyandu", "9"));
}

TEST_CASE("a room with a practitioner is refused: the fallback is for village posts only",
          "[unit][config][locations]") {
  const auto ps =
      problems("      - {code: X, id: \"x\", name: \"X\", practitioner: " + kBidan + "}\n");
  CHECK(one_problem_saying(ps, "only a pustu or posyandu has a practitioner", "9"));
}

TEST_CASE("a location practitioner a record could not carry is refused, naming the field",
          "[unit][config][locations]") {
  const auto bad_nik = problems(
      "      - {code: PSY, id: \"y\", name: \"Y\", type: posyandu, village_code: \"3204012001\", "
      "practitioner: {nik: \"12345\", name: \"Bidan\"}}\n");
  REQUIRE(bad_nik.size() == 1);
  CHECK(bad_nik[0].find("practitioner.nik") != std::string::npos);
  const auto no_name = problems(
      "      - {code: PSY, id: \"y\", name: \"Y\", type: posyandu, village_code: \"3204012001\", "
      "practitioner: {ihs_number: \"N10000003\"}}\n");
  REQUIRE_FALSE(no_name.empty());
  CHECK(no_name[0].find("practitioner.name") != std::string::npos);
  const auto unknown_key = problems(
      "      - {code: PSY, id: \"y\", name: \"Y\", type: posyandu, village_code: \"3204012001\", "
      "practitioner: {nik: \"3204016708900003\", name: \"B\", phone: \"0812\"}}\n");
  REQUIRE_FALSE(unknown_key.empty());
  CHECK(unknown_key[0].find("unknown key \"locations[].practitioner.phone\"") != std::string::npos);
}
