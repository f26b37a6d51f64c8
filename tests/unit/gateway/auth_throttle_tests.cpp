// Failed authentication is throttled per client address (issue 14), on simulated time.
#include <catch2/catch.hpp>

#include "gateway/api/auth_throttle.hpp"

using ilp::gateway::api::AuthThrottle;

TEST_CASE("an address may fail per_min times, the next attempt must wait", "[unit][auth]") {
  AuthThrottle t;
  const std::int64_t now = 1'000'000;
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(t.blocked("10.0.0.1", now, 10));
    CHECK(t.failed("10.0.0.1", now, 10) == (i == 9));  // the tenth failure starts the block
  }
  const auto wait = t.blocked("10.0.0.1", now, 10);
  REQUIRE(wait);
  CHECK(*wait == 6);  // one more try after a tenth of the minute
}

TEST_CASE("a throttled address may try again as its bucket refills", "[unit][auth]") {
  AuthThrottle t;
  std::int64_t now = 0;
  for (int i = 0; i < 10; ++i) t.failed("a", now, 10);
  REQUIRE(t.blocked("a", now + 5'000, 10));
  CHECK_FALSE(t.blocked("a", now + 6'000, 10));
  t.failed("a", now + 6'000, 10);
  CHECK(t.blocked("a", now + 6'000, 10));
  CHECK_FALSE(t.blocked("a", now + 70'000, 10));  // a whole minute later: a full bucket
}

TEST_CASE("one address's failures do not throttle another", "[unit][auth]") {
  AuthThrottle t;
  for (int i = 0; i < 50; ++i) t.failed("a", 0, 10);
  CHECK(t.blocked("a", 0, 10));
  CHECK_FALSE(t.blocked("b", 0, 10));
}

TEST_CASE("the throttle remembers a bounded number of addresses", "[unit][auth]") {
  AuthThrottle t(3);
  for (int i = 0; i < 10; ++i) t.failed("a", 0, 1);
  for (const char* other : {"b", "c", "d"}) t.failed(other, 0, 1);
  // "a" was the least recently failing and is forgotten; the three newest are kept.
  CHECK_FALSE(t.blocked("a", 0, 1));
  CHECK(t.blocked("d", 0, 1));
}
