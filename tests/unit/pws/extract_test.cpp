// The facts one record contributes to PWS (gateway/pws/extract): pure, so each kind's rule is
// checked on a hand-written record.
#include "gateway/pws/extract.hpp"

#include <catch2/catch.hpp>

#include "mappers/growth_zscore.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::pws {
namespace {

mappers::Facility facility(int offset_minutes = 420) {
  mappers::Facility f;
  f.key = "pkm-sukamaju";
  f.utc_offset_minutes = offset_minutes;
  mappers::Location pustu;
  pustu.code = "PUSTU";
  pustu.type = mappers::Location::Type::kPustu;
  pustu.village_code = "3204012001";
  mappers::Location room;  // a room inside the pustu: the pustu's village
  room.code = "PUSTU-KIA";
  room.part_of = "PUSTU";
  mappers::Location poli;
  poli.code = "POLI";
  f.locations = {pustu, room, poli};
  return f;
}

std::optional<RecordFacts> facts(std::string_view kind, const std::string& data_json,
                                 const mappers::GrowthStandards* growth = nullptr,
                                 int offset_minutes = 420) {
  rapidjson::Document d;
  REQUIRE_FALSE(mappers::parse_json_strict(data_json, d));
  const auto f = facility(offset_minutes);
  return extract_facts({kind, d, f, growth});
}

const mappers::GrowthStandards& standards() {
  static const auto loaded = [] {
    std::vector<std::string> errors;
    auto g = mappers::GrowthStandards::load(
        std::string(ILP_SOURCE_DIR) + "/config/growth-standards", errors);
    REQUIRE(errors.empty());
    return g;
  }();
  return *loaded;
}

}  // namespace

TEST_CASE("An ANC K1 contact is a k1 fact of its pregnancy, on the local day of the visit",
          "[unit]") {
  const auto f = facts("anc", R"({"anc_visit":"K1A","pregnancy_id":"H-1","location":"PUSTU",
                                 "arrived_at":"2025-03-10T08:00:00"})");
  REQUIRE(f);
  CHECK(f->day == day_number(2025, 3, 10));
  CHECK(f->location_village == "3204012001");
  REQUIRE(f->events.size() == 1);
  CHECK(f->events[0] == FactEvent{Event::kAncK1, 1, "H-1"});
}

TEST_CASE("ANC K2, K3 and K5 contacts count for no indicator", "[unit]") {
  for (const char* k : {"K2", "K3", "K5"}) {
    const auto f =
        facts("anc", std::string(R"({"anc_visit":")") + k +
                         R"(","pregnancy_id":"H-1","arrived_at":"2025-03-10T08:00:00"})");
    REQUIRE(f);
    CHECK(f->events.empty());
  }
  const auto k4 =
      facts("anc", R"({"anc_visit":"K4","pregnancy_id":"H","arrived_at":"2025-03-10T08:00"})");
  const auto k6 =
      facts("anc", R"({"anc_visit":"K6","pregnancy_id":"H","arrived_at":"2025-03-10T08:00"})");
  REQUIRE(k4);
  REQUIRE(k6);
  CHECK(k4->events == std::vector<FactEvent>{{Event::kAncK4, 4, "H"}});
  CHECK(k6->events == std::vector<FactEvent>{{Event::kAncK6, 6, "H"}});
}

TEST_CASE("The service day is the facility's local day, whatever offset the record used",
          "[unit]") {
  // 23:30 UTC on 31 March is 06:30 on 1 April in Jakarta (+07) and 08:30 in Jayapura (+09).
  const std::string data = R"({"screened_at":"2025-03-31T23:30:00Z"})";
  CHECK(facts("screening", data, nullptr, 420)->day == day_number(2025, 4, 1));
  CHECK(facts("screening", data, nullptr, 0)->day == day_number(2025, 3, 31));
}

TEST_CASE("The patient's address village is kept beside the location's", "[unit]") {
  const auto f = facts("tb", R"({"diagnosed_at":"2025-03-10T08:00:00","location":"PUSTU-KIA",
                                "patient":{"address":{"village_code":"3204012002"}}})");
  REQUIRE(f);
  CHECK(f->address_village == "3204012002");
  CHECK(f->location_village == "3204012001");  // through part_of
  CHECK(f->events == std::vector<FactEvent>{{Event::kTbNotified, 0, ""}});
  // A code that is not ten digits is no address.
  const auto g = facts("tb", R"({"diagnosed_at":"2025-03-10T08:00:00","location":"POLI",
                                "patient":{"address":{"village_code":"32040"}}})");
  CHECK(g->address_village.empty());
  CHECK(g->location_village.empty());
}

TEST_CASE("Postpartum and neonatal visits carry their number, KF also its pregnancy", "[unit]") {
  const auto kf = facts("postpartum", R"({"kf_visit":"KF3","pregnancy_id":"H-9",
                                         "arrived_at":"2025-03-10T08:00:00"})");
  const auto kn = facts("neonatal", R"({"kn_visit":"KN1","arrived_at":"2025-03-10T08:00:00"})");
  CHECK(kf->events == std::vector<FactEvent>{{Event::kKf, 3, "H-9"}});
  CHECK(kn->events == std::vector<FactEvent>{{Event::kKn, 1, ""}});
}

TEST_CASE(
    "A birth at the puskesmas or a pustu by a midwife or doctor is a PF, a home birth by a "
    "dukun is not",
    "[unit]") {
  const auto birth = [](const char* place, const char* attendant) {
    return facts("childbirth", std::string(R"({"pregnancy_id":"H-7","location":"PUSTU",
                 "born_at":"2025-03-31T23:10:00","place":")") +
                                   place + R"(","attendant":")" + attendant + R"("})");
  };
  const std::vector<FactEvent> pf{{Event::kFacilityBirth, 0, "H-7"}};
  const auto pustu = birth("pustu", "midwife");
  REQUIRE(pustu);
  CHECK(pustu->events == pf);
  CHECK(pustu->day == day_number(2025, 3, 31));  // the local day of the birth
  CHECK(birth("facility", "midwife")->events == pf);
  CHECK(birth("facility", "doctor")->events == pf);
  CHECK(birth("facility", "obstetrician")->events == pf);
  CHECK(birth("home", "dukun")->events.empty());
  CHECK(birth("home", "midwife")->events.empty());    // not at a facility
  CHECK(birth("facility", "dukun")->events.empty());  // not a health worker
  CHECK(birth("pustu", "family")->events.empty());
  // Still a record of the mother's: her location tells the village.
  CHECK(birth("home", "dukun")->location_village == "3204012001");
}

TEST_CASE("A dose counts towards IDL only when given before the first birthday", "[unit]") {
  const auto dose = [](const char* given) {
    return facts("immunization", std::string(R"({"vaccine":"MR-1","dose_number":1,
                 "patient":{"birth_date":"2024-03-10"},"given_at":")") +
                                     given + R"("})");
  };
  CHECK(dose("2025-03-09T10:00:00")->events ==
        std::vector<FactEvent>{{Event::kBasicDose, 1, "MR-1"}});
  CHECK(dose("2025-03-10T10:00:00")->events.empty());  // the birthday itself: 12 months old
  const auto no_birth =
      facts("immunization", R"({"vaccine":"BCG","dose_number":1,"given_at":"2025-03-09T10:00"})");
  CHECK(no_birth->events.empty());
}

TEST_CASE("A weighed under-five gives its weight in grams, a height gives stunted or not",
          "[unit]") {
  // A girl of 22 months, 75.0 cm lying: WHO length-for-age z ≈ -3.1 (stunted); 82 cm ≈ -0.5.
  const auto girl = [](const char* cm) {
    return facts("growth",
                 std::string(R"({"patient":{"birth_date":"2023-05-10","gender":"female"},
                 "measured_at":"2025-03-12T09:00:00","weight_kg":9.85,"position":"lying",
                 "height_cm":)") +
                     cm + "}",
                 &standards());
  };
  const auto stunted = girl("75.0");
  const auto normal = girl("82.0");
  REQUIRE(stunted);
  CHECK(stunted->events ==
        std::vector<FactEvent>{{Event::kWeighed, 9850, ""}, {Event::kHeightMeasured, 1, ""}});
  CHECK(normal->events ==
        std::vector<FactEvent>{{Event::kWeighed, 9850, ""}, {Event::kHeightMeasured, 0, ""}});
  // Without the WHO tables only the weighing counts.
  rapidjson::Document d;
  REQUIRE_FALSE(mappers::parse_json_strict(R"({"patient":{"birth_date":"2023-05-10",
      "gender":"female"},"measured_at":"2025-03-12T09:00:00","weight_kg":9.85,"height_cm":75})",
                                           d));
  const auto f = facility();
  CHECK(extract_facts({"growth", d, f, nullptr})->events.size() == 1);
}

TEST_CASE("A child of five or more is not an under-five for D/S", "[unit]") {
  const auto f = facts("growth", R"({"patient":{"birth_date":"2019-01-10","gender":"male"},
                                    "measured_at":"2025-03-12T09:00:00","weight_kg":18})");
  REQUIRE(f);
  CHECK(f->events.empty());
}

TEST_CASE("Kinds PWS does not read give no facts, a newborn's registration gives its address",
          "[unit]") {
  CHECK_FALSE(facts("lab", R"({"ordered_at":"2025-03-10T08:00:00"})"));
  CHECK_FALSE(facts("prescription", R"({"prescribed_at":"2025-03-10T08:00:00"})"));
  CHECK_FALSE(facts("anc", R"({"anc_visit":"K1A"})"));  // no service time
  const auto baby = facts("patient", R"({"birth_date":"2025-03-02",
                                        "address":{"village_code":"3204012003"}})");
  REQUIRE(baby);
  CHECK(baby->day == day_number(2025, 3, 2));
  CHECK(baby->address_village == "3204012003");
  CHECK(baby->events.empty());
}

TEST_CASE("Facts survive their stored form, anything else is refused", "[unit]") {
  RecordFacts f;
  f.day = day_number(2025, 3, 1);
  f.address_village = "3204012001";
  f.events = {{Event::kKf, 2, "H,\"1\""}, {Event::kWeighed, 12000, ""}};
  CHECK(decode(encode(f)) == f);
  CHECK_FALSE(decode(""));
  CHECK_FALSE(decode(R"({"d":1,"e":[[99,0,""]]})"));
  CHECK_FALSE(decode(R"({"d":"x","e":[]})"));
  // The quick reader of encode()'s own form and the general one agree; truncated text is refused.
  RecordFacts g;
  g.day = 20150;
  g.location_village = "3204012001";
  g.events = {{Event::kAncK1, 1, "H-1"}, {Event::kWeighed, -5, ""}};
  CHECK(decode(R"({"d":20150,"l":"3204012001","e":[[1,1,"H-1"],[8,-5,""]]})") == g);
  CHECK(decode(R"({ "l": "3204012001", "d": 20150, "e": [[1, 1, "H-1"], [8, -5, ""]] })") == g);
  const auto text = encode(g);
  for (std::size_t n = 0; n < text.size(); ++n) CHECK_FALSE(decode(text.substr(0, n)));
  CHECK_FALSE(decode(text + "x"));
}

}  // namespace ilp::gateway::pws
