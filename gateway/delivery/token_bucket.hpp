#pragma once
// A token bucket measured in requests: `per_minute` refill, `burst` capacity. Pure (time is
// passed in), so its arithmetic is tested without waiting.
//
// take() always grants, but may grant in the future: the bucket goes into debt and returns how
// long the caller must wait. Callers therefore leave in the order they asked, and a backlog
// drains at exactly the configured rate without anyone polling.

#include <cstdint>

namespace ilp::gateway::delivery {

class TokenBucket {
 public:
  // per_minute ≤ 0 means unlimited. burst is clamped to at least 1.
  TokenBucket(double per_minute, double burst, std::int64_t now_ms);

  // Reserves one request. Returns the wait in milliseconds before it may be sent (0 = now).
  std::int64_t take(std::int64_t now_ms);
  // Changes rate and burst (config reload), keeping what is already reserved.
  void configure(double per_minute, double burst, std::int64_t now_ms);

  double per_minute() const { return per_minute_; }
  double burst() const { return burst_; }
  // Tokens available at `now_ms` (negative: reserved ahead).
  double level(std::int64_t now_ms);

 private:
  void refill(std::int64_t now_ms);

  double per_minute_;
  double burst_;
  double tokens_;
  std::int64_t last_ms_;
};

// The burst delivery uses for a per-minute limit: ten seconds' worth (300/min → 50), so a
// queue that was idle can start at once but a backlog still drains at the configured rate.
double default_burst(int per_minute);

}  // namespace ilp::gateway::delivery
