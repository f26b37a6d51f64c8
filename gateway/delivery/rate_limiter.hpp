#pragma once
// Per-facility request rate towards the platform (platform.rate_limit_per_min, DESIGN.md §7):
// one TokenBucket per facility, awaited before every platform request (token requests
// included). Runs on the delivery thread only.

#include <functional>
#include <map>
#include <string>

#include "gateway/delivery/coro.hpp"
#include "gateway/delivery/token_bucket.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::delivery {

class RateLimiter {
 public:
  // `share`: how many instances send for the same facilities (store::Store::instances()); each
  // keeps to per_minute / share, so together they stay within the platform's limit.
  RateLimiter(const Clock& clock, Metrics& metrics, std::function<int()> share = {});

  // Returns when `facility` may send one more request at its share of `per_minute` (≤ 0: at
  // once). The wait is a real timer; the bucket's arithmetic uses the injected clock.
  net::awaitable<void> acquire(const std::string& facility, int per_minute);

 private:
  const Clock& clock_;
  Metrics& metrics_;
  std::function<int()> share_;
  std::map<std::string, TokenBucket> buckets_;
};

}  // namespace ilp::gateway::delivery
