// An outage of the platform (issue 7): records pile up and nothing is lost; the circuit breaker
// turns the outage into a few probes instead of a retry storm; when the platform is back the
// backlog drains by itself.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;

namespace {

// Patients of the simulator's seed: records of different patients go out side by side (one
// patient's records go one at a time, in order), so the storm would be real.
constexpr const char* kSeedNiks[] = {"3204010101900001", "3204014102950002", "3204015203880003",
                                     "3204011507600004", "3204012508820005", "3204016011000006",
                                     "3204015005550010", "3204010909950017", "7371014708920011",
                                     "7371011003870012"};

std::string record_for(int i) {
  return visit_envelope("OUT-" + std::to_string(i), [i](rapidjson::Document& d) {
    d["data"]["patient"]["nik"].SetString(rapidjson::StringRef(kSeedNiks[i % 10]));
  });
}

std::uint64_t outage_rejections(const SimFixture& sim) {
  const auto s = sim.stats();
  return s["faults"]["outage_rejections"].GetUint64();
}

}  // namespace

TEST_CASE("an outage costs a few probes, not a retry per record, and the backlog then drains",
          "[integration][outage]") {
  constexpr int kRecords = 30;
  SimFixture sim;
  // Retries as eager as they can be, so that without the breaker the outage would see a hundred
  // requests and more: 10 patients' records retried every 100–500 ms for 3 s.
  GatewayFixture gw(GatewayOptions(
      sim.base_url(), {"retry.initial_ms=100", "retry.max_ms=500", "platform.circuit_failures=3",
                       "platform.circuit_open_ms=500"}));
  // A token first, so the outage meets delivery and not the login.
  const auto first = accepted_id(gw.post_record(visit_envelope("OUT-0")));
  gw.wait_for_status(first, "delivered");

  sim.set_faults(R"({"outage_for_s": 3, "outage_mode": "503"})");
  std::vector<std::string> ids;
  for (int i = 1; i <= kRecords; ++i) {
    ids.push_back(accepted_id(gw.post_record(record_for(i))));
  }
  // Nothing is delivered while the platform is down; records wait as retrying.
  gw.wait_for(ids.front(), [](const rapidjson::Document& d) {
    return std::string(d["status"].GetString()) == "retrying";
  });

  for (const auto& id : ids) gw.wait_for_status(id, "delivered", 40s);
  const auto rejected = outage_rejections(sim);
  INFO("requests refused during the outage: " << rejected);
  CHECK(rejected >= 3);        // the breaker did see the failures
  CHECK(rejected < kRecords);  // ... and held the records back instead of sending each
  CHECK(sim_total(sim, "Encounter") == kRecords + 1);  // everything arrived, once

  const auto metrics = gw.admin("GET", "/metrics");
  CHECK(metrics.response.body().find("ilp_platform_calls_held_total") != std::string::npos);
}
