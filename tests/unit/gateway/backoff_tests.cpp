#include <catch2/catch.hpp>

#include "gateway/delivery/backoff.hpp"
#include "gateway/delivery/token_bucket.hpp"

using namespace ilp::gateway;
using namespace ilp::gateway::delivery;

namespace {
config::Retry retry_settings() {
  config::Retry r;
  r.initial_ms = 1'000;
  r.max_ms = 600'000;
  r.max_attempts = 50;
  r.max_age_hours = 168;
  return r;
}
Backoff::Uniform fixed(double u) {
  return [u] { return u; };
}
}  // namespace

TEST_CASE("backoff cap doubles from initial_ms up to max_ms", "[unit]") {
  const Backoff b(retry_settings(), fixed(0.5));
  CHECK(b.cap_ms(1) == 1'000);
  CHECK(b.cap_ms(2) == 2'000);
  CHECK(b.cap_ms(3) == 4'000);
  CHECK(b.cap_ms(10) == 512'000);
  CHECK(b.cap_ms(11) == 600'000);
  CHECK(b.cap_ms(1000) == 600'000);  // no overflow however many attempts
}

TEST_CASE("backoff uses full jitter between 0 and the cap", "[unit]") {
  CHECK(Backoff(retry_settings(), fixed(0.0)).delay_ms(5) == 0);
  CHECK(Backoff(retry_settings(), fixed(0.5)).delay_ms(5) == 8'000);
  CHECK(Backoff(retry_settings(), fixed(0.999999)).delay_ms(5) == 16'000);
  const Backoff random(retry_settings(), make_uniform(42));
  std::int64_t lo = INT64_MAX, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto d = random.delay_ms(4);
    CHECK(d >= 0);
    CHECK(d <= 8'000);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(lo < 800);  // spread over the whole range, not clustered
  CHECK(hi > 7'200);
}

TEST_CASE("a random source out of range cannot produce negative or runaway delays", "[unit]") {
  CHECK(Backoff(retry_settings(), fixed(-3.0)).delay_ms(3) == 0);
  CHECK(Backoff(retry_settings(), fixed(7.0)).delay_ms(3) == 4'000);
}

TEST_CASE("Retry-After wins over the exponential delay, never earlier than asked", "[unit]") {
  const Backoff none(retry_settings(), fixed(0.0));
  CHECK(none.delay_ms(1, 30'000) == 30'000);  // attempt 1 alone would allow ≤ 1 s
  const Backoff most(retry_settings(), fixed(0.999999));
  CHECK(most.delay_ms(1, 30'000) == 33'000);  // plus at most 10 % jitter
  CHECK(none.delay_ms(20, 0) == 0);           // "Retry-After: 0" means now
}

TEST_CASE("Retry-After is capped at one hour, or max_ms when that is longer", "[unit]") {
  const Backoff b(retry_settings(), fixed(0.0));
  CHECK(b.retry_after_cap_ms() == 3'600'000);
  CHECK(b.delay_ms(1, 86'400'000) == 3'600'000);
  auto long_max = retry_settings();
  long_max.max_ms = 7'200'000;
  CHECK(Backoff(long_max, fixed(0.0)).delay_ms(1, 86'400'000) == 7'200'000);
}

TEST_CASE("Retry-After holds even when the backoff is tuned shorter", "[unit]") {
  auto fast = retry_settings();
  fast.initial_ms = 50;
  fast.max_ms = 100;
  CHECK(Backoff(fast, fixed(0.0)).delay_ms(1, 2'000) == 2'000);
}

TEST_CASE("backoff gives up after max_attempts or max_age_hours", "[unit]") {
  const Backoff b(retry_settings(), fixed(0.5));
  const std::int64_t accepted = 1'700'000'000'000;
  CHECK_FALSE(b.gives_up(49, accepted, accepted + 1000));
  CHECK(b.gives_up(50, accepted, accepted + 1000));
  CHECK_FALSE(b.gives_up(3, accepted, accepted + 167 * 3'600'000LL));
  CHECK(b.gives_up(3, accepted, accepted + 168 * 3'600'000LL));
  CHECK(b.too_old(accepted, accepted + 168 * 3'600'000LL));
}

TEST_CASE("zero max_attempts and max_age_hours disable giving up", "[unit]") {
  auto r = retry_settings();
  r.max_attempts = 0;
  r.max_age_hours = 0;
  const Backoff b(r, fixed(0.5));
  CHECK_FALSE(b.gives_up(100'000, 0, 1'700'000'000'000));
}

TEST_CASE("token bucket allows a burst then the configured rate", "[unit]") {
  TokenBucket bucket(300, default_burst(300), 0);  // 5/s, burst 50
  CHECK(default_burst(300) == 50.0);
  for (int i = 0; i < 50; ++i) CHECK(bucket.take(0) == 0);
  CHECK(bucket.take(0) == 200);    // the 51st waits one token (200 ms)
  CHECK(bucket.take(0) == 400);    // and callers queue behind it
  CHECK(bucket.take(1'000) == 0);  // 5 refilled in a second, 2 were owed: 3 left, take one
  CHECK(bucket.level(1'000) == Approx(2.0));
}

TEST_CASE("token bucket debt drains at the configured rate", "[unit]") {
  TokenBucket bucket(60, 1, 0);  // 1 per second, burst 1
  CHECK(bucket.take(0) == 0);
  CHECK(bucket.take(0) == 1'000);
  CHECK(bucket.take(0) == 2'000);
  CHECK(bucket.take(3'000) == 0);  // the two reservations were used at 1 s and 2 s
  CHECK(bucket.level(3'000) == Approx(0.0).margin(1e-9));
}

TEST_CASE("a rate of zero means no limit", "[unit]") {
  TokenBucket bucket(0, 1, 0);
  for (int i = 0; i < 1000; ++i) CHECK(bucket.take(0) == 0);
}
