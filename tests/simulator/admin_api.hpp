#pragma once
// The simulator's own endpoints under /_sim (DESIGN.md §10): the fault set, statistics, what
// was stored, and reset. Never subject to faults, never counted in the statistics.

#include <functional>

#include "gateway/http/server.hpp"
#include "tests/simulator/fault_injector.hpp"
#include "tests/simulator/platform.hpp"
#include "tests/simulator/responses.hpp"

namespace ilp::sim {

inline constexpr std::string_view kAdminPrefix = "/_sim";

class AdminApi {
 public:
  // `apply` installs a new fault set (SimServer also closes the listener for a refuse outage).
  AdminApi(Platform& platform, const FaultInjector& faults,
           std::function<void(const Faults&)> apply)
      : platform_(platform), faults_(faults), apply_(std::move(apply)) {}

  gateway::http::Response handle(const gateway::http::Request& req, const Target& target);

 private:
  gateway::http::Response faults_answer() const;
  gateway::http::Response resources(const gateway::http::Request& req, const Target& target) const;

  Platform& platform_;
  const FaultInjector& faults_;
  std::function<void(const Faults&)> apply_;
};

}  // namespace ilp::sim
