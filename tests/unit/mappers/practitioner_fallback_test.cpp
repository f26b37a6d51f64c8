// DESIGN.md §4: a record from a pustu or posyandu without practitioner is mapped with the
// location's practitioner (facilities.yaml), and says so; everywhere else nothing is filled in.
#include <catch2/catch.hpp>
#include <string>

#include "mappers/json.hpp"
#include "unit/mappers/visit_fixtures.hpp"

namespace ilp::mappers {
namespace {

std::string growth_at(const std::string& location, const std::string& practitioner_json = "") {
  return R"({"visit_no":"PSY-1","patient":{"nik":"3204014409230008","name":"Putri",)"
         R"("birth_date":"2023-09-04","gender":"female"},"location":")" +
         location + R"(","measured_at":"2025-04-09T08:45:00","weight_kg":10.6)" +
         (practitioner_json.empty() ? "" : R"(,"practitioner":)" + practitioner_json) + "}";
}

MapResult map_growth(const std::string& data_json) {
  static const Facility facility = test::sukamaju();
  const auto data = test::parse_or_fail(data_json);
  return test::shipped_mapping("growth").map(
      MapInput{facility, "PSY-1", 1, data, test::fixed_now_ms(), "2014-06-03"});
}

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a posyandu record without practitioner carries the posyandu's bidan, and says so",
          "[unit][locations]") {
  const auto r = map_growth(growth_at("POSYANDU-MAWAR"));
  INFO(outcome_to_storage(r.outcome));
  REQUIRE(r.ok());
  CHECK(has(r.bundle_json, "3204016708900003"));  // Bidan Yuliani's NIK in the participant
  CHECK(has(r.bundle_json, "Bidan Yuliani"));
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0] ==
        "practitioner taken from posyandu POSYANDU-MAWAR (facilities.yaml): the "
        "record named none");
  CHECK_FALSE(has(r.notes[0], "Yuliani"));  // history notes carry no names
}

TEST_CASE("a pustu record without practitioner carries the pustu's", "[unit][locations]") {
  const auto r = map_growth(growth_at("PUSTU-CIBIRU", "null"));
  REQUIRE(r.ok());
  CHECK(has(r.bundle_json, "3204016708900003"));
  REQUIRE(r.notes.size() == 1);
  CHECK(has(r.notes[0], "pustu PUSTU-CIBIRU"));
}

TEST_CASE("a record that names its practitioner keeps it, even at a posyandu",
          "[unit][locations]") {
  const auto r =
      map_growth(growth_at("POSYANDU-MAWAR", R"({"nik":"3204011203800001","name":"dr. Andi"})"));
  REQUIRE(r.ok());
  CHECK(has(r.bundle_json, "3204011203800001"));
  CHECK_FALSE(has(r.bundle_json, "3204016708900003"));
  CHECK(r.notes.empty());
}

TEST_CASE("a wrong practitioner at a posyandu is the sender's error, not replaced",
          "[unit][locations]") {
  const auto r = map_growth(growth_at("POSYANDU-MAWAR", R"({"nik":"123","name":"x"})"));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.outcome.issues.size() == 1);
  CHECK(r.outcome.issues[0].expression == "data.practitioner.nik");
}

TEST_CASE("a room record without practitioner is still refused, naming the field",
          "[unit][locations]") {
  const auto r = map_growth(growth_at("KIA"));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.outcome.issues.size() == 1);
  CHECK(r.outcome.issues[0].expression == "data.practitioner");
  CHECK(r.outcome.issues[0].code == "required");
  CHECK(r.notes.empty());
}

}  // namespace ilp::mappers
