#include "tests/simulator/fault_injector.hpp"

#include <cmath>
#include <random>

namespace ilp::sim {

void FaultInjector::replace(const Faults& f) {
  faults_ = f;
  fhir_requests_ = 0;
  outage_until_ms_ =
      f.outage_for_s
          ? clock_.now_ms() + static_cast<std::int64_t>(std::llround(*f.outage_for_s * 1000))
          : 0;
}

std::int64_t FaultInjector::outage_remaining_ms() const {
  const auto left = outage_until_ms_ - clock_.now_ms();
  return left > 0 ? left : 0;
}

bool FaultInjector::rate_limited() {
  if (!faults_.rate_limit_every) return false;
  ++fhir_requests_;
  return fhir_requests_ % static_cast<std::uint64_t>(*faults_.rate_limit_every) == 0;
}

bool FaultInjector::chance(const std::optional<double>& rate) {
  if (!rate || *rate <= 0.0) return false;
  if (*rate >= 1.0) return true;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < *rate;
}

std::optional<int> FaultInjector::injected_error() {
  if (!chance(faults_.error_rate)) return std::nullopt;
  return faults_.status_for_errors();
}

bool FaultInjector::drop_after_process() { return chance(faults_.drop_after_process_rate); }

}  // namespace ilp::sim
