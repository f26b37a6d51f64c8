#include <catch2/catch.hpp>

#include "delivery_fakes.hpp"
#include "gateway/delivery/platform.hpp"
#include "gateway/delivery/platform_response.hpp"

using namespace ilp::gateway;
using namespace ilp::gateway::delivery;
using namespace ilp::gateway::delivery::testing;

namespace {

struct Fixture : PlatformStack {
  CallContext ctx{*cfg, cfg->facilities[0]};
};

}  // namespace

TEST_CASE("search by NIK sends GET {fhir}/Patient?identifier=system|value with a bearer token",
          "[unit]") {
  Fixture f;
  f.platform->known["https://fhir.kemkes.go.id/id/nik|3201010101010001"] = {"P001"};
  const auto reply = run(f.ioc, f.fhir.search(f.ctx, "Patient", "https://fhir.kemkes.go.id/id/nik",
                                              "3201010101010001"));
  REQUIRE(reply.sent());
  CHECK(reply.http.response.result_int() == 200);
  const auto reqs = sent(*f.transport.state());
  REQUIRE(reqs.size() == 2);  // token, then the search
  CHECK(reqs[1].method == "GET");
  CHECK(reqs[1].target ==
        "/fhir-r4/v1/Patient?identifier=https%3A%2F%2Ffhir.kemkes.go.id%2Fid%2Fnik|"
        "3201010101010001");
  CHECK(reqs[1].authorization == "Bearer tok-1");
}

TEST_CASE("a transaction is POSTed to the FHIR base as application/json", "[unit]") {
  Fixture f;
  const auto reply = run(f.ioc, f.fhir.transaction(f.ctx, test_bundle()));
  REQUIRE(reply.sent());
  const auto reqs = sent(*f.transport.state());
  CHECK(reqs.back().method == "POST");
  CHECK(reqs.back().target == "/fhir-r4/v1");
  CHECK(reqs.back().content_type == "application/json");
  CHECK(reqs.back().body == test_bundle());
}

TEST_CASE("401 invalid-access-token: exactly one token refresh and one retry", "[unit]") {
  Fixture f;
  run(f.ioc, f.fhir.search(f.ctx, "Patient", "s", "v"));  // tok-1 cached
  f.platform->revoked_token = "tok-1";
  const auto reply = run(f.ioc, f.fhir.transaction(f.ctx, test_bundle()));
  CHECK(reply.http.response.result_int() == 200);
  CHECK(reply.token_refreshes == 1);
  CHECK(count_sent(*f.transport.state(), &SentRequest::is_token) == 2);
  CHECK(count_sent(*f.transport.state(), &SentRequest::is_transaction) == 2);
  CHECK(sent(*f.transport.state()).back().authorization == "Bearer tok-2");
}

TEST_CASE("a second 401 is returned to the caller instead of looping", "[unit]") {
  Fixture f;
  f.transport.state()->script = [p = f.platform](const SentRequest& r) {
    if (r.is_token()) return (*p)(r);
    return respond(401, outcome_body("invalid-access-token", "Invalid Access Token."));
  };
  const auto reply = run(f.ioc, f.fhir.transaction(f.ctx, test_bundle()));
  CHECK(reply.http.response.result_int() == 401);
  CHECK(count_sent(*f.transport.state(), &SentRequest::is_transaction) == 2);
  CHECK(count_sent(*f.transport.state(), &SentRequest::is_token) == 2);
}

TEST_CASE("no token means nothing is sent to the FHIR endpoint", "[unit]") {
  Fixture f;
  f.platform->client_secret = "other";
  const auto reply = run(f.ioc, f.fhir.transaction(f.ctx, test_bundle()));
  REQUIRE_FALSE(reply.sent());
  CHECK(reply.token_error->auth_failure());
  CHECK(count_sent(*f.transport.state(), &SentRequest::is_transaction) == 0);
}

TEST_CASE("platform latency is recorded per operation", "[unit]") {
  Fixture f;
  run(f.ioc, f.fhir.transaction(f.ctx, test_bundle()));
  const auto text = f.metrics.render();
  CHECK(text.find("ilp_platform_latency_seconds_count{op=\"transaction\"} 1") != std::string::npos);
  CHECK(text.find("ilp_platform_latency_seconds_count{op=\"token\"} 1") != std::string::npos);
}

TEST_CASE("searchset ids are read with or without total", "[unit]") {
  CHECK(parse_search(searchset("Patient", {"P1"}, true))->front().id == "P1");
  CHECK(parse_search(searchset("Patient", {"P1", "P2"}, false))->size() == 2);
  CHECK(parse_search(R"({"resourceType":"Bundle","type":"searchset","total":0})")->empty());
  CHECK_FALSE(parse_search("Gateway Timeout").has_value());
  // An OperationOutcome entry (search.mode "outcome") is not a match.
  const auto with_outcome =
      R"({"resourceType":"Bundle","type":"searchset","entry":[)"
      R"({"resource":{"resourceType":"OperationOutcome","id":"x"},"search":{"mode":"outcome"}},)"
      R"({"resource":{"resourceType":"Patient","id":"P9","birthDate":"2024-01-02",)"
      R"("name":[{"text":"Bayi Ny. Sari"}]}}]})";
  const auto m = parse_search(with_outcome, "Patient");
  REQUIRE(m->size() == 1);
  CHECK(m->front().id == "P9");
  CHECK(m->front().birth_date == "2024-01-02");
  CHECK(m->front().names == std::vector<std::string>{"Bayi Ny. Sari"});
}

TEST_CASE("transaction-response ids come from location, relative or absolute", "[unit]") {
  const auto body =
      R"({"resourceType":"Bundle","type":"transaction-response","entry":[)"
      R"({"response":{"status":"201 Created","location":"Encounter/e-1/_history/1"}},)"
      R"({"response":{"status":"201","location":"https://h.example/fhir-r4/v1/Condition/c-1/_history/MTY4"}},)"
      R"({"response":{"status":"201","resourceType":"Observation","resourceID":"o-1"}},)"
      R"({"response":{"status":"201"}}]})";
  const auto ids = parse_transaction_response(body);
  REQUIRE(ids->size() == 4);
  CHECK((*ids)[0].type == "Encounter");
  CHECK((*ids)[0].id == "e-1");
  CHECK((*ids)[1].type == "Condition");
  CHECK((*ids)[1].id == "c-1");
  CHECK((*ids)[2].id == "o-1");  // SATUSEHAT's resourceID extra as the fallback
  CHECK((*ids)[3].id.empty());
  CHECK_FALSE(parse_transaction_response("<html/>").has_value());
}

TEST_CASE("locations without a history suffix and odd locations", "[unit]") {
  CHECK(parse_location("Patient/P1")->id == "P1");
  CHECK(parse_location("http://x/fhir/Encounter/abc/")->id == "abc");
  CHECK_FALSE(parse_location("abc").has_value());
  CHECK_FALSE(parse_location("/fhir/123").has_value());
}

namespace {
// The platform with a circuit breaker on simulated time.
struct GuardedFixture : PlatformStack {
  CircuitBreaker breaker;
  Platform guarded{transport, tokens, limiter, metrics, &breaker, &clock};
  CallContext ctx{*cfg, cfg->facilities[0]};
  GuardedFixture() {
    cfg->platform.circuit_failures = 1;
    cfg->platform.circuit_open_ms = 1'000;
    cfg->platform.token_margin_s = 300;
    platform->token_ttl_s = 400;  // a token is good for 100 s of simulated time
  }
};
}  // namespace

TEST_CASE(
    "a half-open probe that fails at login reopens the circuit, the platform's return "
    "closes it",
    "[unit][circuit]") {
  GuardedFixture f;
  REQUIRE(run(f.ioc, f.guarded.transaction(f.ctx, test_bundle())).sent());  // a token, cached
  bool outage = true;
  f.transport.state()->script = [p = f.platform, &outage](const SentRequest& r) {
    return outage ? network_error(false) : (*p)(r);
  };
  // The outage opens the circuit; meanwhile the token expires.
  CHECK(run(f.ioc, f.guarded.transaction(f.ctx, test_bundle())).sent());
  REQUIRE(f.breaker.state("platform.test:80") == CircuitBreaker::State::kOpen);
  f.clock.advance_ms(200'000);
  // The probe needs a new token and the login fails: that must settle the probe.
  const auto probe = run(f.ioc, f.guarded.transaction(f.ctx, test_bundle()));
  REQUIRE(probe.token_error);
  CHECK(f.breaker.state("platform.test:80") == CircuitBreaker::State::kOpen);
  // The platform comes back: after the (doubled) open period and the login hold-off, the
  // next call probes, succeeds, and the circuit closes.
  outage = false;
  f.clock.advance_ms(10 * 60'000);
  const auto after = run(f.ioc, f.guarded.transaction(f.ctx, test_bundle()));
  REQUIRE(after.sent());
  CHECK(after.http.response.result_int() == 200);
  CHECK(f.breaker.state("platform.test:80") == CircuitBreaker::State::kClosed);
}

TEST_CASE("a call that throws after the breaker let it through releases the probe",
          "[unit][circuit]") {
  GuardedFixture f;
  f.transport.state()->script = [](const SentRequest&) -> http::ClientResult {
    return network_error(false);
  };
  CHECK(run(f.ioc, f.guarded.transaction(f.ctx, test_bundle())).token_error);
  REQUIRE(f.breaker.state("platform.test:80") == CircuitBreaker::State::kOpen);
  f.clock.advance_ms(120'000);
  f.transport.state()->script = [](const SentRequest&) -> http::ClientResult {
    throw std::runtime_error("a bug below the platform client");
  };
  CHECK_THROWS(run(f.ioc, f.guarded.transaction(f.ctx, test_bundle())));
  // The probe did not report; the next call may probe rather than wait forever.
  CHECK_FALSE(f.breaker.check("platform.test:80", f.clock.now_ms()));
}
