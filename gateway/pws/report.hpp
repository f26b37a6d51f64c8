#pragma once
// The PWS table of a month (DESIGN.md §9.1), computed from the facts of delivered records.
// Pure: the store hands over the fact rows of the windows this file asks for; compute() counts
// distinct persons per village and indicator, rules in docs/pws.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/pws/indicator.hpp"
#include "gateway/pws/tables.hpp"

namespace ilp::gateway::pws {

struct Month {
  int year = 0;
  unsigned month = 0;  // 1..12
  int first_day() const;
  int last_day() const;
  Month previous() const;
  std::string text() const;  // "2025-03"
  bool operator==(const Month&) const = default;
  auto operator<=>(const Month&) const = default;
};
// "YYYY-MM", month 01..12, years 2000..2100; nullopt otherwise.
std::optional<Month> parse_month(std::string_view text);

// One delivered fact, with the village its person is counted in (the store's rule: the latest
// address, else the latest location; empty when neither is known).
struct FactRow {
  Event event = Event::kAncK1;
  std::int64_t person = 0;
  int day = 0;
  std::int64_t value = 0;
  std::string episode;
  std::string village;
};

// The days of each event the report reads: the year to the month's end, and before that as
// far as an indicator needs (a KF set started in December, doses since birth for IDL, last
// month's weight for N/D).
struct Window {
  Event event;
  int first_day;
  int last_day;
};
std::vector<Window> windows(const Month& m);

struct IndicatorValue {
  Indicator indicator;
  std::int64_t month = 0;
  std::int64_t cumulative = 0;
  std::optional<std::int64_t> target;
  std::optional<double> coverage_pct;  // one decimal; null without a target or with target 0
};

struct VillageReport {
  std::string village_code;  // empty: persons whose village is not known
  std::optional<std::string> village_name;
  std::vector<IndicatorValue> indicators;  // every indicator, in §9.1 order
};

struct Report {
  Month month;
  std::vector<VillageReport> villages;  // by village code; the unknown village last
};

struct ReportOptions {
  // Villages listed even without a count (those with targets, the facility's own).
  std::vector<std::string> villages;
  // Only this village (empty: all).
  std::string only_village;
};

Report compute(const std::vector<FactRow>& rows, const Month& m, const Tables& tables,
               const ReportOptions& options);

}  // namespace ilp::gateway::pws
