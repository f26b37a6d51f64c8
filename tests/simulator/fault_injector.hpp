#pragma once
// Decides, request by request, which fault of the current set strikes. Owns the counters
// (every-Nth rate limit) and the outage deadline; draws from the simulator's one seeded
// generator so `--seed-random` reproduces a run. Not thread-safe (simulator thread only).

#include <chrono>
#include <cstdint>
#include <optional>

#include "gateway/util/clock.hpp"
#include "tests/simulator/faults.hpp"
#include "tests/simulator/id_generator.hpp"

namespace ilp::sim {

class FaultInjector {
 public:
  FaultInjector(Rng& rng, const gateway::Clock& clock) : rng_(rng), clock_(clock) {}

  // Replaces the whole set: the outage window (if any) starts now, the Nth-request count
  // restarts.
  void replace(const Faults& f);
  const Faults& faults() const { return faults_; }

  bool outage_active() const { return outage_remaining_ms() > 0; }
  std::int64_t outage_remaining_ms() const;
  std::chrono::milliseconds latency() const {
    return std::chrono::milliseconds(faults_.latency_ms.value_or(0));
  }
  // Counts one FHIR request; true when it is an Nth one and must get 429.
  bool rate_limited();
  // The status of an injected error for this request, if one strikes.
  std::optional<int> injected_error();
  // True when this request's answer must be dropped after processing.
  bool drop_after_process();

 private:
  bool chance(const std::optional<double>& rate);

  Rng& rng_;
  const gateway::Clock& clock_;
  Faults faults_;
  std::int64_t outage_until_ms_ = 0;
  std::uint64_t fhir_requests_ = 0;
};

}  // namespace ilp::sim
