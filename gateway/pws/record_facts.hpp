#pragma once
// What one record contributes to PWS, extracted at ingest (extract.hpp) and kept with the record
// until it is delivered; then the store writes it to its facts tables (gateway/store/sqlite_pws).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/pws/indicator.hpp"

namespace ilp::gateway::pws {

struct FactEvent {
  Event event = Event::kAncK1;
  std::int64_t value = 0;  // see Event
  std::string episode;     // see Event; empty when the event has none
  bool operator==(const FactEvent&) const = default;
};

struct RecordFacts {
  // The day of the service (not of the delivery) in the facility's timezone, as days since
  // 1970-01-01: a record delivered late counts in the month it was done.
  int day = 0;
  std::string address_village;   // the patient's address, when the record gives one
  std::string location_village;  // the village of the pustu/posyandu (or its parent)
  std::vector<FactEvent> events;
  bool operator==(const RecordFacts&) const = default;
};

// The stored form (compact JSON). decode() returns nullopt for anything encode() did not write.
std::string encode(const RecordFacts& f);
std::optional<RecordFacts> decode(std::string_view text);

// Days since 1970-01-01 of a civil date, and back (Howard Hinnant's algorithms via <chrono>).
int day_number(int year, unsigned month, unsigned day);
struct CivilDate {
  int year;
  unsigned month;
  unsigned day;
};
CivilDate civil(int day_number);

}  // namespace ilp::gateway::pws
