#pragma once
// GET /api/v1/pws and `ilp-gateway pws` (DESIGN.md §9.1): the parameters checked against the
// config, and the report built from the store's facts. Domain results, no HTTP codes.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/pws/report.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::api {

struct PwsRequest {
  pws::Month month;
  std::string facility;                 // empty: every facility
  std::vector<std::string> facilities;  // whose facts are read
  pws::ReportOptions options;
};

struct PwsProblem {
  enum class Kind { kInvalid, kUnknown };  // the API answers 400 / 404
  Kind kind = Kind::kInvalid;
  std::string parameter;  // month, facility or village
  mappers::Text text;
};

// `month` (required, YYYY-MM, not after the current month), `facility` (a configured key),
// `village` (10 digits, one the config knows: a location's or a targets.csv row's). The current
// month is the facility's; without one, the month at UTC+09:00 (WIT), the first Indonesian
// zone to enter a month, so no month that has begun anywhere is called future.
std::variant<PwsRequest, PwsProblem> parse_pws_request(
    const std::map<std::string, std::string>& query, const config::Config& cfg,
    std::int64_t now_ms);

pws::Report build_pws_report(const PwsRequest& req, const config::Config& cfg,
                             const std::vector<pws::FactRow>& rows);

}  // namespace ilp::gateway::api
