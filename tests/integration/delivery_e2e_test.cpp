// The gateway and the simulator, both real binaries on loopback: a visit posted at the ingest
// API ends up in "SATUSEHAT" exactly once, and every failure mode ends in the right status.
#include <catch2/catch.hpp>
#include <thread>

#include "mappers/datetime.hpp"
#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;

namespace {

std::string last_error_text(const rapidjson::Document& st) {
  std::string all;
  if (!st.HasMember("last_error")) return all;
  for (const auto& i : st["last_error"]["issue"].GetArray()) {
    all += std::string(i["details"]["text"].GetString()) + "\n";
  }
  return all;
}

// Epoch ms of an ISO timestamp the status API printed.
std::int64_t ms(const rapidjson::Value& v) {
  auto t = ilp::mappers::parse_datetime(v.GetString(), 0);
  REQUIRE(t);
  return *t;
}

// The resource named `name` in a status document.
const rapidjson::Value& resource(const rapidjson::Document& st, const std::string& name) {
  for (const auto& r : st["resources"].GetArray()) {
    if (r["name"].GetString() == name) return r;
  }
  FAIL("no resource " << name);
  return st["resources"][0];
}

// How long after its latest history entry the record is due again.
std::int64_t hold_ms(const rapidjson::Document& st) {
  REQUIRE(st.HasMember("next_attempt_at"));
  const auto& h = st["history"];
  return ms(st["next_attempt_at"]) - ms(h[h.Size() - 1]["at"]);
}

}  // namespace

TEST_CASE("a visit reaches the simulator and is delivered with server ids",
          "[integration][delivery]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-1")));
  auto st = gw.wait_for_status(id, "delivered");
  for (const auto& r : st["resources"].GetArray()) {
    INFO(r["name"].GetString());
    CHECK(r.HasMember("server_id"));
  }
  CHECK(sim_total(sim, "Encounter") == 1);
  CHECK(sim_total(sim, "Condition") == 1);
  CHECK(sim_total(sim, "Procedure") == 1);
  CHECK(sim_total(sim, "Observation") == 4);
  CHECK(stat(sim, "bundles_accepted") == 1);
  CHECK(stat(sim, "tokens_issued") == 1);
  // The stored Encounter is the one the gateway points at, with the IHS ids resolved by NIK.
  const std::string enc_id = resource(st, "encounter")["server_id"].GetString();
  auto enc = parse_json(sim.fhir("GET", "/Encounter/" + enc_id, sim.token()).response.body());
  CHECK(std::string(enc["subject"]["reference"].GetString()) == "Patient/P02478375538");
  CHECK(std::string(enc["period"]["start"].GetString()) == "2025-03-10T01:00:00+00:00");
}

TEST_CASE("resubmitting a delivered visit sends nothing new", "[integration][delivery]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-2")));
  gw.wait_for_status(id, "delivered");
  auto again = gw.post_record(visit_envelope("E2E-2"));
  REQUIRE(again.response.result_int() == 200);
  CHECK(std::string(parse_json(again.response.body())["status"].GetString()) == "delivered");
  std::this_thread::sleep_for(300ms);  // give a wrong implementation the chance to resend
  CHECK(stat(sim, "bundles_accepted") == 1);
  CHECK(sim_total(sim, "Encounter") == 1);
}

TEST_CASE("a revision after delivery is sent as an update of the same resources",
          "[integration][delivery]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-3")));
  auto first = gw.wait_for_status(id, "delivered");
  const std::string enc_id = resource(first, "encounter")["server_id"].GetString();
  auto rev = gw.post_record(visit_envelope(
      "E2E-3", [](rapidjson::Document& d) { d["data"]["vitals"]["systolic"] = 142; }));
  REQUIRE(rev.response.result_int() == 202);
  auto st = gw.wait_for(id, [](const rapidjson::Document& d) {
    return d["revision"].GetInt() == 2 && std::string(d["status"].GetString()) == "delivered";
  });
  CHECK(std::string(resource(st, "encounter")["server_id"].GetString()) == enc_id);
  CHECK(sim_total(sim, "Encounter") == 1);
  CHECK(sim_total(sim, "Observation") == 4);
  CHECK(stat(sim, "bundles_accepted") == 2);
  auto obs = get_json(sim.url("/_sim/resources?type=Observation"));
  bool updated = false;
  for (const auto& e : obs["entry"].GetArray()) {
    const auto& r = e["resource"];
    if (r["valueQuantity"]["value"].IsNumber() && r["valueQuantity"]["value"].GetDouble() == 142) {
      updated = true;
    }
  }
  CHECK(updated);
}

TEST_CASE("503s from the platform are retried until the record is delivered",
          "[integration][delivery]") {
  SimFixture sim;
  sim.set_faults(R"({"error_rate": 1.0, "error_status": 503})");
  GatewayFixture gw({sim.base_url(), {"retry.initial_ms=100", "retry.max_ms=400"}});
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-4")));
  auto st = gw.wait_for(id, [](const rapidjson::Document& d) {
    return d["attempts"].GetInt() >= 2 && std::string(d["status"].GetString()) == "retrying";
  });
  CHECK(st.HasMember("next_attempt_at"));
  sim.set_faults("{}");
  gw.wait_for_status(id, "delivered");
  CHECK(sim_total(sim, "Encounter") == 1);
}

TEST_CASE("a 429 with Retry-After holds the next attempt at least that long",
          "[integration][delivery]") {
  SimFixture sim;
  sim.set_faults(R"({"rate_limit_every": 1, "retry_after_s": 2})");
  GatewayFixture gw({sim.base_url(), {"retry.initial_ms=50", "retry.max_ms=100"}});
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-5")));
  auto st = gw.wait_for(id, [](const rapidjson::Document& d) {
    return std::string(d["status"].GetString()) == "retrying" && d.HasMember("next_attempt_at");
  });
  // Retry-After (2 s) wins over the much shorter backoff (at most 100 ms).
  CHECK(hold_ms(st) >= 2000);
  sim.set_faults("{}");
  gw.wait_for_status(id, "delivered", 20s);
}

TEST_CASE("a token that expires mid-run costs exactly one refresh", "[integration][delivery]") {
  SimFixture sim;
  GatewayFixture gw({sim.base_url(), {"platform.token_margin_s=0"}});
  const auto a = accepted_id(gw.post_record(visit_envelope("E2E-6a")));
  gw.wait_for_status(a, "delivered");
  REQUIRE(stat(sim, "tokens_issued") == 1);
  // The simulator cuts the live token's lifetime; the gateway still believes it valid.
  sim.set_faults(R"({"token_ttl_s": 1})");
  std::this_thread::sleep_for(1200ms);
  sim.set_faults("{}");
  const auto b = accepted_id(gw.post_record(visit_envelope("E2E-6b")));
  gw.wait_for_status(b, "delivered");
  CHECK(stat(sim, "tokens_issued") == 2);
}

TEST_CASE("wrong credentials back off at least 60 s and say why", "[integration][delivery]") {
  SimFixture sim;
  GatewayOptions o{sim.base_url()};
  o.sukamaju_secret = "wrong-secret";
  GatewayFixture gw(o);
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-7")));
  auto st = gw.wait_for(id, [](const rapidjson::Document& d) { return d.HasMember("last_error"); });
  CHECK(std::string(st["status"].GetString()) == "retrying");
  const auto text = last_error_text(st);
  INFO(text);
  CHECK(text.find("kredensial") != std::string::npos);
  CHECK(text.find("wrong-secret") == std::string::npos);
  // SATUSEHAT allows one login a minute after a failure.
  CHECK(ms(st["next_attempt_at"]) - ms(st["updated_at"]) >= 60'000);
  // Another patient, so per-patient ordering does not hold it behind the first.
  const auto second =
      accepted_id(gw.post_record(visit_envelope("E2E-7b", [](rapidjson::Document& d) {
        d["data"]["patient"]["nik"].SetString("3204014102950002");
        d["data"]["patient"]["name"].SetString("Siti Aminah");
        d["data"]["patient"]["gender"].SetString("female");
      })));
  gw.wait_for(second, [](const rapidjson::Document& d) { return d.HasMember("last_error"); });
  std::this_thread::sleep_for(500ms);
  CHECK(stat(sim, "token_requests") == 1);  // one failed login, then silence
  auto check = gw.cli({"queue", "show", id});
  CHECK(check.first == 0);
}

TEST_CASE("a patient SATUSEHAT does not know ends needs_correction with a clear message",
          "[integration][delivery]") {
  SimFixture sim;
  GatewayFixture gw({sim.base_url(), {"delivery.wait_grace_hours=0"}});
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-8", [](rapidjson::Document& d) {
    d["data"]["patient"]["nik"].SetString("3204019999990099");
  })));
  auto st = gw.wait_for_status(id, "needs_correction");
  const auto text = last_error_text(st);
  INFO(text);
  CHECK(text.find("NIK") != std::string::npos);
  CHECK(text.find("3204019999990099") == std::string::npos);
  // Given up on: it says what to do, not that the gateway will keep checking.
  CHECK(text.find("queue retry") != std::string::npos);
  CHECK(text.find("otomatis") == std::string::npos);
  CHECK(stat(sim, "bundles_accepted") == 0);
}

TEST_CASE("a platform validation 400 ends needs_correction with the platform's rule text",
          "[integration][delivery]") {
  SimFixture sim;  // the simulator's date floor is 2014-06-03
  GatewayFixture gw({sim.base_url(), {"platform.date_floor=2000-01-01"}});
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-9", [](rapidjson::Document& d) {
    d["data"]["arrived_at"].SetString("2013-03-10T08:00:00");
    d["data"]["started_at"].SetString("2013-03-10T08:15:00");
    d["data"]["finished_at"].SetString("2013-03-10T08:40:00");
  })));
  auto st = gw.wait_for_status(id, "needs_correction");
  const auto text = last_error_text(st);
  INFO(text);
  CHECK(!text.empty());
  CHECK(stat(sim, "bundles_rejected") >= 1);
  CHECK(sim_total(sim, "Encounter") == 0);
}

TEST_CASE("a gateway killed between 202 and delivery still delivers after restart",
          "[integration][delivery]") {
  SimFixture sim;
  sim.set_faults(R"({"outage_for_s": 60})");
  GatewayFixture gw({sim.base_url(), {"retry.initial_ms=100", "retry.max_ms=200"}});
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-10")));
  gw.kill();  // SIGKILL: no chance to flush anything
  sim.set_faults("{}");
  gw.start();
  gw.wait_for_status(id, "delivered");
  CHECK(sim_total(sim, "Encounter") == 1);
}

TEST_CASE("admin probes, metrics and queue retry work", "[integration][admin]") {
  SimFixture sim;
  GatewayFixture gw({sim.base_url(), {"delivery.wait_grace_hours=0"}});
  CHECK(http("GET", gw.admin_url() + "/healthz").response.result_int() == 200);
  CHECK(http("GET", gw.admin_url() + "/readyz").response.result_int() == 200);
  CHECK(http("GET", gw.admin_url() + "/metrics").response.result_int() == 401);
  const auto id = accepted_id(gw.post_record(visit_envelope("E2E-11", [](rapidjson::Document& d) {
    d["data"]["patient"]["nik"].SetString("3204019999990099");
  })));
  gw.wait_for_status(id, "needs_correction");
  auto metrics = gw.admin("GET", "/metrics");
  REQUIRE(metrics.response.result_int() == 200);
  const auto& text = metrics.response.body();
  CHECK(text.find("ilp_records_accepted_total") != std::string::npos);
  CHECK(text.find("ilp_ingest_latency_seconds_bucket") != std::string::npos);
  CHECK(text.find("ilp_delivery_attempts_total") != std::string::npos);
  CHECK(text.find(
            R"(ilp_records{facility="pkm-sukamaju",kind="visit",status="needs_correction"} 1)") !=
        std::string::npos);
  CHECK(text.find("ilp_queue_depth 0") != std::string::npos);
  CHECK(text.find("ilp_queue_oldest_age_seconds") != std::string::npos);
  CHECK(text.find("ilp_token_requests_total") != std::string::npos);
  CHECK(text.find("ilp_platform_latency_seconds") != std::string::npos);
  CHECK(text.find("3204019999990099") == std::string::npos);
  auto retried = gw.admin("POST", "/admin/queue/retry", R"({"status": "needs_correction"})");
  REQUIRE(retried.response.result_int() == 200);
  CHECK(parse_json(retried.response.body())["requeued"].GetInt() == 1);
  gw.wait_for(id, [](const rapidjson::Document& d) { return d["history"].Size() >= 4; });
}

TEST_CASE("NIKs and names never appear in the gateway's logs", "[integration][logs]") {
  SimFixture sim;
  GatewayFixture gw({sim.base_url(), {"delivery.wait_grace_hours=0"}});
  const auto a = accepted_id(gw.post_record(visit_envelope("E2E-12")));
  const auto b = accepted_id(gw.post_record(visit_envelope("E2E-13", [](rapidjson::Document& d) {
    d["data"]["patient"]["nik"].SetString("3204019999990099");
  })));
  gw.post_record(visit_envelope(
      "E2E-14", [](rapidjson::Document& d) { d["data"]["patient"]["nik"].SetString("32040199"); }));
  gw.wait_for_status(a, "delivered");
  gw.wait_for_status(b, "needs_correction");
  const auto log = gw.process().stderr_text();
  CHECK(!log.empty());
  for (const char* secret : {"3204010101900001", "3204019999990099", "3204011203800001",
                             "Budi Santoso", "Andi Wijaya", "sukamaju-secret-demo"}) {
    INFO(secret);
    CHECK(log.find(secret) == std::string::npos);
  }
}

TEST_CASE("SIGTERM stops the gateway cleanly", "[integration][shutdown]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  accepted_id(gw.post_record(visit_envelope("E2E-15")));
  CHECK(gw.stop() == 0);
}
