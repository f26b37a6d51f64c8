// Nothing reaches SATUSEHAT twice (DESIGN.md §11.2), against the real simulator: an answer lost
// after the platform processed the bundle, and a "duplicate" refusal, both end `delivered`
// with the resources already there adopted instead of created again.
#include <catch2/catch.hpp>

#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;

namespace {

std::string server_id(const rapidjson::Document& st, const std::string& name) {
  for (const auto& r : st["resources"].GetArray()) {
    if (name == r["name"].GetString() && r.HasMember("server_id")) {
      return r["server_id"].GetString();
    }
  }
  return {};
}

std::string notes(const rapidjson::Document& st) {
  std::string all;
  for (const auto& h : st["history"].GetArray()) all += std::string(h["note"].GetString()) + "\n";
  return all;
}

}  // namespace

TEST_CASE("an answer lost after the platform processed the bundle is found, not sent twice",
          "[integration][delivery]") {
  SimFixture sim;
  GatewayFixture gw({sim.base_url(), {"retry.initial_ms=100", "retry.max_ms=200"}});
  // A first visit caches the token and the patient's and practitioner's IHS numbers, so the
  // second one makes exactly one request: the transaction.
  gw.wait_for_status(accepted_id(gw.post_record(visit_envelope("AMB-1"))), "delivered");
  sim.set_faults(R"({"drop_after_process_rate": 1.0})");
  const auto id = accepted_id(gw.post_record(visit_envelope("AMB-2")));
  gw.wait_for(id, [](const rapidjson::Document& d) {
    return std::string(d["status"].GetString()) == "retrying";
  });
  REQUIRE(stat(sim, "bundles_accepted") == 2);  // processed; the gateway never saw the answer
  sim.set_faults("{}");
  const auto st = gw.wait_for_status(id, "delivered");
  INFO(notes(st));
  CHECK(stat(sim, "bundles_accepted") == 2);  // searched and adopted, not sent again
  CHECK(sim_total(sim, "Encounter") == 2);
  CHECK(sim_total(sim, "Observation") == 8);
  CHECK(notes(st).find("found on the platform") != std::string::npos);
  CHECK_FALSE(server_id(st, "encounter").empty());
}

TEST_CASE("a duplicate answer adopts the resources already on the platform",
          "[integration][delivery]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  const auto first =
      gw.wait_for_status(accepted_id(gw.post_record(visit_envelope("DUP-1"))), "delivered");
  // Another record id for the same visit number: the same identifiers, so the platform
  // answers 400 "Found duplicate resource".
  const auto id = accepted_id(gw.post_record(visit_envelope(
      "DUP-1", [](rapidjson::Document& d) { d["record_id"].SetString("DUP-1-again"); })));
  const auto st = gw.wait_for_status(id, "delivered");
  INFO(notes(st));
  CHECK(stat(sim, "bundles_rejected") == 1);
  CHECK(stat(sim, "bundles_accepted") == 1);
  CHECK(sim_total(sim, "Encounter") == 1);
  CHECK(server_id(st, "encounter") == server_id(first, "encounter"));
  CHECK(notes(st).find("adopted") != std::string::npos);
}
