#pragma once
// What the simulator received, for assertions (GET /_sim/stats). Requests to /_sim/* are not
// counted. Not thread-safe (simulator thread only).

#include <cstdint>
#include <map>
#include <string>

namespace ilp::sim {

class Stats {
 public:
  // `endpoint` is "METHOD /path" with ids collapsed ("GET /fhir-r4/v1/Patient/{id}").
  void record(const std::string& endpoint, unsigned status);

  std::uint64_t token_requests = 0;
  std::uint64_t tokens_issued = 0;
  std::uint64_t auth_failures = 0;
  std::uint64_t auth_rate_limited = 0;
  std::uint64_t bundles_accepted = 0;
  std::uint64_t bundles_rejected = 0;
  std::uint64_t dropped_connections = 0;
  std::uint64_t injected_errors = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t outage_rejections = 0;

  void reset() { *this = Stats(); }
  // `resources` = stored (non-seed) resources per type, supplied by the store.
  std::string to_json(const std::map<std::string, std::size_t>& resources) const;

 private:
  struct Endpoint {
    std::uint64_t total = 0;
    std::map<unsigned, std::uint64_t> by_status;
  };
  std::map<std::string, Endpoint> endpoints_;
  std::map<unsigned, std::uint64_t> by_status_;
  std::uint64_t requests_ = 0;
};

}  // namespace ilp::sim
