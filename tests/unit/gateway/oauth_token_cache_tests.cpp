#include <spdlog/sinks/ostream_sink.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "delivery_fakes.hpp"
#include "gateway/delivery/token_cache.hpp"
#include "gateway/util/log.hpp"

using namespace ilp::gateway;
using namespace ilp::gateway::delivery;
using namespace ilp::gateway::delivery::testing;

namespace {

struct Fixture : PlatformStack {
  TokenResult get() { return run(ioc, tokens.get(cfg->platform, cfg->facilities[0])); }
  int token_requests() { return count_sent(*transport.state(), &SentRequest::is_token); }
};

}  // namespace

TEST_CASE("token response with string numbers is parsed", "[unit]") {
  const auto r = parse_token_response(token_body("abc", "1671109805593", "3599"));
  REQUIRE(r);
  CHECK(r->access_token == "abc");
  CHECK(r->issued_at_ms == 1'671'109'805'593);
  CHECK(r->expires_in_s == 3599);
}

TEST_CASE("token response with JSON numbers and issued_at in seconds is parsed", "[unit]") {
  const auto r =
      parse_token_response(R"({"access_token":"x","expires_in":14399,"issued_at":1671109805})");
  REQUIRE(r);
  CHECK(r->expires_in_s == 14399);
  CHECK(r->issued_at_ms == 1'671'109'805'000);
  CHECK_FALSE(parse_token_response(R"({"token_type":"BearerToken"})"));
  CHECK_FALSE(parse_token_response("Gateway Timeout"));
}

TEST_CASE("token request has SATUSEHAT's exact form", "[unit]") {
  Fixture f;
  f.cfg->facilities[0].client_secret = "a&b=c d";
  f.platform->client_secret = "a&b=c d";
  REQUIRE(f.get().ok());
  const auto reqs = sent(*f.transport.state());
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/oauth2/v1/accesstoken?grant_type=client_credentials");
  CHECK(reqs[0].content_type == "application/x-www-form-urlencoded");
  CHECK(reqs[0].body == "client_id=cid-a&client_secret=a%26b%3Dc%20d");
}

TEST_CASE("token is cached and refreshed before expiry", "[unit]") {
  Fixture f;
  f.platform->token_issued_at_ms = f.clock.now_ms();
  const auto first = f.get();
  REQUIRE(first.ok());
  // issued_at + expires_in − margin (300 s)
  CHECK(first.token->expires_at_ms == f.clock.now_ms() + (3599 - 300) * 1000);
  f.clock.advance_ms((3599 - 300) * 1000 - 1);
  CHECK(f.get().token->value == "tok-1");
  CHECK(f.token_requests() == 1);
  f.clock.advance_ms(1);
  CHECK(f.get().token->value == "tok-2");
  CHECK(f.token_requests() == 2);
}

TEST_CASE("token expiry is computed from the platform's issued_at", "[unit]") {
  Fixture f;
  f.platform->token_issued_at_ms = f.clock.now_ms() - 30'000;  // issued 30 s before we asked
  const auto t = f.get();
  CHECK(t.token->expires_at_ms == f.platform->token_issued_at_ms + (3599 - 300) * 1000);
}

TEST_CASE("issued_at far from the local clock falls back to the time of the request", "[unit]") {
  Fixture f;
  f.platform->token_issued_at_ms = f.clock.now_ms() - 2 * 3'600'000;  // clock 2 h apart
  const auto t = f.get();
  CHECK(t.token->expires_at_ms == f.clock.now_ms() + (3599 - 300) * 1000);
  CHECK(f.metrics.render().find("ilp_clock_skew_detected_total{facility=\"pkm-a\"} 1") !=
        std::string::npos);
}

TEST_CASE("a short-lived token is not refreshed on every call", "[unit]") {
  Fixture f;
  f.platform->token_ttl_s = 5;  // the margin (300 s) shrinks to half the lifetime
  CHECK(f.get().token->expires_at_ms == f.clock.now_ms() + 2'500);
  f.get();
  CHECK(f.token_requests() == 1);
}

TEST_CASE("concurrent callers for one facility share one token request", "[unit]") {
  Fixture f;
  std::vector<TokenResult> results;
  for (int i = 0; i < 25; ++i) {
    net::co_spawn(f.ioc, f.tokens.get(f.cfg->platform, f.cfg->facilities[0]),
                  [&](std::exception_ptr, TokenResult r) { results.push_back(std::move(r)); });
  }
  f.ioc.run();
  REQUIRE(results.size() == 25);
  CHECK(f.token_requests() == 1);
  for (const auto& r : results) CHECK(r.token->value == "tok-1");
}

TEST_CASE("failed login: no new token request within the back-off, and a clear error", "[unit]") {
  Fixture f;
  f.platform->client_secret = "rotated";
  const auto start = f.clock.now_ms();
  const auto r = f.get();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error.kind == TokenError::Kind::kRefused);
  CHECK(r.error.http_status == 401);
  CHECK(r.error.retry_at_ms == start + 60'000);
  CHECK(r.error.text.id.find("menolak login fasilitas pkm-a") != std::string::npos);
  CHECK(r.error.text.en.find("facilities.yaml") != std::string::npos);
  CHECK(r.error.platform.issues.size() == 1);  // the token endpoint's OperationOutcome

  f.clock.advance_ms(59'999);
  const auto again = f.get();
  CHECK(again.error.kind == TokenError::Kind::kRefused);
  CHECK(f.token_requests() == 1);  // SATUSEHAT allows one login per minute after a failure

  f.clock.advance_ms(1);
  f.platform->client_secret = "s3cret";
  CHECK(f.get().ok());
  CHECK(f.token_requests() == 2);
  CHECK(f.metrics.render().find(
            "ilp_token_requests_total{facility=\"pkm-a\",outcome=\"refused\"} 1") !=
        std::string::npos);
}

TEST_CASE("SATUSEHAT's login rate-limit text blocks logins for the back-off", "[unit]") {
  Fixture f;
  f.transport.state()->script = [](const SentRequest&) {
    return respond(400, outcome_body("value",
                                     "Authentication temporarily cannot be performed due to the "
                                     "rate limit policy. Rate limit: 1 request per minute after "
                                     "a failed attempt."));
  };
  const auto r = f.get();
  CHECK(r.error.kind == TokenError::Kind::kRateLimited);
  CHECK(r.error.retry_at_ms >= f.clock.now_ms() + 60'000);
  f.clock.advance_ms(30'000);
  f.get();
  CHECK(f.token_requests() == 1);
}

TEST_CASE("token endpoint 5xx is transient and held back briefly, doubling", "[unit]") {
  Fixture f;
  f.transport.state()->script = [](const SentRequest&) {
    return respond(503, "Gateway Timeout", "text/plain");
  };
  const auto r = f.get();
  CHECK(r.error.kind == TokenError::Kind::kTransient);
  CHECK_FALSE(r.error.auth_failure());
  CHECK(r.error.retry_at_ms == f.clock.now_ms() + 1'000);
  f.get();  // held: no request
  CHECK(f.token_requests() == 1);
  f.clock.advance_ms(1'000);
  CHECK(f.get().error.retry_at_ms == f.clock.now_ms() + 2'000);
  CHECK(f.token_requests() == 2);
}

TEST_CASE("invalidate drops only the token the platform refused", "[unit]") {
  Fixture f;
  REQUIRE(f.get().token->value == "tok-1");
  f.tokens.invalidate("pkm-a", "tok-0");  // a stale token another request used
  CHECK(f.get().token->value == "tok-1");
  f.tokens.invalidate("pkm-a", "tok-1");
  CHECK(f.get().token->value == "tok-2");
  CHECK(f.token_requests() == 2);
}

TEST_CASE("new credentials after a reload get a new token", "[unit]") {
  Fixture f;
  REQUIRE(f.get().ok());
  f.cfg->facilities[0].client_secret = "new-secret";
  f.platform->client_secret = "new-secret";
  CHECK(f.get().token->value == "tok-2");
}

TEST_CASE("client secrets and tokens never reach the logs", "[unit]") {
  Fixture f;
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto log = logger("oauth");
  const auto level = log->level();
  log->sinks().push_back(sink);
  log->set_level(spdlog::level::trace);
  REQUIRE(f.get().ok());
  f.tokens.invalidate("pkm-a");
  f.platform->client_secret = "other";
  REQUIRE_FALSE(f.get().ok());
  log->sinks().pop_back();
  log->set_level(level);
  CHECK(out.str().find("pkm-a") != std::string::npos);  // it did log
  CHECK(out.str().find("s3cret") == std::string::npos);
  CHECK(out.str().find("tok-1") == std::string::npos);
}
