#pragma once
// GET /admin/overview: what the console's first page shows, in one document, so the browser
// never parses /metrics: records by status and facility (each cell a link to that list), the
// oldest pending record, the delivery ETA, the platform circuit and each facility's token.

#include <cstdint>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/store/store.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::api {

// Circuit and token state come from the delivery's gauges (ilp_platform_circuit_open,
// ilp_token_ok): they are the delivery thread's, and Metrics is the thread-safe copy of them.
std::string overview_json(const store::Stats& s, const config::Config& cfg, Metrics& metrics,
                          std::int64_t now_ms);

}  // namespace ilp::gateway::api
