#include "gateway/delivery/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace ilp::gateway::delivery {

double default_burst(int per_minute) { return std::max(1.0, per_minute / 6.0); }

TokenBucket::TokenBucket(double per_minute, double burst, std::int64_t now_ms)
    : per_minute_(per_minute), burst_(std::max(1.0, burst)), tokens_(burst_), last_ms_(now_ms) {}

void TokenBucket::refill(std::int64_t now_ms) {
  // A clock stepping backwards (NTP) must neither mint tokens nor strand reservations.
  if (now_ms > last_ms_) {
    tokens_ =
        std::min(burst_, tokens_ + static_cast<double>(now_ms - last_ms_) * per_minute_ / 60'000.0);
    last_ms_ = now_ms;
  }
}

double TokenBucket::level(std::int64_t now_ms) {
  refill(now_ms);
  return tokens_;
}

std::int64_t TokenBucket::take(std::int64_t now_ms) {
  if (per_minute_ <= 0) return 0;
  refill(now_ms);
  tokens_ -= 1.0;
  if (tokens_ >= 0) return 0;
  return static_cast<std::int64_t>(std::ceil(-tokens_ * 60'000.0 / per_minute_));
}

void TokenBucket::configure(double per_minute, double burst, std::int64_t now_ms) {
  refill(now_ms);
  per_minute_ = per_minute;
  burst_ = std::max(1.0, burst);
  tokens_ = std::min(tokens_, burst_);
}

}  // namespace ilp::gateway::delivery
