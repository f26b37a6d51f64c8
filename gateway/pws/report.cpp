#include "gateway/pws/report.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "gateway/pws/record_facts.hpp"

namespace ilp::gateway::pws {
namespace {

using I = Indicator;

// Generous bounds for the sets that may begin before the year: KF1–KF4 span 42 days after
// birth, KN1–KN3 28 days, the basic doses the first year of life.
constexpr int kKfLookbackDays = 90;
constexpr int kKnLookbackDays = 60;
constexpr int kIdlLookbackDays = 366;

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
  // Counted in flat vectors, sorted once at the end: a year of a province is millions of rows,
  // and a node-based set per village and indicator cost a cache miss per insert (README, PWS).
  const int jan1 = Month{m.year, 1}.first_day();
  const int first = m.first_day();
  const int last = m.last_day();
  const int this_month = month_index(m);

  // Villages by number: row villages are compared once, on the way in.
  std::vector<std::string_view> names;
  std::unordered_map<std::string_view, std::uint32_t> ids;
  std::string_view last_name;
  std::uint32_t last_id = 0;
  const auto village_id = [&](const std::string& v) {
    if (!names.empty() && v == last_name) return last_id;
    const auto [it, added] = ids.try_emplace(v, static_cast<std::uint32_t>(names.size()));
    if (added) names.push_back(v);
    last_name = v;
    last_id = it->second;
    return last_id;
  };

  using Hit = std::pair<std::uint32_t, std::int64_t>;  // (village, person)
  std::array<std::vector<Hit>, kIndicatorCount> month_hits;
  std::array<std::vector<Hit>, kIndicatorCount> cumulative_hits;
  std::vector<Hit> weighed_month;   // D, the denominator of N/D
  std::vector<Hit> measured_month;  // the denominator of stunting
  std::vector<bool> touched;        // villages with a count, listed in the answer
  const auto touch = [&](std::uint32_t v) {
    if (touched.size() <= v) touched.resize(v + 1, false);
    touched[v] = true;
  };
  const auto count = [&](std::uint32_t village, I i, std::int64_t person, int day) {
    if (day < jan1 || day > last) return;
    touch(village);
    cumulative_hits[idx(i)].push_back({village, person});
    if (day >= first) month_hits[idx(i)].push_back({village, person});
  };

  // A part of a set (KF visit, KN visit, IDL dose); the set is (kind, person, episode) and
  // counts in the village of its last row, as it did when each row overwrote the set's village.
  struct Part {
    std::uint8_t set_kind;  // 0 KF, 1 KN, 2 IDL
    std::int64_t person;
    std::uint32_t episode;  // KF: the pregnancy, numbered; else 0
    std::uint32_t part;
    int day;
    std::uint32_t row;
  };
  // A measurement (weight or height) and the row order, which breaks a tie of days.
  struct Measure {
    std::int64_t person;
    int month;
    int day;
    std::uint32_t row;
    std::int64_t value;
  };
  std::vector<Part> parts;
  std::vector<Measure> weights;
  std::vector<Measure> heights;
  std::unordered_map<std::string_view, std::uint32_t> episodes;
  // The village of each person's last row: what weights and heights count in.
  std::unordered_map<std::int64_t, std::uint32_t> village_of;
  const auto& schedule = tables.idl_schedule();
  std::vector<std::uint32_t> row_village(rows.size(), 0);

  for (std::uint32_t n = 0; n < rows.size(); ++n) {
    const auto& r = rows[n];
    if (r.day > last) continue;
    const auto v = village_id(r.village);
    row_village[n] = v;
    village_of[r.person] = v;
    if (const auto i = simple_indicator(r)) count(v, *i, r.person, r.day);
    switch (r.event) {
      case Event::kKf:
        if (r.value >= 1 && r.value <= 4) {
          const auto e =
              episodes.try_emplace(r.episode, static_cast<std::uint32_t>(episodes.size()));
          parts.push_back(
              {0, r.person, e.first->second, static_cast<std::uint32_t>(r.value - 1), r.day, n});
        }
        break;
      case Event::kKn:
        if (r.value >= 1 && r.value <= 3) {
          parts.push_back({1, r.person, 0, static_cast<std::uint32_t>(r.value - 1), r.day, n});
        }
        break;
      case Event::kBasicDose:
        for (std::size_t d = 0; d < schedule.size(); ++d) {
          if (!schedule[d].matches(r.episode, r.value)) continue;
          parts.push_back({2, r.person, 0, static_cast<std::uint32_t>(d), r.day, n});
        }
        break;
      case Event::kWeighed:
        weights.push_back({r.person, month_index(month_of_day(r.day)), r.day, n, r.value});
        break;
      case Event::kHeightMeasured:
        heights.push_back({r.person, month_index(month_of_day(r.day)), r.day, n, r.value});
        break;
      default:
        break;
    }
  }

  // Sets: each part's earliest day; complete on the day its last part came.
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
    return std::tie(a.set_kind, a.person, a.episode, a.part, a.day) <
           std::tie(b.set_kind, b.person, b.episode, b.part, b.day);
  });
  static constexpr I kSetIndicator[] = {I::kKfLengkap, I::kKnLengkap, I::kIdl};
  const std::size_t set_parts[] = {4, 3, schedule.size()};
  for (std::size_t a = 0; a < parts.size();) {
    std::size_t b = a;
    std::uint32_t last_row = 0;
    std::size_t seen = 0;
    int done = INT_MIN;
    while (b < parts.size() && parts[b].set_kind == parts[a].set_kind &&
           parts[b].person == parts[a].person && parts[b].episode == parts[a].episode) {
      // Sorted by part then day: the first row of a part is its earliest.
      if (b == a || parts[b].part != parts[b - 1].part) {
        ++seen;
        done = std::max(done, parts[b].day);
      }
      last_row = std::max(last_row, parts[b].row);
      ++b;
    }
    if (seen == set_parts[parts[a].set_kind]) {
      count(row_village[last_row], kSetIndicator[parts[a].set_kind], parts[a].person, done);
    }
    a = b;
  }

  // The latest measurement of a person in a month: the latest day, then the latest row.
  const auto by_month = [](std::vector<Measure>& v) {
    std::sort(v.begin(), v.end(), [](const Measure& a, const Measure& b) {
      return std::tie(a.person, a.month, a.day, a.row) < std::tie(b.person, b.month, b.day, b.row);
    });
    std::vector<Measure> latest;
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (k + 1 < v.size() && v[k + 1].person == v[k].person && v[k + 1].month == v[k].month) {
        continue;
      }
      latest.push_back(v[k]);
    }
    return latest;
  };
  const auto latest_weights = by_month(weights);
  for (std::size_t k = 0; k < latest_weights.size(); ++k) {
    const auto& w = latest_weights[k];
    const auto village = village_of[w.person];
    if (w.month == this_month) {
      touch(village);
      weighed_month.push_back({village, w.person});
    }
    if (k > 0 && latest_weights[k - 1].person == w.person &&
        latest_weights[k - 1].month == w.month - 1 && w.value > latest_weights[k - 1].value) {
      count(village, I::kNd, w.person, w.day);
    }
  }
  for (const auto& h : by_month(heights)) {
    const auto village = village_of[h.person];
    if (h.month == this_month) {
      touch(village);
      measured_month.push_back({village, h.person});
    }
    if (h.value == 1) count(village, I::kStunting, h.person, h.day);
  }

  // Distinct persons per village.
  const auto distinct = [&](std::vector<Hit>& hits) {
    std::vector<std::int64_t> per_village(names.size(), 0);
    std::sort(hits.begin(), hits.end());
    for (std::size_t k = 0; k < hits.size(); ++k) {
      if (k == 0 || hits[k] != hits[k - 1]) ++per_village[hits[k].first];
    }
    return per_village;
  };
  std::array<std::vector<std::int64_t>, kIndicatorCount> month_count;
  std::array<std::vector<std::int64_t>, kIndicatorCount> cumulative_count;
  for (std::size_t i = 0; i < kIndicatorCount; ++i) {
    month_count[i] = distinct(month_hits[i]);
    cumulative_count[i] = distinct(cumulative_hits[i]);
  }
  const auto weighed = distinct(weighed_month);
  const auto measured = distinct(measured_month);

  std::set<std::string> listed(options.villages.begin(), options.villages.end());
  for (std::uint32_t v = 0; v < touched.size(); ++v) {
    if (touched[v]) listed.insert(std::string(names[v]));
  }
  Report out;
  out.month = m;
  std::vector<std::string> order(listed.begin(), listed.end());
  // The unknown village ("") sorts first in a set; it goes last in the answer.
  if (!order.empty() && order.front().empty())
    std::rotate(order.begin(), order.begin() + 1, order.end());
  for (const auto& village : order) {
    if (!options.only_village.empty() && village != options.only_village) continue;
    const auto found = ids.find(village);
    const bool counted = found != ids.end();
    const auto at = [&](const std::vector<std::int64_t>& per_village) {
      return counted ? per_village[found->second] : std::int64_t{0};
    };
    VillageReport v;
    v.village_code = village;
    v.village_name = tables.village_name(village);
    for (const auto& def : indicators()) {
      IndicatorValue value;
      value.indicator = def.indicator;
      value.month = at(month_count[idx(def.indicator)]);
      value.cumulative = at(cumulative_count[idx(def.indicator)]);
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
          value.target = at(def.indicator == I::kNd ? weighed : measured);
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
