#include "gateway/delivery/rate_limiter.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace ilp::gateway::delivery {

RateLimiter::RateLimiter(const Clock& clock, Metrics& metrics, std::function<int()> share)
    : clock_(clock), metrics_(metrics), share_(std::move(share)) {}

net::awaitable<void> RateLimiter::acquire(const std::string& facility, int limit_per_minute) {
  if (limit_per_minute <= 0) co_return;
  const int instances = share_ ? std::max(1, share_()) : 1;
  // At least one request a minute each, so that no instance stands still.
  const int per_minute = std::max(1, limit_per_minute / instances);
  const auto now = clock_.now_ms();
  const double burst = default_burst(per_minute);
  auto it = buckets_.find(facility);
  if (it == buckets_.end()) {
    it = buckets_.emplace(facility, TokenBucket(per_minute, burst, now)).first;
  } else if (it->second.per_minute() != per_minute) {
    it->second.configure(per_minute, burst, now);
  }
  const auto wait_ms = it->second.take(now);
  if (wait_ms <= 0) co_return;
  // Degraded mode (throttled by our own limit) gets a stat, per STYLE.md.
  metrics_
      .counter("ilp_rate_limit_waits_total",
               "Platform requests delayed by the per-facility rate limit", {{"facility", facility}})
      .inc();
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(wait_ms));
  boost::system::error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

}  // namespace ilp::gateway::delivery
