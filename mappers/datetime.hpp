#pragma once
// ISO 8601 dates and times as facility records carry them, and the single UTC form SATUSEHAT
// accepts ("2023-08-23T10:35:00+00:00"; reference §2.1, rules 10295/10296).
//
// Parsing is strict on purpose: a clerk's "2023-02-29" or "24:00" is rejected here with a clear
// message rather than normalised into a different day that nobody asked for.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ilp::mappers {

// Minutes east of UTC for the three Indonesian zones (Asia/Jakarta WIB +420, Asia/Makassar
// WITA +480, Asia/Jayapura WIT +540). Indonesia keeps no daylight saving, so a fixed offset is
// exact and no tz database is needed. nullopt for any other name.
std::optional<int> utc_offset_minutes(std::string_view tz);

// "YYYY-MM-DD", a real calendar date (leap years honoured), years 0001–9999.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

// "YYYY-MM-DDThh:mm[:ss[.f…]]" followed by nothing, "Z" or "±hh:mm". Without an offset the time
// is local at `local_offset_minutes`. Returns milliseconds since the Unix epoch; fraction digits
// beyond milliseconds are truncated. Rejects hour 24, leap seconds and lowercase/space separators.
std::optional<std::int64_t> parse_datetime(std::string_view text, int local_offset_minutes);

// "YYYY-MM-DDThh:mm:ss+00:00". Fractions are dropped (floored), because SATUSEHAT refuses them.
std::string format_utc(std::int64_t epoch_ms);

// "YYYY-MM-DD".
std::string format_date(const std::chrono::year_month_day& date);

// Midnight UTC at the start of `date`, in epoch milliseconds.
std::int64_t epoch_ms(const std::chrono::year_month_day& date);

// The calendar date an instant falls on at a fixed offset (e.g. "today" at the facility).
std::chrono::year_month_day local_date(std::int64_t epoch_ms, int offset_minutes);

}  // namespace ilp::mappers
