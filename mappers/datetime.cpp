#include "mappers/datetime.hpp"

#include <array>

namespace ilp::mappers {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMsPerDay = 86'400'000;

// Reads exactly `n` ASCII digits at `pos`; advances `pos` only on success.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// The date part shared by both parsers; leaves `pos` after the day.
std::optional<std::chrono::year_month_day> read_date(std::string_view s, std::size_t& pos) {
  int y = 0, m = 0, d = 0;
  if (!read_digits(s, pos, 4, y) || !expect(s, pos, '-') || !read_digits(s, pos, 2, m) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, d)) {
    return std::nullopt;
  }
  if (y < 1) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void put4(char* p, int v) {
  // Years outside 0000–9999 cannot come out of parse_*; clamp rather than write garbage.
  const unsigned u = v < 0 ? 0u : static_cast<unsigned>(v > 9999 ? 9999 : v);
  put2(p, u / 100);
  put2(p + 2, u % 100);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

std::optional<int> utc_offset_minutes(std::string_view tz) {
  if (tz == "Asia/Jakarta") return 7 * 60;
  if (tz == "Asia/Makassar") return 8 * 60;
  if (tz == "Asia/Jayapura") return 9 * 60;
  return std::nullopt;
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  std::size_t pos = 0;
  auto ymd = read_date(text, pos);
  if (!ymd || pos != text.size()) return std::nullopt;
  return ymd;
}

std::optional<std::int64_t> parse_datetime(std::string_view s, int local_offset_minutes) {
  std::size_t pos = 0;
  const auto ymd = read_date(s, pos);
  if (!ymd) return std::nullopt;
  int hh = 0, mm = 0, ss = 0, ms = 0;
  if (!expect(s, pos, 'T') || !read_digits(s, pos, 2, hh) || !expect(s, pos, ':') ||
      !read_digits(s, pos, 2, mm)) {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!read_digits(s, pos, 2, ss)) return std::nullopt;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      // 1–9 digits (FHIR's limit); only the first three matter.
      std::size_t n = 0;
      int scale = 100;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && n < 9) {
        ms += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
        ++n;
      }
      if (n == 0) return std::nullopt;
    }
  }
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;

  int offset = local_offset_minutes;
  if (pos < s.size()) {
    const char c = s[pos++];
    if (c == 'Z') {
      offset = 0;
    } else if (c == '+' || c == '-') {
      int oh = 0, om = 0;
      if (!read_digits(s, pos, 2, oh) || !expect(s, pos, ':') || !read_digits(s, pos, 2, om)) {
        return std::nullopt;
      }
      if (om > 59 || oh > 14 || (oh == 14 && om != 0)) return std::nullopt;
      offset = (oh * 60 + om) * (c == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;

  const std::int64_t day_ms = sys_days{*ymd}.time_since_epoch().count() * kMsPerDay;
  const std::int64_t local_ms = day_ms + ((hh * 60 + mm) * 60 + ss) * std::int64_t{1000} + ms;
  return local_ms - offset * kMsPerMinute;
}

std::string format_utc(std::int64_t epoch_ms) {
  const std::int64_t day_count = floor_div(epoch_ms, kMsPerDay);
  const std::int64_t secs_of_day = (epoch_ms - day_count * kMsPerDay) / 1000;
  const std::chrono::year_month_day ymd{sys_days{days{day_count}}};
  const std::chrono::hh_mm_ss hms{std::chrono::seconds{secs_of_day}};

  std::array<char, 25> buf{};
  constexpr std::string_view kTemplate = "0000-00-00T00:00:00+00:00";
  kTemplate.copy(buf.data(), kTemplate.size());
  put4(buf.data(), static_cast<int>(ymd.year()));
  put2(buf.data() + 5, static_cast<unsigned>(ymd.month()));
  put2(buf.data() + 8, static_cast<unsigned>(ymd.day()));
  put2(buf.data() + 11, static_cast<unsigned>(hms.hours().count()));
  put2(buf.data() + 14, static_cast<unsigned>(hms.minutes().count()));
  put2(buf.data() + 17, static_cast<unsigned>(hms.seconds().count()));
  return std::string(buf.data(), buf.size());
}

std::string format_date(const std::chrono::year_month_day& date) {
  std::array<char, 10> buf{'0', '0', '0', '0', '-', '0', '0', '-', '0', '0'};
  put4(buf.data(), static_cast<int>(date.year()));
  put2(buf.data() + 5, static_cast<unsigned>(date.month()));
  put2(buf.data() + 8, static_cast<unsigned>(date.day()));
  return std::string(buf.data(), buf.size());
}

std::int64_t epoch_ms(const std::chrono::year_month_day& date) {
  return sys_days{date}.time_since_epoch().count() * kMsPerDay;
}

std::chrono::year_month_day local_date(std::int64_t epoch_ms, int offset_minutes) {
  const std::int64_t local = epoch_ms + offset_minutes * kMsPerMinute;
  return std::chrono::year_month_day{sys_days{days{floor_div(local, kMsPerDay)}}};
}

}  // namespace ilp::mappers
