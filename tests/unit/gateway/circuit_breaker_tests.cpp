// The circuit breaker's states on simulated time (issue 7, flow control).
#include <catch2/catch.hpp>

#include "gateway/delivery/circuit_breaker.hpp"

using ilp::gateway::delivery::CircuitBreaker;
using State = CircuitBreaker::State;

namespace {
const CircuitBreaker::Options kOpts{3, 1'000, 8'000};
const std::string kHost = "platform.test:443";
}  // namespace

TEST_CASE("the circuit opens after the configured failures in a row, not before", "[unit]") {
  CircuitBreaker b;
  std::int64_t t = 0;
  for (int i = 0; i < 2; ++i) {
    REQUIRE_FALSE(b.check(kHost, t));
    b.record(kHost, false, t, kOpts);
  }
  b.record(kHost, true, t, kOpts);  // a healthy answer resets the count
  for (int i = 0; i < 2; ++i) b.record(kHost, false, t, kOpts);
  CHECK(b.state(kHost) == State::kClosed);
  b.record(kHost, false, t, kOpts);
  CHECK(b.state(kHost) == State::kOpen);
  CHECK(b.check(kHost, t + 500) == std::optional<std::int64_t>(1'000));
}

TEST_CASE("an open circuit lets exactly one probe through when its time is up", "[unit]") {
  CircuitBreaker b;
  for (int i = 0; i < 3; ++i) b.record(kHost, false, 0, kOpts);
  CHECK_FALSE(b.check(kHost, 1'000));  // the probe
  CHECK(b.state(kHost) == State::kHalfOpen);
  const auto held = b.check(kHost, 1'000);  // everyone else waits for its answer
  REQUIRE(held);
  CHECK(*held > 1'000);
  b.record(kHost, true, 1'200, kOpts);
  CHECK(b.state(kHost) == State::kClosed);
  CHECK_FALSE(b.check(kHost, 1'200));
}

TEST_CASE("a failed probe opens the circuit for twice as long, up to the maximum", "[unit]") {
  CircuitBreaker b;
  for (int i = 0; i < 3; ++i) b.record(kHost, false, 0, kOpts);
  std::int64_t t = 1'000;
  std::int64_t expected_period = 2'000;
  for (int round = 0; round < 4; ++round) {
    REQUIRE_FALSE(b.check(kHost, t));
    b.record(kHost, false, t, kOpts);
    REQUIRE(b.state(kHost) == State::kOpen);
    CHECK(b.check(kHost, t) == std::optional<std::int64_t>(t + expected_period));
    t += expected_period;
    expected_period = std::min<std::int64_t>(expected_period * 2, 8'000);
  }
}

TEST_CASE("hosts have separate circuits", "[unit]") {
  CircuitBreaker b;
  for (int i = 0; i < 3; ++i) b.record(kHost, false, 0, kOpts);
  CHECK(b.state(kHost) == State::kOpen);
  CHECK(b.state("other:443") == State::kClosed);
  CHECK_FALSE(b.check("other:443", 0));
}

TEST_CASE("an abandoned probe lets the next call probe instead of holding the circuit open",
          "[unit]") {
  CircuitBreaker b;
  std::int64_t t = 0;
  for (int i = 0; i < 3; ++i) b.record(kHost, false, t, kOpts);
  REQUIRE(b.state(kHost) == State::kOpen);
  t = 1'000;
  REQUIRE_FALSE(b.check(kHost, t));  // the probe goes
  CHECK(b.check(kHost, t));          // the others wait for it
  b.abandon(kHost);                  // ...which never reports
  CHECK_FALSE(b.check(kHost, t));    // so the next call is the probe
}
