// Auth hygiene under load (issue 7, "Token storm"): when the cached token of a facility stops
// working with a thousand records in flight, the gateway asks for exactly one new token — one
// request in flight per client — and every record still arrives.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;

namespace {

// Records by status from the admin API.
int count_in(const GatewayFixture& gw, const char* status) {
  const auto r = gw.admin("GET", "/admin/queue/stats");
  REQUIRE(r.response.result_int() == 200);
  const auto doc = parse_json(r.response.body());
  return doc["by_status"].HasMember(status) ? doc["by_status"][status].GetInt() : 0;
}

}  // namespace

TEST_CASE("1,000 records meeting an expired token cause exactly one token request",
          "[integration][auth]") {
  constexpr int kRecords = 1000;
  SimFixture sim;
  // No rate limit in the way: the storm is about tokens, not about pacing.
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"platform.rate_limit_per_min=1000000"}));

  // One delivered record: the gateway now holds a token it believes is good for an hour.
  const auto first = accepted_id(gw.post_record(visit_envelope("STORM-0")));
  gw.wait_for_status(first, "delivered");
  REQUIRE(stat(sim, "tokens_issued") == 1);

  // The platform cuts every issued token short, then issues normal tokens again.
  sim.set_faults(R"({"token_ttl_s": 0})");
  sim.set_faults("{}");

  std::string ndjson;
  for (int i = 1; i <= kRecords; ++i) ndjson += visit_envelope("STORM-" + std::to_string(i)) + "\n";
  const auto batch = http("POST", gw.ingest_url() + "/api/v1/records:batch", ndjson,
                          {{"Content-Type", "application/x-ndjson"},
                           {"Authorization", std::string("Bearer ") + kSukamajuApiKey}});
  REQUIRE(batch.response.result_int() == 200);

  const auto deadline = std::chrono::steady_clock::now() + 120s;
  int delivered = 0;
  while ((delivered = count_in(gw, "delivered")) < kRecords + 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  INFO("delivered " << delivered);
  REQUIRE(delivered == kRecords + 1);
  // The storm happened: the platform refused the old token (at least the first in-flight
  // requests got 401) ...
  const auto stats = sim.stats();
  REQUIRE(stats["status"].HasMember("401"));
  CHECK(stats["status"]["401"].GetInt() >= 1);
  // ... and the gateway asked for exactly one new token: the first, then one refresh.
  CHECK(stat(sim, "token_requests") == 2);
  CHECK(stat(sim, "tokens_issued") == 2);
  CHECK(sim_total(sim, "Encounter") == kRecords + 1);
}
