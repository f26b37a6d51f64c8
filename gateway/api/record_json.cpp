#include "gateway/api/record_json.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "mappers/json.hpp"

namespace ilp::gateway::api {
namespace {

rapidjson::Value str(std::string_view s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

}  // namespace

std::string iso_utc(std::int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()),
                static_cast<long>(hms.subseconds().count()));
  return buf;
}

void write_record(const store::Record& r, bool full, mappers::Lang lang, rapidjson::Value& out,
                  rapidjson::Document::AllocatorType& a) {
  out.SetObject();
  out.AddMember("id", str(r.id, a), a);
  out.AddMember("facility", str(r.facility, a), a);
  out.AddMember("kind", str(r.kind, a), a);
  out.AddMember("record_id", str(r.record_id, a), a);
  out.AddMember("revision", r.revision, a);
  out.AddMember("status", str(store::to_string(r.status), a), a);
  out.AddMember("attempts", r.attempts, a);
  if (r.next_attempt_at_ms) {
    out.AddMember("next_attempt_at", str(iso_utc(*r.next_attempt_at_ms), a), a);
  }
  out.AddMember("accepted_at", str(iso_utc(r.created_ms), a), a);
  out.AddMember("updated_at", str(iso_utc(r.updated_ms), a), a);
  if (!full) return;
  if (!r.last_error.empty()) {
    rapidjson::Value oo;
    mappers::write_outcome(mappers::outcome_from_storage(r.last_error), lang, oo, a);
    out.AddMember("last_error", oo, a);
  }
  rapidjson::Value resources(rapidjson::kArrayType);
  for (const auto& res : r.resources) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("name", str(res.name, a), a);
    v.AddMember("type", str(res.type, a), a);
    v.AddMember("local", str(res.local, a), a);
    if (!res.server_id.empty()) v.AddMember("server_id", str(res.server_id, a), a);
    resources.PushBack(v, a);
  }
  out.AddMember("resources", resources, a);
  rapidjson::Value history(rapidjson::kArrayType);
  for (const auto& h : r.history) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("at", str(iso_utc(h.at_ms), a), a);
    v.AddMember("status", str(store::to_string(h.status), a), a);
    v.AddMember("note", str(h.note, a), a);
    history.PushBack(v, a);
  }
  out.AddMember("history", history, a);
}

std::string record_json(const store::Record& r, mappers::Lang lang) {
  rapidjson::Document d;
  write_record(r, true, lang, d, d.GetAllocator());
  return mappers::to_json(d);
}

std::string page_json(const store::ListPage& page, mappers::Lang lang) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value records(rapidjson::kArrayType);
  for (const auto& r : page.records) {
    rapidjson::Value v;
    write_record(r, false, lang, v, a);
    records.PushBack(v, a);
  }
  d.AddMember("records", records, a);
  if (!page.next_cursor.empty()) d.AddMember("next_cursor", str(page.next_cursor, a), a);
  return mappers::to_json(d);
}

std::map<std::string, double> drain_eta_s(const store::Stats& s, int rate_limit_per_min) {
  std::map<std::string, double> out;
  const double per_s = rate_limit_per_min > 0 ? rate_limit_per_min / 60.0 : 0.0;
  for (const auto& r : s.rows) {
    const bool ready = r.status == store::Status::kQueued || r.status == store::Status::kSending ||
                       r.status == store::Status::kRetrying;
    auto& eta = out[r.facility];
    if (ready && per_s > 0) eta += static_cast<double>(r.count) / per_s;
  }
  return out;
}

std::string stats_json(const store::Stats& s, std::int64_t now_ms, int rate_limit_per_min) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  std::map<std::string, std::int64_t> by_status;
  for (auto st : store::kAllStatuses) by_status[std::string(store::to_string(st))] = 0;
  rapidjson::Value rows(rapidjson::kArrayType);
  for (const auto& r : s.rows) {
    by_status[std::string(store::to_string(r.status))] += r.count;
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("facility", str(r.facility, a), a);
    v.AddMember("kind", str(r.kind, a), a);
    v.AddMember("status", str(store::to_string(r.status), a), a);
    v.AddMember("count", rapidjson::Value(static_cast<std::int64_t>(r.count)), a);
    rows.PushBack(v, a);
  }
  rapidjson::Value totals(rapidjson::kObjectType);
  for (const auto& [k, v] : by_status) {
    totals.AddMember(str(k, a), rapidjson::Value(static_cast<std::int64_t>(v)), a);
  }
  d.AddMember("by_status", totals, a);
  d.AddMember("pending", rapidjson::Value(static_cast<std::int64_t>(s.pending)), a);
  if (s.oldest_pending_ms) {
    d.AddMember("oldest_pending_age_s",
                rapidjson::Value(static_cast<std::int64_t>((now_ms - *s.oldest_pending_ms) / 1000)),
                a);
  }
  // Facilities drain side by side, each at its own rate: the queue is through when the slowest is.
  rapidjson::Value eta(rapidjson::kObjectType);
  double longest = 0;
  for (const auto& [facility, seconds] : drain_eta_s(s, rate_limit_per_min)) {
    eta.AddMember(str(facility, a), rapidjson::Value(static_cast<std::int64_t>(seconds + 0.5)), a);
    longest = std::max(longest, seconds);
  }
  d.AddMember("eta_s", rapidjson::Value(static_cast<std::int64_t>(longest + 0.5)), a);
  d.AddMember("eta_s_by_facility", eta, a);
  d.AddMember("rows", rows, a);
  return mappers::to_json(d);
}

}  // namespace ilp::gateway::api
