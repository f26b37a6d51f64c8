// Records that close an episode an earlier record opened (`update: by_identifier`): childbirth
// closes the pregnancy's ANC EpisodeOfCare, the last nifas visit (KF4) the PNC one. The gateway
// must merge into SATUSEHAT's copy (never erase its start and history), send what it can when
// the episode is not there, and the simulator keeps one active PNC episode per mother.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mappers/json.hpp"
#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

std::string example(const std::string& rel) {
  std::ifstream f(fs::path(ILP_SOURCE_DIR) / "config/examples" / rel);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The example with every occurrence of `from` replaced by `to` (ids, codes).
std::string with(std::string text, const std::vector<std::pair<std::string, std::string>>& subs) {
  for (const auto& [from, to] : subs) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

rapidjson::Document episodes(const SimFixture& sim) {
  return get_json(sim.url("/_sim/resources?type=EpisodeOfCare"));
}

std::string server_id_of(const rapidjson::Value& record, const std::string& name) {
  for (const auto& r : record["resources"].GetArray()) {
    if (name == r["name"].GetString() && r.HasMember("server_id"))
      return r["server_id"].GetString();
  }
  return {};
}

std::string last_note(const rapidjson::Value& record) {
  const auto& h = record["history"];
  return h.Size() == 0 ? std::string() : h[h.Size() - 1]["note"].GetString();
}

}  // namespace

TEST_CASE("a childbirth closes the pregnancy's ANC episode and keeps its start and history",
          "[integration][episode]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {}));
  const auto k1 = accepted_id(gw.post_record(example("anc/k1-first-visit-opens-episode.json")));
  const auto opened = gw.wait_for_status(k1, "delivered");
  const auto episode_id = server_id_of(opened, "episode");
  REQUIRE_FALSE(episode_id.empty());
  const auto before = episodes(sim);
  REQUIRE(before["total"].GetInt() == 1);
  const std::string start = before["entry"][0]["resource"]["period"]["start"].GetString();

  const auto birth =
      accepted_id(gw.post_record(example("childbirth/birth-closes-anc-episode.json")));
  const auto closed = gw.wait_for_status(birth, "delivered");
  CHECK(server_id_of(closed, "anc_episode") == episode_id);

  const auto after = episodes(sim);
  REQUIRE(after["total"].GetInt() == 1);  // updated, not created again
  const auto& e = after["entry"][0]["resource"];
  CHECK(std::string(e["id"].GetString()) == episode_id);
  CHECK(std::string(e["status"].GetString()) == "finished");
  CHECK(std::string(e["period"]["start"].GetString()) == start);
  CHECK(std::string(e["period"]["end"].GetString()) == "2025-09-30T20:15:00+00:00");
  REQUIRE(e["statusHistory"].Size() == 2);
  CHECK(std::string(e["statusHistory"][0]["status"].GetString()) == "active");
  CHECK(std::string(e["statusHistory"][1]["status"].GetString()) == "finished");
  CHECK(std::string(e["patient"]["reference"].GetString()).starts_with("Patient/"));
}

TEST_CASE("a childbirth whose ANC episode SATUSEHAT does not have goes without it and says so",
          "[integration][episode]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {}));
  const auto birth = accepted_id(gw.post_record(example("childbirth/twins-caesarean.json")));
  const auto r = gw.wait_for_status(birth, "delivered");
  CHECK(episodes(sim)["total"].GetInt() == 0);
  CHECK(server_id_of(r, "encounter") != "");
  CHECK(server_id_of(r, "anc_episode").empty());
  const auto note = last_note(r);
  INFO(note);
  CHECK(note.find("EpisodeOfCare") != std::string::npos);
  CHECK(note.find("not on SATUSEHAT") != std::string::npos);
  CHECK(sim_total(sim, "Observation") > 0);
}

TEST_CASE("a second active nifas episode for the same mother is refused until KF4 closes the first",
          "[integration][episode]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {}));
  const auto kf1 = example("postpartum/kf1-opens-pnc-episode.json");
  const auto first = accepted_id(gw.post_record(kf1));
  gw.wait_for_status(first, "delivered");

  // The next pregnancy's KF1 while the first episode is still open: refused by the platform.
  const auto next_kf1 =
      with(kf1, {{"KF-2025-000101", "KF-2026-000201"}, {"KH-2025-0031", "KH-2026-0077"}});
  const auto refused =
      gw.wait_for_status(accepted_id(gw.post_record(next_kf1)), "needs_correction");
  CHECK(ilp::mappers::to_json(refused["last_error"]).find("already exists") != std::string::npos);
  CHECK(episodes(sim)["total"].GetInt() == 1);

  // KF4 of the first pregnancy closes its episode; the refused KF1, re-sent, now goes.
  const auto kf4 = with(
      kf1,
      {{"KF-2025-000101", "KF-2025-000190"}, {"\"KF1\"", "\"KF4\""}, {"2025-10-02", "2025-11-10"}});
  const auto closing = gw.wait_for_status(accepted_id(gw.post_record(kf4)), "delivered");
  CHECK_FALSE(server_id_of(closing, "episode_close").empty());
  const auto closed = episodes(sim);
  REQUIRE(closed["total"].GetInt() == 1);
  CHECK(std::string(closed["entry"][0]["resource"]["status"].GetString()) == "finished");
  CHECK(std::string(closed["entry"][0]["resource"]["period"]["end"].GetString()) ==
        "2025-11-10T02:35:00+00:00");

  const std::string refused_id = refused["id"].GetString();
  const auto retry = gw.admin("POST", "/admin/queue/retry", R"({"ids":[")" + refused_id + R"("]})");
  REQUIRE(retry.response.result_int() == 200);
  gw.wait_for_status(refused_id, "delivered");
  CHECK(episodes(sim)["total"].GetInt() == 2);
}
