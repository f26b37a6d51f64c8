#pragma once
// The PWS indicators of DESIGN.md §9.1 and the facts a delivered record contributes to them.
// docs/pws.md gives each definition, counting rule and source for Dinas Kesehatan staff.
// Pure: no I/O.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ilp::gateway::pws {

// What one delivered record says, as stored in the facts table (the numbers are stored: never
// renumber, only append).
enum class Event : std::uint8_t {
  kAncK1 = 1,           // ANC contact K1A/K1M; episode = pregnancy_id
  kAncK4 = 2,           // ANC contact K4
  kAncK6 = 3,           // ANC contact K6
  kFacilityBirth = 4,   // a birth at a health facility by a health worker; episode = pregnancy_id
  kKf = 5,              // postpartum visit; value = 1…4 (KF1…KF4), episode = pregnancy_id
  kKn = 6,              // neonatal visit; value = 1…3 (KN1…KN3)
  kBasicDose = 7,       // a dose given before the first birthday; episode = vaccine, value = dose
  kWeighed = 8,         // an under-five weighed; value = weight in grams
  kHeightMeasured = 9,  // an under-five's length/height measured; value = 1 when stunted (HAZ < -2)
  kPtmScreened = 10,    // an adult screened for non-communicable diseases
  kTbNotified = 11,     // a TB case notified
};
inline constexpr int kMaxEvent = 11;
bool is_event(int code);

enum class Indicator : std::uint8_t {
  kK1,
  kK4,
  kK6,
  kPf,
  kKfLengkap,
  kKn1,
  kKnLengkap,
  kIdl,
  kDs,
  kNd,
  kStunting,
  kPtmScreened,
  kTbNotified,
};
inline constexpr int kIndicatorCount = 13;

// How an indicator's target and coverage are read.
enum class Denominator {
  kYearTarget,   // targets.csv, a year's sasaran: coverage = cumulative / target
  kMonthTarget,  // targets.csv, a standing population (S of D/S): coverage = month / target
  kCounted,      // counted from the facts themselves (D for N/D, measured for stunting):
                 // coverage = month / the month's count; targets.csv may not give one
};

struct IndicatorInfo {
  Indicator indicator;
  std::string_view id;  // as the API, the CSV and targets.csv spell it
  std::string_view label_id;
  std::string_view label_en;
  Denominator denominator;
};

// In the order of §9.1, which is the order of every answer.
const std::array<IndicatorInfo, kIndicatorCount>& indicators();
const IndicatorInfo& info(Indicator i);
std::optional<Indicator> indicator_from_id(std::string_view id);

// The Prometheus gauges (DESIGN.md §9: the current month's main indicators).
inline constexpr Indicator kMainIndicators[] = {
    Indicator::kK1,  Indicator::kK4, Indicator::kKn1,         Indicator::kKnLengkap,
    Indicator::kIdl, Indicator::kDs, Indicator::kPtmScreened, Indicator::kTbNotified};

}  // namespace ilp::gateway::pws
