#include "gateway/api/overview_json.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <map>

#include "gateway/api/record_json.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::api {
namespace {

rapidjson::Value str(std::string_view s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

std::string label(const Labels& labels, std::string_view name) {
  for (const auto& [k, v] : labels) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

std::string overview_json(const store::Stats& s, const config::Config& cfg, Metrics& metrics,
                          std::int64_t now_ms) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();

  rapidjson::Value statuses(rapidjson::kArrayType);
  for (auto st : store::kAllStatuses) statuses.PushBack(str(store::to_string(st), a), a);
  d.AddMember("statuses", statuses, a);

  // Every configured facility, then any other the store still holds (removed from config).
  std::vector<std::string> facilities;
  for (const auto& f : cfg.facilities) facilities.push_back(f.info.key);
  std::map<std::pair<std::string, std::string>, std::int64_t> counts;
  for (const auto& r : s.rows) {
    counts[{r.facility, std::string(store::to_string(r.status))}] += r.count;
    if (std::find(facilities.begin(), facilities.end(), r.facility) == facilities.end()) {
      facilities.push_back(r.facility);
    }
  }
  std::vector<std::string> kinds;
  for (const auto& r : s.rows) {
    if (std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end()) kinds.push_back(r.kind);
  }
  std::sort(kinds.begin(), kinds.end());
  rapidjson::Value kind_list(rapidjson::kArrayType);
  for (const auto& k : kinds) kind_list.PushBack(str(k, a), a);
  d.AddMember("kinds", kind_list, a);
  rapidjson::Value fac(rapidjson::kArrayType);
  for (const auto& f : facilities) fac.PushBack(str(f, a), a);
  d.AddMember("facilities", fac, a);
  rapidjson::Value cells(rapidjson::kArrayType);
  for (const auto& [key, n] : counts) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("facility", str(key.first, a), a);
    v.AddMember("status", str(key.second, a), a);
    v.AddMember("count", rapidjson::Value(static_cast<std::int64_t>(n)), a);
    cells.PushBack(v, a);
  }
  d.AddMember("counts", cells, a);

  d.AddMember("pending", rapidjson::Value(static_cast<std::int64_t>(s.pending)), a);
  if (s.oldest_pending_ms) {
    d.AddMember("oldest_pending_at", str(iso_utc(*s.oldest_pending_ms), a), a);
    d.AddMember("oldest_pending_age_s",
                rapidjson::Value(static_cast<std::int64_t>((now_ms - *s.oldest_pending_ms) / 1000)),
                a);
  }
  double longest = 0;
  for (const auto& [f, seconds] : drain_eta_s(s, cfg.platform.rate_limit_per_min)) {
    longest = std::max(longest, seconds);
  }
  d.AddMember("eta_s", rapidjson::Value(static_cast<std::int64_t>(longest + 0.5)), a);
  d.AddMember("delivery_enabled", cfg.delivery.enabled, a);

  rapidjson::Value circuit(rapidjson::kArrayType);
  for (const auto& [labels, v] : metrics.series("ilp_platform_circuit_open")) {
    rapidjson::Value c(rapidjson::kObjectType);
    c.AddMember("host", str(label(labels, "host"), a), a);
    c.AddMember("open", v > 0.5, a);
    circuit.PushBack(c, a);
  }
  d.AddMember("circuit", circuit, a);

  std::map<std::string, double> token_ok;
  for (const auto& [labels, v] : metrics.series("ilp_token_ok"))
    token_ok[label(labels, "facility")] = v;
  rapidjson::Value tokens(rapidjson::kArrayType);
  for (const auto& f : cfg.facilities) {
    rapidjson::Value t(rapidjson::kObjectType);
    t.AddMember("facility", str(f.info.key, a), a);
    const auto it = token_ok.find(f.info.key);
    // "unknown": no token asked for yet (nothing sent since start).
    t.AddMember("state",
                str(it == token_ok.end() ? "unknown"
                    : it->second > 0.5   ? "ok"
                                         : "failing",
                    a),
                a);
    tokens.PushBack(t, a);
  }
  d.AddMember("tokens", tokens, a);
  return mappers::to_json(d);
}

}  // namespace ilp::gateway::api
