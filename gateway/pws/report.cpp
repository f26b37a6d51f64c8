#include "gateway/pws/report.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <map>
#include <set>

#include "gateway/pws/record_facts.hpp"

namespace ilp::gateway::pws {
namespace {

using I = Indicator;
using PersonSet = std::set<std::int64_t>;

// Generous bounds for the sets that may begin before the year: KF1–KF4 span 42 days after
// birth, KN1–KN3 28 days, the basic doses the first year of life.
constexpr int kKfLookbackDays = 90;
constexpr int kKnLookbackDays = 60;
constexpr int kIdlLookbackDays = 366;

struct Counts {
  std::array<PersonSet, kIndicatorCount> month;
  std::array<PersonSet, kIndicatorCount> cumulative;
  PersonSet weighed_month;   // D, the denominator of N/D
  PersonSet measured_month;  // the denominator of stunting
};

std::size_t idx(I i) { return static_cast<std::size_t>(i); }

std::optional<I> simple_indicator(const FactRow& r) {
  switch (r.event) {
    case Event::kAncK1:
      return I::kK1;
    case Event::kAncK4:
      return I::kK4;
    case Event::kAncK6:
      return I::kK6;
    case Event::kFacilityBirth:
      return I::kPf;
    case Event::kKn:
      return r.value == 1 ? std::optional<I>(I::kKn1) : std::nullopt;
    case Event::kWeighed:
      return I::kDs;
    case Event::kPtmScreened:
      return I::kPtmScreened;
    case Event::kTbNotified:
      return I::kTbNotified;
    default:
      return std::nullopt;
  }
}

// A set of visits or doses: each part's earliest day; complete on the day its last part came.
struct PartSet {
  std::string village;
  std::vector<int> earliest;
  explicit PartSet(std::size_t parts = 0) : earliest(parts, INT_MAX) {}
  void saw(std::size_t part, int day) { earliest[part] = std::min(earliest[part], day); }
  std::optional<int> completed() const {
    if (earliest.empty()) return std::nullopt;
    const int last = *std::max_element(earliest.begin(), earliest.end());
    return last == INT_MAX ? std::nullopt : std::optional<int>(last);
  }
};

// The latest measurement of a person in a month.
struct Latest {
  int day = INT_MIN;
  std::int64_t value = 0;
  void saw(int d, std::int64_t v) {
    if (d >= day) {
      day = d;
      value = v;
    }
  }
};

int month_index(const Month& m) { return m.year * 12 + static_cast<int>(m.month) - 1; }
Month month_of_day(int day) {
  const auto c = civil(day);
  return {c.year, c.month};
}

std::optional<double> coverage(std::int64_t count, std::optional<std::int64_t> target) {
  if (!target || *target <= 0) return std::nullopt;
  return std::round(static_cast<double>(count) * 1000.0 / static_cast<double>(*target)) / 10.0;
}

}  // namespace

int Month::first_day() const { return day_number(year, month, 1); }
int Month::last_day() const {
  const Month next = month == 12 ? Month{year + 1, 1} : Month{year, month + 1};
  return next.first_day() - 1;
}
Month Month::previous() const { return month == 1 ? Month{year - 1, 12} : Month{year, month - 1}; }
std::string Month::text() const {
  std::string out = std::to_string(year) + "-";
  if (month < 10) out += '0';
  return out + std::to_string(month);
}

std::optional<Month> parse_month(std::string_view t) {
  if (t.size() != 7 || t[4] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6}) {
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  }
  const int year = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
  const unsigned month = static_cast<unsigned>((t[5] - '0') * 10 + (t[6] - '0'));
  if (year < 2000 || year > 2100 || month < 1 || month > 12) return std::nullopt;
  return Month{year, month};
}

std::vector<Window> windows(const Month& m) {
  const int jan1 = Month{m.year, 1}.first_day();
  const int last = m.last_day();
  return {
      {Event::kAncK1, jan1, last},
      {Event::kAncK4, jan1, last},
      {Event::kAncK6, jan1, last},
      {Event::kFacilityBirth, jan1, last},
      {Event::kKf, jan1 - kKfLookbackDays, last},
      {Event::kKn, jan1 - kKnLookbackDays, last},
      {Event::kBasicDose, jan1 - kIdlLookbackDays, last},
      {Event::kWeighed, Month{m.year - 1, 12}.first_day(), last},
      {Event::kHeightMeasured, jan1, last},
      {Event::kPtmScreened, jan1, last},
      {Event::kTbNotified, jan1, last},
  };
}

Report compute(const std::vector<FactRow>& rows, const Month& m, const Tables& tables,
               const ReportOptions& options) {
  const int jan1 = Month{m.year, 1}.first_day();
  const int first = m.first_day();
  const int last = m.last_day();
  std::map<std::string, Counts> by_village;
  const auto count = [&](const std::string& village, I i, std::int64_t person, int day) {
    if (day < jan1 || day > last) return;
    auto& c = by_village[village];
    c.cumulative[idx(i)].insert(person);
    if (day >= first) c.month[idx(i)].insert(person);
  };

  const auto& schedule = tables.idl_schedule();
  std::map<std::pair<std::int64_t, std::string>, PartSet> kf;
  std::map<std::int64_t, PartSet> kn;
  std::map<std::int64_t, PartSet> idl;
  std::map<std::pair<std::int64_t, int>, Latest> weight;  // (person, month index)
  std::map<std::pair<std::int64_t, int>, Latest> height;
  std::map<std::int64_t, std::string> village_of;

  for (const auto& r : rows) {
    if (r.day > last) continue;
    village_of[r.person] = r.village;
    if (const auto i = simple_indicator(r)) count(r.village, *i, r.person, r.day);
    switch (r.event) {
      case Event::kKf:
        if (r.value >= 1 && r.value <= 4) {
          auto [it, _] = kf.try_emplace({r.person, r.episode}, PartSet(4));
          it->second.village = r.village;
          it->second.saw(static_cast<std::size_t>(r.value - 1), r.day);
        }
        break;
      case Event::kKn:
        if (r.value >= 1 && r.value <= 3) {
          auto [it, _] = kn.try_emplace(r.person, PartSet(3));
          it->second.village = r.village;
          it->second.saw(static_cast<std::size_t>(r.value - 1), r.day);
        }
        break;
      case Event::kBasicDose:
        for (std::size_t d = 0; d < schedule.size(); ++d) {
          if (!schedule[d].matches(r.episode, r.value)) continue;
          auto [it, _] = idl.try_emplace(r.person, PartSet(schedule.size()));
          it->second.village = r.village;
          it->second.saw(d, r.day);
        }
        break;
      case Event::kWeighed:
        weight[{r.person, month_index(month_of_day(r.day))}].saw(r.day, r.value);
        break;
      case Event::kHeightMeasured:
        height[{r.person, month_index(month_of_day(r.day))}].saw(r.day, r.value);
        break;
      default:
        break;
    }
  }
  for (const auto& [key, set] : kf) {
    if (const auto done = set.completed()) count(set.village, I::kKfLengkap, key.first, *done);
  }
  for (const auto& [person, set] : kn) {
    if (const auto done = set.completed()) count(set.village, I::kKnLengkap, person, *done);
  }
  for (const auto& [person, set] : idl) {
    if (const auto done = set.completed()) count(set.village, I::kIdl, person, *done);
  }
  const int this_month = month_index(m);
  for (const auto& [key, latest] : weight) {
    const auto& [person, month] = key;
    const auto& village = village_of[person];
    if (month == this_month) by_village[village].weighed_month.insert(person);
    const auto before = weight.find({person, month - 1});
    if (before != weight.end() && latest.value > before->second.value) {
      count(village, I::kNd, person, latest.day);
    }
  }
  for (const auto& [key, latest] : height) {
    const auto& [person, month] = key;
    const auto& village = village_of[person];
    if (month == this_month) by_village[village].measured_month.insert(person);
    if (latest.value == 1) count(village, I::kStunting, person, latest.day);
  }

  std::set<std::string> listed(options.villages.begin(), options.villages.end());
  for (const auto& [village, counts] : by_village) listed.insert(village);
  Report out;
  out.month = m;
  std::vector<std::string> order(listed.begin(), listed.end());
  // The unknown village ("") sorts first in a set; it goes last in the answer.
  if (!order.empty() && order.front().empty())
    std::rotate(order.begin(), order.begin() + 1, order.end());
  static const Counts kNone;
  for (const auto& village : order) {
    if (!options.only_village.empty() && village != options.only_village) continue;
    const auto found = by_village.find(village);
    const Counts& c = found == by_village.end() ? kNone : found->second;
    VillageReport v;
    v.village_code = village;
    v.village_name = tables.village_name(village);
    for (const auto& def : indicators()) {
      IndicatorValue value;
      value.indicator = def.indicator;
      value.month = static_cast<std::int64_t>(c.month[idx(def.indicator)].size());
      value.cumulative = static_cast<std::int64_t>(c.cumulative[idx(def.indicator)].size());
      switch (def.denominator) {
        case Denominator::kYearTarget:
          value.target = tables.target(village, m.year, def.indicator);
          value.coverage_pct = coverage(value.cumulative, value.target);
          break;
        case Denominator::kMonthTarget:
          value.target = tables.target(village, m.year, def.indicator);
          value.coverage_pct = coverage(value.month, value.target);
          break;
        case Denominator::kCounted:
          value.target = static_cast<std::int64_t>(
              (def.indicator == I::kNd ? c.weighed_month : c.measured_month).size());
          value.coverage_pct = coverage(value.month, value.target);
          break;
      }
      v.indicators.push_back(value);
    }
    out.villages.push_back(std::move(v));
  }
  return out;
}

}  // namespace ilp::gateway::pws
