// Fault injection by POST /_sim/faults and by flags (DESIGN.md §10).

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;

const std::string kLocation = "/Location/" + std::string(kPoliUmum);

HttpResult token_request(const SimFixture& sim) {
  return testing::http("POST", sim.url("/oauth2/v1/accesstoken?grant_type=client_credentials"),
                       "client_id=sukamaju-client-id&client_secret=sukamaju-secret-demo",
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
}

// Polls `probe` until it returns true or `limit` passes; returns the time it took.
template <typename F>
std::chrono::milliseconds poll_until(F probe, std::chrono::milliseconds limit) {
  const auto start = Clock::now();
  while (!probe() && Clock::now() - start < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

TEST_CASE("rate_limit_every answers every Nth FHIR request 429 with Retry-After when set",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  sim.set_faults(R"({"rate_limit_every": 3, "retry_after_s": 2})");
  std::vector<int> codes;
  for (int i = 0; i < 6; ++i) {
    auto r = sim.fhir("GET", kLocation, token);
    codes.push_back(status(r));
    if (status(r) == 429) {
      CHECK(header(r, "Retry-After") == "2");
      CHECK_THAT(header(r, "Content-Type"), Catch::StartsWith("text/plain"));
    }
    // Token requests are not FHIR requests: they neither count nor get 429.
    CHECK(status(token_request(sim)) == 200);
  }
  CHECK(codes == std::vector<int>{200, 200, 429, 200, 200, 429});
  CHECK(sim.stats()["faults"]["rate_limited"].GetUint64() == 2);
}

TEST_CASE("429 without retry_after_s carries no Retry-After", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  sim.set_faults(R"({"rate_limit_every": 1})");
  auto r = sim.fhir("GET", kLocation, token);
  REQUIRE(status(r) == 429);
  CHECK(header(r, "Retry-After").empty());
}

TEST_CASE("error_rate 1.0 answers every OAuth and FHIR request with a text/plain 5xx",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  struct Case {
    const char* faults;
    int status;
    const char* text;
  };
  for (const auto& c :
       {Case{R"({"error_rate": 1.0})", 503, "Service Unavailable"},
        Case{R"({"error_rate": 1.0, "error_status": 500})", 500, "Internal Server Error"},
        Case{R"({"error_rate": 1.0, "error_status": 504})", 504, "Gateway Timeout"}}) {
    sim.set_faults(c.faults);
    for (const auto& r : {sim.fhir("GET", kLocation, token), token_request(sim),
                          sim.fhir("POST", "/Encounter", token, sample("Encounter", "F-1"))}) {
      CHECK(status(r) == c.status);
      CHECK_THAT(header(r, "Content-Type"), Catch::StartsWith("text/plain"));
      CHECK(body(r) == c.text);
    }
  }
  // Nothing was processed, and /_sim/* is never faulted.
  CHECK(stored_count(sim, "Encounter") == 0);
  CHECK(sim.stats()["faults"]["injected_errors"].GetUint64() == 9);
}

TEST_CASE("a partial error_rate hits some requests, reproducibly with --seed-random",
          "[integration][sim]") {
  auto run = [] {
    SimFixture sim({"--seed-random", "42", "--error-rate", "0.5"});
    std::vector<int> codes;
    for (int i = 0; i < 30; ++i) codes.push_back(status(token_request(sim)));
    return codes;
  };
  const auto first = run();
  CHECK(std::count(first.begin(), first.end(), 503) > 0);
  CHECK(std::count(first.begin(), first.end(), 200) > 0);
  CHECK(run() == first);
}

TEST_CASE("latency_ms delays every OAuth and FHIR answer, not /_sim", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  sim.set_faults(R"({"latency_ms": 300})");
  auto timed = [](auto&& call) {
    const auto start = Clock::now();
    auto r = call();
    return std::make_pair(status(r), Clock::now() - start);
  };
  const auto [fhir_status, fhir_time] = timed([&] { return sim.fhir("GET", kLocation, token); });
  CHECK(fhir_status == 200);
  CHECK(fhir_time >= std::chrono::milliseconds(300));
  CHECK(fhir_time < std::chrono::milliseconds(3000));
  const auto [tok_status, tok_time] = timed([&] { return token_request(sim); });
  CHECK(tok_status == 200);
  CHECK(tok_time >= std::chrono::milliseconds(300));
  const auto [admin_status, admin_time] =
      timed([&] { return testing::http("GET", sim.url("/_sim/stats")); });
  CHECK(admin_status == 200);
  CHECK(admin_time < std::chrono::milliseconds(300));
  // Delays overlap: the simulator keeps serving while a delayed answer waits. Two requests
  // one after the other would take at least 1000 ms.
  sim.set_faults(R"({"latency_ms": 500})");
  const auto start = Clock::now();
  std::thread other([&] { sim.fhir("GET", kLocation, token); });
  sim.fhir("GET", kLocation, token);
  other.join();
  CHECK(Clock::now() - start < std::chrono::milliseconds(950));
}

TEST_CASE("an outage answers 503 text/plain for its window, then recovers", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  sim.set_faults(R"({"outage_for_s": 1})");
  auto r = sim.fhir("GET", kLocation, token);
  CHECK(status(r) == 503);
  CHECK(body(r) == "Service Unavailable");
  CHECK_THAT(header(r, "Content-Type"), Catch::StartsWith("text/plain"));
  CHECK(status(token_request(sim)) == 503);
  auto faults = testing::get_json(sim.url("/_sim/faults"));
  CHECK(faults["outage_remaining_ms"].GetInt64() > 0);
  const auto took = poll_until([&] { return status(sim.fhir("GET", kLocation, token)) == 200; },
                               std::chrono::seconds(5));
  CHECK(status(sim.fhir("GET", kLocation, token)) == 200);
  CHECK(took >= std::chrono::milliseconds(800));
  CHECK(sim.stats()["faults"]["outage_rejections"].GetUint64() >= 2);
}

TEST_CASE("a refuse outage closes the port, then reopens the same port", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  sim.set_faults(R"({"outage_for_s": 1, "outage_mode": "refuse"})");
  auto r = sim.fhir("GET", kLocation, token);
  CHECK(!r.ok());
  CHECK(!r.request_sent);  // refused before anything was written: not ambiguous
  const auto took =
      poll_until([&] { return sim.fhir("GET", kLocation, token).ok(); }, std::chrono::seconds(5));
  CHECK(status(sim.fhir("GET", kLocation, token)) == 200);
  CHECK(took >= std::chrono::milliseconds(700));
  // Tokens and state survived: the same process, the same port.
  CHECK(status(sim.fhir("GET", kLocation, token)) == 200);
}

TEST_CASE("drop_after_process: the client gets no answer but the resource is stored",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  sim.set_faults(R"({"drop_after_process_rate": 1.0})");
  auto r = sim.fhir("POST", "/Encounter", token, sample("Encounter", "DROP-1"));
  CHECK(!r.ok());
  CHECK(r.request_sent);  // the ambiguous case: sent, no answer
  sim.set_faults("{}");
  CHECK(stored_count(sim, "Encounter") == 1);
  auto found = sim.fhir("GET",
                        "/Encounter?identifier=http://sys-ids.kemkes.go.id/encounter/10000004%7C"
                        "DROP-1",
                        token);
  CHECK(json(found)["total"].GetInt() == 1);
  const auto stats = sim.stats();
  CHECK(stats["dropped_connections"].GetUint64() == 1);
  CHECK(stats["endpoints"]["POST /fhir-r4/v1/Encounter"]["status"]["201"].GetUint64() == 1);
}

TEST_CASE("posting faults replaces the whole set and GET returns it", "[integration][sim]") {
  SimFixture sim;
  sim.set_faults(R"({"error_rate": 0.2, "error_status": 502, "latency_ms": 50,
    "rate_limit_every": 10, "retry_after_s": 2, "outage_for_s": 0.01, "token_ttl_s": 5,
    "drop_after_process_rate": 0.1})");
  auto all = testing::get_json(sim.url("/_sim/faults"));
  CHECK(all["error_rate"].GetDouble() == Approx(0.2));
  CHECK(all["error_status"].GetInt() == 502);
  CHECK(all["latency_ms"].GetInt() == 50);
  CHECK(all["rate_limit_every"].GetInt() == 10);
  CHECK(all["retry_after_s"].GetInt() == 2);
  CHECK(all["token_ttl_s"].GetInt() == 5);
  CHECK(all["drop_after_process_rate"].GetDouble() == Approx(0.1));
  sim.set_faults(R"({"latency_ms": 10})");
  auto one = testing::get_json(sim.url("/_sim/faults"));
  CHECK(one.MemberCount() == 1);
  CHECK(one["latency_ms"].GetInt() == 10);
  sim.set_faults("{}");
  CHECK(testing::get_json(sim.url("/_sim/faults")).MemberCount() == 0);
}

TEST_CASE("posting faults rejects unknown fields, wrong types and out-of-range values",
          "[integration][sim]") {
  SimFixture sim;
  sim.set_faults(R"({"latency_ms": 5})");
  for (const char* bad :
       {R"({"latency": 5})", R"({"error_rate": "0.5"})", R"({"error_rate": 1.5})",
        R"({"error_status": 404})", R"({"rate_limit_every": 0})", R"({"latency_ms": -1})",
        R"({"outage_mode": "sometimes"})", R"({"outage_for_s": 0})", R"({"retry_after_s": 1.5})",
        R"([1,2])", "not json", R"({"latency_ms": 5, "latency_ms": 6})"}) {
    INFO(bad);
    auto r = testing::post_json(sim.url("/_sim/faults"), bad);
    CHECK(status(r) == 400);
    CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  }
  // The set in force is unchanged.
  CHECK(testing::get_json(sim.url("/_sim/faults"))["latency_ms"].GetInt() == 5);
}

TEST_CASE("fault flags are in force from start", "[integration][sim]") {
  SECTION("--error-rate with --error-status") {
    SimFixture sim({"--error-rate", "1", "--error-status", "502"});
    auto r = token_request(sim);
    CHECK(status(r) == 502);
    CHECK(body(r) == "Bad Gateway");
  }
  SECTION("--rate-limit-every with --retry-after-s") {
    SimFixture sim({"--rate-limit-every", "1", "--retry-after-s", "7"});
    auto r = sim.fhir("GET", kLocation, sim.token());
    CHECK(status(r) == 429);
    CHECK(header(r, "Retry-After") == "7");
  }
  SECTION("--latency-ms") {
    SimFixture sim({"--latency-ms", "200"});
    const auto start = Clock::now();
    CHECK(status(token_request(sim)) == 200);
    CHECK(Clock::now() - start >= std::chrono::milliseconds(200));
  }
  SECTION("--outage-for-s") {
    SimFixture sim({"--outage-for-s", "30"});
    CHECK(status(token_request(sim)) == 503);
    CHECK(testing::get_json(sim.url("/_sim/faults"))["outage_for_s"].GetDouble() == 30);
  }
  SECTION("--outage-mode refuse") {
    SimFixture sim({"--outage-for-s", "30", "--outage-mode", "refuse"});
    CHECK(!token_request(sim).ok());
  }
  SECTION("--drop-after-process-rate") {
    SimFixture sim({"--drop-after-process-rate", "1"});
    auto r = token_request(sim);
    CHECK(!r.ok());
    CHECK(r.request_sent);
  }
  SECTION("--token-ttl-fault-s") {
    SimFixture sim({"--token-ttl-fault-s", "0"});
    CHECK(status(sim.fhir("GET", kLocation, sim.token())) == 401);
  }
}

}  // namespace ilp::simtest
