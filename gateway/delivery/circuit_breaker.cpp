#include "gateway/delivery/circuit_breaker.hpp"

#include <algorithm>

#include "gateway/util/log.hpp"

namespace ilp::gateway::delivery {
namespace {

// While a probe is out, the others look again this soon (the probe decides for everyone).
constexpr std::int64_t kProbePendingMs = 1'000;

}  // namespace

std::optional<std::int64_t> CircuitBreaker::check(const std::string& host, std::int64_t now_ms) {
  auto& h = hosts_[host];
  switch (h.state) {
    case State::kClosed:
      return std::nullopt;
    case State::kOpen:
      if (now_ms < h.open_until_ms) return h.open_until_ms;
      h.state = State::kHalfOpen;
      h.probing = false;
      [[fallthrough]];
    case State::kHalfOpen:
      if (h.probing) return now_ms + kProbePendingMs;
      h.probing = true;
      publish(host, h);
      return std::nullopt;
  }
  return std::nullopt;
}

void CircuitBreaker::record(const std::string& host, bool healthy, std::int64_t now_ms,
                            const Options& o) {
  auto& h = hosts_[host];
  if (healthy) {
    if (h.state != State::kClosed) {
      logger("delivery")->info("platform {} answers again; sending resumes", host);
    }
    h = Host{};
    publish(host, h);
    return;
  }
  if (h.state == State::kHalfOpen) {
    open(host, h, now_ms, std::min(std::max(h.open_ms, o.open_ms) * 2, o.max_open_ms));
    return;
  }
  if (h.state == State::kClosed && ++h.failures >= o.failures_to_open) {
    open(host, h, now_ms, o.open_ms);
  }
}

void CircuitBreaker::abandon(const std::string& host) {
  const auto it = hosts_.find(host);
  if (it != hosts_.end() && it->second.state == State::kHalfOpen) it->second.probing = false;
}

void CircuitBreaker::open(const std::string& host, Host& h, std::int64_t now_ms,
                          std::int64_t period_ms) {
  h.state = State::kOpen;
  h.open_ms = period_ms;
  h.open_until_ms = now_ms + period_ms;
  h.probing = false;
  logger("delivery")
      ->warn("platform {} is not answering; sending paused, next probe in {} s", host,
             period_ms / 1000);
  publish(host, h);
}

void CircuitBreaker::publish(const std::string& host, const Host& h) {
  if (metrics_ == nullptr) return;
  metrics_
      ->gauge("ilp_platform_circuit_open",
              "1 while calls to the platform are paused after repeated failures", {{"host", host}})
      .set(h.state == State::kClosed ? 0.0 : 1.0);
}

CircuitBreaker::State CircuitBreaker::state(const std::string& host) const {
  const auto it = hosts_.find(host);
  return it == hosts_.end() ? State::kClosed : it->second.state;
}

}  // namespace ilp::gateway::delivery
