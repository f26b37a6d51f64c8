// Identifiers that must name one thing each: the same visit number in two record kinds is two
// Encounters (and lab/prescription/tb records say which one they belong to), and a TB episode
// never shares an identifier with a pregnancy's ANC episode (satusehat.md §3.1: both kinds of
// EpisodeOfCare live in the one system episode-of-care/<org>).
#include <catch2/catch.hpp>
#include <set>

#include "unit/mappers/visit_fixtures.hpp"

namespace ilp::mappers {
namespace {

const std::string kVisitNo = "000123";

// An example envelope's data with `visit_no` (and `edits`) set.
rapidjson::Document example_data(const std::string& example,
                                 const std::map<std::string, std::string>& edits = {}) {
  std::ifstream f(std::string(ILP_SOURCE_DIR) + "/config/examples/" + example);
  std::stringstream s;
  s << f.rdbuf();
  auto env = test::parse_or_fail(s.str());
  rapidjson::Document data;
  data.CopyFrom(env["data"], data.GetAllocator());
  data["visit_no"].SetString(kVisitNo.c_str(), data.GetAllocator());
  for (const auto& [k, v] : edits) {
    rapidjson::Value name(k.c_str(), data.GetAllocator());
    rapidjson::Value value(v.c_str(), data.GetAllocator());
    data.RemoveMember(k.c_str());
    data.AddMember(name, value, data.GetAllocator());
  }
  return data;
}

rapidjson::Document map_example(const std::string& kind, const std::string& example,
                                const std::map<std::string, std::string>& edits = {}) {
  const auto data = example_data(example, edits);
  const Facility facility = test::sukamaju();
  const auto r = test::shipped_mapping(kind).map(
      MapInput{facility, "R-" + kind, 1, data, test::fixed_now_ms(), "2014-06-03"});
  INFO(outcome_to_storage(r.outcome));
  REQUIRE(r.ok());
  return test::parse_or_fail(r.bundle_json);
}

// system|value of every identifier of the bundle's resources of `type`.
std::vector<std::string> identifiers(const rapidjson::Document& bundle, std::string_view type) {
  std::vector<std::string> out;
  for (const auto& e : bundle["entry"].GetArray()) {
    const auto& res = e["resource"];
    if (type != res["resourceType"].GetString() || !res.HasMember("identifier")) continue;
    for (const auto& id : res["identifier"].GetArray()) {
      out.push_back(std::string(id["system"].GetString()) + "|" + id["value"].GetString());
    }
  }
  return out;
}

// Every `encounter`/`context` reference of the bundle.
std::set<std::string> encounter_references(const rapidjson::Document& bundle) {
  std::set<std::string> out;
  for (const auto& e : bundle["entry"].GetArray()) {
    for (const char* key : {"encounter", "context"}) {
      if (const auto* ref = member(e["resource"], key)) out.insert((*ref)["reference"].GetString());
    }
  }
  return out;
}

const std::string kEncounterSystem = "http://sys-ids.kemkes.go.id/encounter/10000004";

}  // namespace

TEST_CASE("one visit number in five kinds makes five Encounter identifiers in one system",
          "[unit]") {
  const std::vector<std::pair<std::string, std::string>> kinds{
      {"visit", "visit/visit-1.json"},
      {"anc", "anc/k1-first-visit-opens-episode.json"},
      {"immunization", "immunization/mr1-posyandu-ideal.json"},
      {"growth", "growth/posyandu-baby-length.json"},
      {"screening", "screening/ptm-lansia-bmi.json"}};
  std::set<std::string> encounter_ids;
  std::set<std::string> observation_ids;
  for (const auto& [kind, example] : kinds) {
    const auto bundle = map_example(kind, example);
    const auto ids = identifiers(bundle, "Encounter");
    REQUIRE_FALSE(ids.empty());
    // The facility's encounter system stays (satusehat.md §3.1, rule 10117); the value says
    // the kind.
    CHECK(ids.front() == kEncounterSystem + "|" + kind + "-" + kVisitNo);
    encounter_ids.insert(ids.front());
    // Their measurements share the observation system too: they must not collide either.
    for (const auto& o : identifiers(bundle, "Observation")) {
      CHECK(observation_ids.insert(o).second);
    }
  }
  CHECK(encounter_ids.size() == kinds.size());
}

TEST_CASE("lab, prescription and tb refer to the visit kind they name, the visit by default",
          "[unit]") {
  const std::vector<std::pair<std::string, std::string>> kinds{
      {"lab", "lab/lab-for-visit-sent-earlier.json"},
      {"prescription", "prescription/dispensed.json"},
      {"tb", "tb/tb-for-visit-sent-earlier.json"}};
  for (const auto& [kind, example] : kinds) {
    INFO(kind);
    const auto by_default = encounter_references(map_example(kind, example));
    CHECK(by_default ==
          std::set<std::string>{"Encounter?identifier=" + kEncounterSystem + "|visit-" + kVisitNo});
    const auto screening =
        encounter_references(map_example(kind, example, {{"visit_kind", "screening"}}));
    CHECK(screening == std::set<std::string>{"Encounter?identifier=" + kEncounterSystem +
                                             "|screening-" + kVisitNo});
  }
}

TEST_CASE("an unknown visit_kind is refused and named", "[unit]") {
  const auto data = example_data("lab/lab-for-visit-sent-earlier.json", {{"visit_kind", "poli"}});
  const Facility facility = test::sukamaju();
  const auto r = test::shipped_mapping("lab").map(
      MapInput{facility, "R-lab", 1, data, test::fixed_now_ms(), "2014-06-03"});
  REQUIRE_FALSE(r.ok());
  CHECK(outcome_to_storage(r.outcome).find("data.visit_kind") != std::string::npos);
}

TEST_CASE("a TB episode and an ANC pregnancy with the same number get distinct identifiers",
          "[unit]") {
  const std::string number = "3204-2025-000187";
  const auto tb = map_example("tb", "tb/tb-for-visit-sent-earlier.json", {{"sitb_id", number}});
  const auto anc =
      map_example("anc", "anc/k1-first-visit-opens-episode.json", {{"pregnancy_id", number}});
  const std::string system = "http://sys-ids.kemkes.go.id/episode-of-care/10000004";
  const auto tb_ids = identifiers(tb, "EpisodeOfCare");
  const auto anc_ids = identifiers(anc, "EpisodeOfCare");
  REQUIRE_FALSE(tb_ids.empty());
  REQUIRE_FALSE(anc_ids.empty());
  CHECK(tb_ids.front() == system + "|tb-" + number);
  CHECK(anc_ids.front() == system + "|anc-" + number);
  // A later ANC contact finds its pregnancy by the same prefixed identifier.
  const auto k4 = map_example("anc", "anc/k4-refers-to-episode.json", {{"pregnancy_id", number}});
  bool refers = false;
  for (const auto& e : k4["entry"].GetArray()) {
    if (const auto* eoc = member(e["resource"], "episodeOfCare")) {
      for (const auto& r : eoc->GetArray()) {
        refers = refers || std::string(r["reference"].GetString()) ==
                               "EpisodeOfCare?identifier=" + system + "|anc-" + number;
      }
    }
  }
  CHECK(refers);
}

}  // namespace ilp::mappers
