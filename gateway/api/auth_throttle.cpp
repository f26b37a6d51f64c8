#include "gateway/api/auth_throttle.hpp"

#include <algorithm>
#include <cmath>

namespace ilp::gateway::api {

namespace {
constexpr double kWindowMs = 60'000;
}

AuthThrottle::Bucket& AuthThrottle::bucket(const std::string& address, std::int64_t now_ms,
                                           int per_min) {
  const double capacity = std::max(per_min, 1);
  auto [it, added] = buckets_.try_emplace(address);
  auto& b = it->second;
  if (added) {
    b.tokens = capacity;
    b.at_ms = now_ms;
    lru_.push_front(address);
    b.order = lru_.begin();
    if (buckets_.size() > max_addresses_) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    return b;
  }
  const double refill =
      static_cast<double>(std::max<std::int64_t>(now_ms - b.at_ms, 0)) * capacity / kWindowMs;
  b.tokens = std::min(capacity, b.tokens + refill);
  b.at_ms = now_ms;
  return b;
}

std::optional<std::int64_t> AuthThrottle::blocked(const std::string& address, std::int64_t now_ms,
                                                  int per_min) {
  std::lock_guard lock(mu_);
  if (!buckets_.contains(address)) return std::nullopt;
  const auto& b = bucket(address, now_ms, per_min);
  if (b.tokens >= 1) return std::nullopt;
  const double ms_per_token = kWindowMs / std::max(per_min, 1);
  return std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil((1 - b.tokens) * ms_per_token / 1000.0)));
}

bool AuthThrottle::failed(const std::string& address, std::int64_t now_ms, int per_min) {
  std::lock_guard lock(mu_);
  auto& b = bucket(address, now_ms, per_min);
  lru_.splice(lru_.begin(), lru_, b.order);
  const bool was_open = b.tokens >= 1;
  b.tokens = std::max(0.0, b.tokens - 1);
  return was_open && b.tokens < 1;
}

}  // namespace ilp::gateway::api
