#pragma once
// When to try a record again, and when to stop trying (config `retry`). Pure but for the
// injected random source, so bounds and jitter are unit-tested without time passing.
//
// Policy (docs/delivery.md):
// - cap(n) = min(max_ms, initial_ms × 2^(n−1)) for the n-th failed attempt;
// - the delay is FULL jitter, uniform in [0, cap(n)], so records that failed together (an
//   outage) do not come back together;
// - a Retry-After from the platform wins, even over max_ms: the delay is the Retry-After plus
//   up to 10 % jitter (never earlier than asked), capped at max(1 h, max_ms) so one odd header
//   cannot park the queue for days. The cap is absolute, not a multiple of max_ms: the
//   platform's explicit "not before" must hold even when the backoff is tuned short;
// - give up (status `dead`) after max_attempts attempts or max_age_hours after the record was
//   accepted, whichever comes first; 0 disables either limit.

#include <cstdint>
#include <functional>
#include <optional>

#include "gateway/config/config.hpp"

namespace ilp::gateway::delivery {

class Backoff {
 public:
  // Returns a uniform value in [0, 1). Called on the delivery thread only.
  using Uniform = std::function<double()>;

  // The longest Retry-After honoured as is (unless max_ms is longer still).
  static constexpr std::int64_t kRetryAfterCapMs = 3'600'000;

  // An empty `uniform` uses a private std::mt19937_64 seeded from std::random_device.
  explicit Backoff(config::Retry retry, Uniform uniform = {});

  // Upper bound of the delay after the `attempt`-th failed attempt (attempt ≥ 1).
  std::int64_t cap_ms(int attempt) const;
  // The delay before the next attempt after the `attempt`-th failed attempt.
  std::int64_t delay_ms(int attempt, std::optional<std::int64_t> retry_after_ms = {}) const;
  // Uniform in [0, max_ms]: spreading records that would otherwise come back together.
  std::int64_t jitter_ms(std::int64_t max_ms) const;
  // The longest delay a Retry-After can impose.
  std::int64_t retry_after_cap_ms() const;

  // True when a record that has had `attempts` attempts and was accepted at
  // `first_accepted_ms` must not be tried again.
  bool gives_up(int attempts, std::int64_t first_accepted_ms, std::int64_t now_ms) const;
  // Only the age limit (failures that are not the record's fault do not count as attempts).
  bool too_old(std::int64_t first_accepted_ms, std::int64_t now_ms) const;

  const config::Retry& settings() const { return retry_; }

 private:
  double uniform() const;

  config::Retry retry_;
  Uniform uniform_;
};

// A uniform [0, 1) source from a seeded mt19937_64, for Backoff and tests.
Backoff::Uniform make_uniform(std::uint64_t seed);

}  // namespace ilp::gateway::delivery
