#include "tests/simulator/stats.hpp"

#include <rapidjson/document.h>

#include "mappers/json.hpp"

namespace ilp::sim {

void Stats::record(const std::string& endpoint, unsigned status) {
  auto& e = endpoints_[endpoint];
  e.total++;
  e.by_status[status]++;
  by_status_[status]++;
  requests_++;
}

std::string Stats::to_json(const std::map<std::string, std::size_t>& resources) const {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto key = [&](const std::string& s) { return rapidjson::Value(s.c_str(), a); };
  auto statuses = [&](const std::map<unsigned, std::uint64_t>& m) {
    rapidjson::Value v(rapidjson::kObjectType);
    for (const auto& [status, n] : m)
      v.AddMember(key(std::to_string(status)), rapidjson::Value(n), a);
    return v;
  };
  d.AddMember("requests", requests_, a);
  d.AddMember("status", statuses(by_status_), a);
  rapidjson::Value eps(rapidjson::kObjectType);
  for (const auto& [name, e] : endpoints_) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("total", rapidjson::Value(e.total), a);
    v.AddMember("status", statuses(e.by_status), a);
    eps.AddMember(key(name), v, a);
  }
  d.AddMember("endpoints", eps, a);
  d.AddMember("token_requests", token_requests, a);
  d.AddMember("tokens_issued", tokens_issued, a);
  d.AddMember("auth_failures", auth_failures, a);
  d.AddMember("auth_rate_limited", auth_rate_limited, a);
  d.AddMember("bundles_accepted", bundles_accepted, a);
  d.AddMember("bundles_rejected", bundles_rejected, a);
  rapidjson::Value res(rapidjson::kObjectType);
  std::uint64_t total = 0;
  for (const auto& [type, n] : resources) {
    res.AddMember(key(type), rapidjson::Value(static_cast<std::uint64_t>(n)), a);
    total += n;
  }
  d.AddMember("resources", res, a);
  d.AddMember("resources_total", total, a);
  d.AddMember("dropped_connections", dropped_connections, a);
  rapidjson::Value faults(rapidjson::kObjectType);
  faults.AddMember("injected_errors", injected_errors, a);
  faults.AddMember("rate_limited", rate_limited, a);
  faults.AddMember("outage_rejections", outage_rejections, a);
  d.AddMember("faults", faults, a);
  return mappers::to_json(d);
}

}  // namespace ilp::sim
