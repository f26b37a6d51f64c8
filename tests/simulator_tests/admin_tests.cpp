// The simulator's own endpoints: /_sim/stats, /_sim/resources, /_sim/reset (DESIGN.md §10).

#include <catch2/catch.hpp>

#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

std::uint64_t count(const rapidjson::Value& stats, const char* endpoint, const char* code) {
  const auto& eps = stats["endpoints"];
  if (!eps.HasMember(endpoint)) return 0;
  const auto& st = eps[endpoint]["status"];
  return st.HasMember(code) ? st[code].GetUint64() : 0;
}

}  // namespace

TEST_CASE("stats count requests per endpoint and status, tokens and bundles",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const std::string nik_search =
      "/Patient?identifier=https://fhir.kemkes.go.id/id/nik%7C" + std::string(kBudiNik);
  sim.fhir("GET", nik_search, token);
  sim.fhir("GET", nik_search, token);
  sim.fhir("GET", nik_search, "");
  sim.fhir("GET", "/Patient/" + std::string(kBudi), token);
  sim.fhir("POST", "", token, bundle({{"", sample("Encounter", "S-1")}}));
  sim.fhir("POST", "", token, bundle({{"", remove_at(sample("Encounter", "S-2"), "subject")}}));
  sim.fhir("PUT", "/Encounter/abc", token, "{}");
  testing::http("GET", sim.url("/nowhere"));
  testing::http("POST", sim.url("/oauth2/v1/accesstoken?grant_type=client_credentials"),
                "client_id=sukamaju-client-id&client_secret=no");

  const auto s = sim.stats();
  CHECK(count(s, "POST /oauth2/v1/accesstoken", "200") == 1);
  CHECK(count(s, "POST /oauth2/v1/accesstoken", "401") == 1);
  CHECK(count(s, "GET /fhir-r4/v1/Patient", "200") == 2);
  CHECK(count(s, "GET /fhir-r4/v1/Patient", "401") == 1);
  CHECK(s["endpoints"]["GET /fhir-r4/v1/Patient"]["total"].GetUint64() == 3);
  CHECK(count(s, "GET /fhir-r4/v1/Patient/{id}", "200") == 1);
  CHECK(count(s, "POST /fhir-r4/v1", "200") == 1);
  CHECK(count(s, "POST /fhir-r4/v1", "400") == 1);
  CHECK(count(s, "PUT /fhir-r4/v1/Encounter/{id}", "400") == 1);
  CHECK(count(s, "GET (unknown path)", "404") == 1);
  CHECK(s["requests"].GetUint64() == 10);
  CHECK(s["status"]["200"].GetUint64() == 5);
  CHECK(s["token_requests"].GetUint64() == 2);
  CHECK(s["tokens_issued"].GetUint64() == 1);
  CHECK(s["auth_failures"].GetUint64() == 1);
  CHECK(s["bundles_accepted"].GetUint64() == 1);
  CHECK(s["bundles_rejected"].GetUint64() == 1);
  CHECK(s["resources"]["Encounter"].GetUint64() == 1);
  CHECK(s["resources_total"].GetUint64() == 1);
  CHECK(s["dropped_connections"].GetUint64() == 0);
  // Reading the stats is not counted.
  CHECK(sim.stats()["requests"].GetUint64() == 10);
}

TEST_CASE("the resources endpoint lists what clients stored, not the seed", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  CHECK(stored_count(sim, "Location") == 0);
  CHECK(stored_count(sim, "Patient") == 0);
  const auto id = create(sim, token, "Location", sample("Location", "L-1"));
  auto d = testing::get_json(sim.url("/_sim/resources?type=Location"));
  CHECK(str_at(d, "resourceType") == "Bundle");
  CHECK(str_at(d, "type") == "searchset");
  REQUIRE(d["total"].GetInt() == 1);
  CHECK(str_at(d, "entry.0.resource.id") == id);
  CHECK(str_at(d, "entry.0.fullUrl") == sim.fhir_url() + "/Location/" + id);
  for (const char* bad : {"/_sim/resources", "/_sim/resources?type=Foo"}) {
    CHECK(status(testing::http("GET", sim.url(bad))) == 400);
  }
}

TEST_CASE("reset clears stored resources, faults, stats and lock-outs but keeps the seed",
          "[integration][sim]") {
  SimFixture sim({"--auth-backoff-s", "600"});
  const auto token = sim.token();
  const auto enc = new_encounter(sim, token, "Z-1");
  // A seeded resource changed by a client comes back as seeded.
  const auto loc = "/Location/" + std::string(kPoliUmum);
  auto changed = set_at(sample("Location", kPoliUmum), "id", quoted(kPoliUmum));
  REQUIRE(status(sim.fhir("PUT", loc, token, changed)) == 200);
  sim.set_faults(R"({"latency_ms": 20, "rate_limit_every": 100})");
  REQUIRE(
      status(testing::http("POST", sim.url("/oauth2/v1/accesstoken?grant_type=client_credentials"),
                           "client_id=tanjung-client-id&client_secret=no")) == 401);

  auto r = testing::http("POST", sim.url("/_sim/reset"));
  REQUIRE(status(r) == 200);
  CHECK_NOTHROW(sim.reset());  // the fixture's helper does the same

  CHECK(stored_count(sim, "Encounter") == 0);
  CHECK(status(sim.fhir("GET", "/" + enc, token)) == 404);
  CHECK(str_at(json(sim.fhir("GET", loc, token)), "name") == "Poli Umum");
  CHECK(testing::get_json(sim.url("/_sim/faults")).MemberCount() == 0);
  // Existing tokens stay valid; the lock-out is gone.
  CHECK(status(sim.fhir("GET", "/Patient/" + std::string(kBudi), token)) == 200);
  CHECK_NOTHROW(sim.token(testing::kTanjungClientId, testing::kTanjungSecret));
  const auto s = sim.stats();
  CHECK(s["requests"].GetUint64() == 4);  // the four calls just above
  CHECK(s["resources_total"].GetUint64() == 0);
  // The identifier used before the reset is free again.
  CHECK(status(sim.fhir("POST", "/Encounter", token, sample("Encounter", "Z-1"))) == 201);
}

TEST_CASE("unknown _sim paths are 404, wrong methods 405", "[integration][sim]") {
  SimFixture sim;
  CHECK(status(testing::http("GET", sim.url("/_sim/nothing"))) == 404);
  CHECK(status(testing::http("GET", sim.url("/_sim/reset"))) == 405);
  CHECK(status(testing::http("DELETE", sim.url("/_sim/faults"))) == 405);
  CHECK(status(testing::http("POST", sim.url("/_sim/stats"))) == 405);
  CHECK(status(testing::http("POST", sim.url("/_sim/resources?type=Encounter"))) == 405);
}

}  // namespace ilp::simtest
