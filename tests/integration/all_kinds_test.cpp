// Every record kind end to end: the shipped examples of config/examples/<kind>/ posted to the
// real gateway, mapped by the shipped templates, delivered to the simulator — and records that
// refer to an earlier visit wait for it, then carry its Encounter's server id.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "mappers/json.hpp"
#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string api_key_for(const std::string& envelope) {
  const auto facility = std::string(parse_json(envelope)["facility"].GetString());
  if (facility == "pkm-tanjung") return kTanjungApiKey;
  if (facility == "pkm-sentani") return kSentaniApiKey;
  return kSukamajuApiKey;
}

// Rechecks of a waiting record come quickly, so out-of-order examples settle within seconds.
GatewayOptions fast(const SimFixture& sim) {
  return GatewayOptions(sim.base_url(), {"retry.initial_ms=100", "retry.max_ms=500"});
}

}  // namespace

TEST_CASE("every shipped example of every kind is delivered to the simulator",
          "[integration][kinds]") {
  SimFixture sim;
  GatewayFixture gw(fast(sim));
  const fs::path root = fs::path(ILP_SOURCE_DIR) / "config" / "examples";
  // Earlier records first, as a puskesmas would send them; the rest may still arrive before
  // their visit is delivered and must wait for it by themselves.
  const std::vector<std::string> kinds = {
      "visit", "patient",      "anc", "childbirth", "immunization", "growth",         "screening",
      "lab",   "prescription", "tb",  "postpartum", "neonatal",     "youth_screening"};
  std::map<std::string, std::pair<std::string, std::string>> ids;  // file → (id, API key)
  for (const auto& kind : kinds) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / kind)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    int posted = 0;
    for (const auto& p : files) {
      const auto name = p.filename().string();
      if (name.starts_with("rejected-") || name == "visit-4.json") continue;  // 4: unknown NIK
      const auto text = read(p);
      const auto r = gw.post_record(text, api_key_for(text));
      INFO(p.string());
      ids[p.string()] = {accepted_id(r), api_key_for(text)};
      ++posted;
    }
    INFO(kind);
    CHECK(posted >= 1);
  }
  for (const auto& [file, id_key] : ids) {
    INFO(file);
    gw.wait_for_status(id_key.first, "delivered", 30s, id_key.second);
  }
  for (const char* type : {"Encounter", "Observation", "Condition", "Procedure", "EpisodeOfCare",
                           "Immunization", "ServiceRequest", "DiagnosticReport", "Medication",
                           "MedicationRequest", "MedicationDispense"}) {
    INFO(type);
    CHECK(sim_total(sim, type) > 0);
  }
  CHECK(stat(sim, "patients_created") + sim_total(sim, "Patient") > 0);
}

TEST_CASE("a lab record sent before its visit waits, then goes with the visit's Encounter id",
          "[integration][kinds]") {
  SimFixture sim;
  // Re-checks a minute apart: only the visit's delivery waking the lab can make it in time.
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"retry.initial_ms=60000"}));
  const auto lab_text =
      read(fs::path(ILP_SOURCE_DIR) / "config/examples/lab/lab-for-visit-sent-earlier.json");
  const auto lab = accepted_id(gw.post_record(lab_text));
  const auto waiting = gw.wait_for_status(lab, "waiting");
  REQUIRE(waiting.HasMember("last_error"));
  const std::string why = ilp::mappers::to_json(waiting["last_error"]);
  CHECK(why.find("Encounter") != std::string::npos);
  CHECK(sim_total(sim, "ServiceRequest") == 0);

  const auto visit = accepted_id(
      gw.post_record(read(fs::path(ILP_SOURCE_DIR) / "config/examples/visit/visit-1.json")));
  const auto v = gw.wait_for_status(visit, "delivered");
  std::string encounter_id;
  for (const auto& r : v["resources"].GetArray()) {
    if (std::string(r["name"].GetString()) == "encounter")
      encounter_id = r["server_id"].GetString();
  }
  REQUIRE_FALSE(encounter_id.empty());
  gw.wait_for_status(lab, "delivered", 15s);
  const auto reqs = get_json(sim.url("/_sim/resources?type=ServiceRequest"));
  REQUIRE(reqs["entry"].Size() == 1);
  CHECK(std::string(reqs["entry"][0]["resource"]["encounter"]["reference"].GetString()) ==
        "Encounter/" + encounter_id);
}

TEST_CASE("records waiting on a visit that SATUSEHAT refused say so, naming that visit",
          "[integration][kinds]") {
  SimFixture sim;
  // No grace: the visit for an unregistered patient is refused at once, and so is the lab
  // (with a grace period it would wait, with the same explanation).
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.wait_grace_hours=0"}));
  const auto visit = accepted_id(gw.post_record(
      read(fs::path(ILP_SOURCE_DIR) / "config/examples/visit/visit-4.json")));  // unknown NIK
  gw.wait_for_status(visit, "needs_correction");

  auto lab_text =
      read(fs::path(ILP_SOURCE_DIR) / "config/examples/lab/lab-for-visit-sent-earlier.json");
  lab_text.replace(lab_text.find("RJ-2025-000501"), 14, "RJ-2025-000504");  // visit-4's number
  const auto lab = accepted_id(gw.post_record(lab_text));
  const auto st = gw.wait_for(lab, [](const rapidjson::Document& d) {
    return d.HasMember("last_error") &&
           ilp::mappers::to_json(d["last_error"]).find("perlu diperbaiki") != std::string::npos;
  });
  const std::string why = ilp::mappers::to_json(st["last_error"]);
  CHECK(why.find(visit) != std::string::npos);  // the visit's tracking id
  CHECK(sim_total(sim, "ServiceRequest") == 0);
}
