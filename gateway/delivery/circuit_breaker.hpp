#pragma once
// A circuit breaker per platform host (DESIGN.md §7: "an outage costs probes, not a storm").
//
// closed    every call goes; `failures_to_open` unhealthy answers in a row open it.
// open      no call goes until `open_until`; the records wait (not counted as attempts).
// half-open one call (the probe) goes; healthy → closed, unhealthy → open again for twice as
//           long (up to `max_open_ms`), so a long outage is probed less and less often.
//
// Unhealthy = no answer (connection refused/reset, TLS, timeout), 5xx or 408. A 429 or any 4xx is
// the platform answering, so it does not count. Runs on the delivery thread only.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "gateway/util/metrics.hpp"

namespace ilp::gateway::delivery {

class CircuitBreaker {
 public:
  struct Options {
    int failures_to_open = 5;
    std::int64_t open_ms = 30'000;
    std::int64_t max_open_ms = 300'000;
  };
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(Metrics* metrics = nullptr) : metrics_(metrics) {}

  // nullopt: the call may go (closed, or this is the half-open probe). Otherwise the time until
  // which calls to `host` are held back.
  std::optional<std::int64_t> check(const std::string& host, std::int64_t now_ms);
  // The outcome of a call that went.
  void record(const std::string& host, bool healthy, std::int64_t now_ms, const Options& o);
  // A call that went ended without an outcome (an exception, a path that learned nothing of
  // the platform): if it was the half-open probe, the next call probes instead. Without this a
  // probe that never reports would hold the circuit open until a restart.
  void abandon(const std::string& host);

  State state(const std::string& host) const;

 private:
  struct Host {
    State state = State::kClosed;
    int failures = 0;
    std::int64_t open_until_ms = 0;
    std::int64_t open_ms = 0;  // current open period (doubles after a failed probe)
    bool probing = false;
  };
  void open(const std::string& host, Host& h, std::int64_t now_ms, std::int64_t period_ms);
  void publish(const std::string& host, const Host& h);

  std::map<std::string, Host> hosts_;
  Metrics* metrics_;
};

}  // namespace ilp::gateway::delivery
