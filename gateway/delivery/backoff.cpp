#include "gateway/delivery/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace ilp::gateway::delivery {

Backoff::Uniform make_uniform(std::uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
}

Backoff::Backoff(config::Retry retry, Uniform uniform)
    : retry_(retry), uniform_(std::move(uniform)) {
  retry_.initial_ms = std::max<std::int64_t>(retry_.initial_ms, 1);
  retry_.max_ms = std::max(retry_.max_ms, retry_.initial_ms);
  if (!uniform_) uniform_ = make_uniform(std::random_device{}());
}

double Backoff::uniform() const {
  // A source that misbehaves must not produce negative or runaway delays.
  const double u = uniform_();
  return std::isfinite(u) ? std::clamp(u, 0.0, 1.0) : 0.0;
}

std::int64_t Backoff::cap_ms(int attempt) const {
  std::int64_t cap = retry_.initial_ms;
  for (int i = 1; i < attempt && cap < retry_.max_ms; ++i) cap *= 2;
  return std::min(cap, retry_.max_ms);
}

std::int64_t Backoff::jitter_ms(std::int64_t max_ms) const {
  return max_ms <= 0
             ? 0
             : static_cast<std::int64_t>(std::llround(uniform() * static_cast<double>(max_ms)));
}

std::int64_t Backoff::retry_after_cap_ms() const {
  return std::max(retry_.max_ms, kRetryAfterCapMs);
}

std::int64_t Backoff::delay_ms(int attempt, std::optional<std::int64_t> retry_after_ms) const {
  if (retry_after_ms) {
    const std::int64_t base = std::clamp<std::int64_t>(*retry_after_ms, 0, retry_after_cap_ms());
    // Spread the herd a little, but only later than asked: the platform said "not before".
    return base + jitter_ms(base / 10);
  }
  return jitter_ms(cap_ms(attempt));
}

bool Backoff::too_old(std::int64_t first_accepted_ms, std::int64_t now_ms) const {
  return retry_.max_age_hours > 0 && now_ms - first_accepted_ms >= retry_.max_age_hours * 3'600'000;
}

bool Backoff::gives_up(int attempts, std::int64_t first_accepted_ms, std::int64_t now_ms) const {
  return (retry_.max_attempts > 0 && attempts >= retry_.max_attempts) ||
         too_old(first_accepted_ms, now_ms);
}

}  // namespace ilp::gateway::delivery
