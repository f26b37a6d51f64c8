#include "gateway/api/pws_query.hpp"

#include <set>

#include "gateway/pws/tables.hpp"
#include "mappers/datetime.hpp"

namespace ilp::gateway::api {
namespace {

constexpr int kWitOffsetMinutes = 9 * 60;

PwsProblem invalid(std::string parameter, mappers::Text text) {
  return {PwsProblem::Kind::kInvalid, std::move(parameter), std::move(text)};
}
PwsProblem unknown(std::string parameter, mappers::Text text) {
  return {PwsProblem::Kind::kUnknown, std::move(parameter), std::move(text)};
}

std::string get(const std::map<std::string, std::string>& q, const char* name) {
  const auto it = q.find(name);
  return it == q.end() ? std::string() : it->second;
}

}  // namespace

std::variant<PwsRequest, PwsProblem> parse_pws_request(
    const std::map<std::string, std::string>& query, const config::Config& cfg,
    std::int64_t now_ms) {
  PwsRequest req;
  const std::string month_text = get(query, "month");
  const std::string facility = get(query, "facility");
  const std::string village = get(query, "village");
  if (month_text.empty()) {
    return invalid("month", {"Sebutkan bulan: month=YYYY-MM (mis. 2025-03).",
                             "Name the month: month=YYYY-MM (e.g. 2025-03)."});
  }
  const auto month = pws::parse_month(month_text);
  if (!month) {
    return invalid("month", {"Bulan harus berbentuk YYYY-MM (mis. 2025-03), bulan 01 sampai 12.",
                             "The month must be YYYY-MM (e.g. 2025-03), months 01 to 12."});
  }
  req.month = *month;
  int offset = kWitOffsetMinutes;
  if (!facility.empty()) {
    const auto* f = cfg.facility(facility);
    if (f == nullptr) {
      return unknown("facility", {"Fasilitas \"" + facility + "\" tidak ada di facilities.yaml.",
                                  "Facility \"" + facility + "\" is not in facilities.yaml."});
    }
    offset = f->info.utc_offset_minutes;
    req.facility = facility;
    req.facilities = {facility};
  } else {
    for (const auto& f : cfg.facilities) req.facilities.push_back(f.info.key);
  }
  const auto today = mappers::local_date(now_ms, offset);
  const pws::Month current{static_cast<int>(today.year()), static_cast<unsigned>(today.month())};
  if (*month > current) {
    return invalid("month", {"Bulan " + month_text +
                                 " belum tiba; PWS hanya untuk bulan yang "
                                 "sudah berjalan.",
                             "Month " + month_text +
                                 " has not begun; PWS is for months that "
                                 "have."});
  }

  // The villages a table lists even without counts: the facility's own (or every facility's),
  // and with no facility named, every village with a target this year.
  std::set<std::string> known;
  std::set<std::string> listed;
  for (const auto& f : cfg.facilities) {
    for (const auto& l : f.info.locations) {
      if (l.village_code.empty()) continue;
      known.insert(l.village_code);
      if (req.facility.empty() || f.info.key == req.facility) listed.insert(l.village_code);
    }
  }
  if (req.facility.empty()) {
    for (const auto& v : cfg.pws->villages(month->year)) listed.insert(v);
  }
  if (!village.empty()) {
    if (!pws::is_village_code(village)) {
      return invalid("village", {"Kode desa harus 10 digit (kode Kemendagri).",
                                 "The village code must be 10 digits (the Kemendagri code)."});
    }
    if (known.count(village) == 0 && !cfg.pws->knows_village(village)) {
      return unknown("village", {"Desa " + village +
                                     " tidak dikenal: tidak ada di facilities.yaml "
                                     "maupun di pws/targets.csv.",
                                 "Village " + village +
                                     " is unknown: neither facilities.yaml "
                                     "nor pws/targets.csv names it."});
    }
    req.options.only_village = village;
    listed.insert(village);
  }
  req.options.villages.assign(listed.begin(), listed.end());
  return req;
}

pws::Report build_pws_report(const PwsRequest& req, const config::Config& cfg,
                             const std::vector<pws::FactRow>& rows) {
  return pws::compute(rows, req.month, *cfg.pws, req.options);
}

}  // namespace ilp::gateway::api
