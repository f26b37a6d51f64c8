// Telling a mother's babies apart after an uncertain newborn registration: only the candidate
// agreeing on birth date, gender and birth order is adopted; anything less is not a guess.
#include <catch2/catch.hpp>

#include "gateway/delivery/newborn_match.hpp"
#include "mappers/json.hpp"

using namespace ilp::gateway::delivery;

namespace {

SearchMatch baby(std::string id, std::string birth_date, std::string gender,
                 std::optional<int> order) {
  SearchMatch m;
  m.id = std::move(id);
  m.birth_date = std::move(birth_date);
  m.gender = std::move(gender);
  m.birth_order = order;
  return m;
}

const NewbornFacts kSecondTwin{"2025-11-28", "female", 2};

}  // namespace

TEST_CASE("of twins found by the mother's NIK, the one with this birth order is adopted",
          "[unit]") {
  const std::vector<SearchMatch> found{baby("P-TWIN-1", "2025-11-28", "female", 1),
                                       baby("P-TWIN-2", "2025-11-28", "female", 2)};
  const auto pick = pick_newborn_candidate(found, kSecondTwin);
  REQUIRE(pick.kind == NewbornPick::Kind::kFound);
  CHECK(pick.id == "P-TWIN-2");
}

TEST_CASE("a sibling differing in gender or birth date is never taken for this baby", "[unit]") {
  const std::vector<SearchMatch> found{baby("P-BROTHER", "2025-11-28", "male", 2),
                                       baby("P-OLDER", "2023-02-01T00:00:00+00:00", "female", 2),
                                       baby("P-THIS", "2025-11-28T00:00:00+00:00", "female", 2)};
  const auto pick = pick_newborn_candidate(found, kSecondTwin);
  REQUIRE(pick.kind == NewbornPick::Kind::kFound);
  CHECK(pick.id == "P-THIS");
}

TEST_CASE("when every candidate is provably another baby, this one is not there", "[unit]") {
  const std::vector<SearchMatch> found{baby("P-TWIN-1", "2025-11-28", "female", 1)};
  CHECK(pick_newborn_candidate(found, kSecondTwin).kind == NewbornPick::Kind::kNotThere);
  const std::vector<SearchMatch> two{baby("P-TWIN-1", "2025-11-28", "female", 1),
                                     baby("P-OLDER", "2022-01-01", "female", 2)};
  CHECK(pick_newborn_candidate(two, kSecondTwin).kind == NewbornPick::Kind::kNotThere);
}

TEST_CASE("babies the answer does not tell apart are ambiguous, naming the missing fact",
          "[unit]") {
  // SATUSEHAT masks search answers: no birth date, gender or birth order to compare.
  const std::vector<SearchMatch> masked{baby("P-A", "", "", std::nullopt),
                                        baby("P-B", "", "", std::nullopt)};
  const auto pick = pick_newborn_candidate(masked, kSecondTwin);
  REQUIRE(pick.kind == NewbornPick::Kind::kAmbiguous);
  CHECK(pick.field == NewbornField::kBirthOrder);

  // One agrees fully, the other might still be this baby: not a guess either.
  const std::vector<SearchMatch> partly{baby("P-A", "2025-11-28", "female", 2),
                                        baby("P-B", "2025-11-28", "female", std::nullopt)};
  const auto p2 = pick_newborn_candidate(partly, kSecondTwin);
  REQUIRE(p2.kind == NewbornPick::Kind::kAmbiguous);
  CHECK(p2.field == NewbornField::kBirthOrder);

  // Birth order known on both sides, the gender not shown for one.
  const std::vector<SearchMatch> no_gender{baby("P-A", "2025-11-28", "female", 2),
                                           baby("P-B", "2025-11-28", "", 2)};
  const auto p3 = pick_newborn_candidate(no_gender, kSecondTwin);
  REQUIRE(p3.kind == NewbornPick::Kind::kAmbiguous);
  CHECK(p3.field == NewbornField::kGender);
  CHECK(newborn_field_path(p3.field, "patient") == "data.gender");
}

TEST_CASE("two candidates equal in every fact are ambiguous on birth order", "[unit]") {
  const std::vector<SearchMatch> same{baby("P-A", "2025-11-28", "female", 2),
                                      baby("P-B", "2025-11-28", "female", 2)};
  const auto pick = pick_newborn_candidate(same, kSecondTwin);
  REQUIRE(pick.kind == NewbornPick::Kind::kAmbiguous);
  CHECK(pick.field == NewbornField::kBirthOrder);
  CHECK(newborn_field_path(pick.field, "patient") == "data.birth_order");
  CHECK(newborn_field_path(pick.field, "fhir-resource") == "Patient.multipleBirthInteger");
}

TEST_CASE("a lone candidate is adopted only when the answer shows it is this baby", "[unit]") {
  // It may be an older sibling: the answer must say so or not.
  const std::vector<SearchMatch> masked{baby("P-ONLY", "", "", std::nullopt)};
  const auto pick = pick_newborn_candidate(masked, kSecondTwin);
  REQUIRE(pick.kind == NewbornPick::Kind::kAmbiguous);
  CHECK(pick.field == NewbornField::kBirthOrder);

  const std::vector<SearchMatch> shown{baby("P-ONLY", "2025-11-28", "female", 2)};
  const auto p2 = pick_newborn_candidate(shown, kSecondTwin);
  REQUIRE(p2.kind == NewbornPick::Kind::kFound);
  CHECK(p2.id == "P-ONLY");

  const std::vector<SearchMatch> sibling{baby("P-OLDER", "2023-02-01", "", std::nullopt)};
  CHECK(pick_newborn_candidate(sibling, kSecondTwin).kind == NewbornPick::Kind::kNotThere);
}

TEST_CASE("the facts are read from the Patient being sent", "[unit]") {
  rapidjson::Document d;
  REQUIRE_FALSE(ilp::mappers::parse_json_strict(
      R"({"resourceType":"Patient","birthDate":"2025-11-28","gender":"male",
          "multipleBirthInteger":2})",
      d));
  const auto f = newborn_facts(d);
  CHECK(f.birth_date == "2025-11-28");
  CHECK(f.gender == "male");
  CHECK(f.birth_order == 2);
}

TEST_CASE("a search answer's gender and multipleBirthInteger are read", "[unit]") {
  const auto m = parse_search(
      R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":{
          "resourceType":"Patient","id":"P1","gender":"female","birthDate":"2025-11-28",
          "multipleBirthInteger":2}}]})",
      "Patient");
  REQUIRE(m);
  REQUIRE(m->size() == 1);
  CHECK(m->front().gender == "female");
  CHECK(m->front().birth_order == 2);
}
