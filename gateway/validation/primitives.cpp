#include "gateway/validation/primitives.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace ilp::validation {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

bool digits(std::string_view s, std::size_t at, std::size_t n) {
  if (s.size() < at + n) return false;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!digit(s[i])) return false;
  }
  return true;
}

int num(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

int days_in(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// YYYY, YYYY-MM or YYYY-MM-DD; `len` gets how much was read. `full` demands all three parts.
bool date_part(std::string_view s, std::size_t& len, bool full) {
  if (!digits(s, 0, 4) || num(s, 0, 4) == 0) return false;
  len = 4;
  if (s.size() == 4) return !full;
  if (s[4] != '-' || !digits(s, 5, 2)) return false;
  const int month = num(s, 5, 2);
  if (month < 1 || month > 12) return false;
  len = 7;
  if (s.size() == 7) return !full;
  if (s[7] != '-' || !digits(s, 8, 2)) return false;
  const int day = num(s, 8, 2);
  if (day < 1 || day > days_in(num(s, 0, 4), month)) return false;
  len = 10;
  return true;
}

// hh:mm:ss(.fraction)? starting at `at`; returns the position after it, or npos.
std::size_t time_part(std::string_view s, std::size_t at) {
  if (!digits(s, at, 2) || s.size() < at + 8 || s[at + 2] != ':' || !digits(s, at + 3, 2) ||
      s[at + 5] != ':' || !digits(s, at + 6, 2)) {
    return std::string_view::npos;
  }
  if (num(s, at, 2) > 23 || num(s, at + 3, 2) > 59 || num(s, at + 6, 2) > 60) {
    return std::string_view::npos;
  }
  std::size_t i = at + 8;
  if (i < s.size() && s[i] == '.') {
    const std::size_t start = ++i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == start) return std::string_view::npos;
  }
  return i;
}

bool zone_part(std::string_view s, std::size_t at) {
  if (at == s.size()) return false;
  if (s[at] == 'Z') return at + 1 == s.size();
  if (s[at] != '+' && s[at] != '-') return false;
  if (s.size() != at + 6 || !digits(s, at + 1, 2) || s[at + 3] != ':' || !digits(s, at + 4, 2)) {
    return false;
  }
  // R4: (0[0-9]|1[0-3]):[0-5][0-9] or exactly 14:00.
  const int h = num(s, at + 1, 2);
  const int m = num(s, at + 4, 2);
  return (h <= 13 && m <= 59) || (h == 14 && m == 0);
}

bool date_time(std::string_view s, bool instant) {
  std::size_t len = 0;
  if (!date_part(s, len, instant)) return false;
  if (len == s.size()) return !instant;
  if (len != 10 || s[10] != 'T') return false;
  const auto after = time_part(s, 11);
  return after != std::string_view::npos && zone_part(s, after);
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool code_form(std::string_view s) {
  // [^\s]+( [^\s]+)*: no leading, trailing or doubled whitespace.
  if (s.empty() || space(s.front()) || space(s.back())) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (space(s[i]) && (s[i] != ' ' || space(s[i + 1]))) return false;
  }
  return true;
}

// [A-Za-z0-9\-\.] by table: ids (often 36-character UUIDs) are checked for every resource and
// every reference, and one load per character beats five range tests.
constexpr auto kIdChars = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  t['-'] = true;
  t['.'] = true;
  return t;
}();

bool id_form(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (const char c : s) {
    if (!kIdChars[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool base64_form(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    if (space(c)) continue;
    const bool ok = digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '+' ||
                    c == '/' || c == '=';
    if (!ok) return false;
    ++n;
  }
  return n > 0 && n % 4 == 0;  // at least one group of four
}

bool hex(char c) { return digit(c) || (c >= 'a' && c <= 'f'); }

bool uuid_form(std::string_view s) {
  static constexpr std::string_view kPrefix = "urn:uuid:";
  if (s.size() != kPrefix.size() + 36 || s.substr(0, kPrefix.size()) != kPrefix) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    const char c = s[kPrefix.size() + i];
    if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-' : !hex(c)) return false;
  }
  return true;
}

bool oid_form(std::string_view s) {
  static constexpr std::string_view kPrefix = "urn:oid:";
  if (s.size() <= kPrefix.size() + 2 || s.substr(0, kPrefix.size()) != kPrefix) return false;
  const auto rest = s.substr(kPrefix.size());
  if (rest[0] < '0' || rest[0] > '2' || rest[1] != '.') return false;
  std::size_t i = 2;
  while (i < rest.size()) {
    const std::size_t start = i;
    while (i < rest.size() && digit(rest[i])) ++i;
    if (i == start || (rest[start] == '0' && i - start > 1)) return false;
    if (i < rest.size() && (rest[i] != '.' || i + 1 == rest.size())) return false;
    if (i < rest.size()) ++i;
  }
  return true;
}

// Whether any byte of the eight in `x` is below `n` (n <= 128): subtracting n from every byte
// borrows into the high bit exactly for the bytes below it, and `& ~x` drops bytes >= 0x80. The
// answer for the word as a whole is exact (which byte it was is not: callers do not need that).
constexpr bool any_byte_below(std::uint64_t x, std::uint8_t n) {
  return ((x - 0x0101010101010101ULL * n) & ~x & 0x8080808080808080ULL) != 0;
}

// uri with no forbidden control character: not empty, and no byte up to and including ' ' (the
// whitespace uri forbids and the control characters all strings forbid).
bool uri_value(std::string_view s) {
  if (s.empty()) return false;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    if (any_byte_below(x, 0x21)) return false;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) <= 0x20) return false;
  }
  return true;
}

// code with no forbidden control character: code_form forbids tab, CR and LF and the others are
// forbidden in all strings, so no byte below ' '; no leading, trailing or doubled space.
bool code_value(std::string_view s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  char prev = 0;
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || (c == ' ' && prev == ' ')) return false;
    prev = c;
  }
  return true;
}

}  // namespace

bool valid_value(Primitive p, std::string_view s) {
  switch (p) {
    case Primitive::kString:
    case Primitive::kMarkdown:
    case Primitive::kXhtml:
      return valid_lexical(p, s);  // text: control characters are not looked for
    case Primitive::kCode:
      return code_value(s);
    case Primitive::kUri:
      return uri_value(s);
    case Primitive::kId:
    case Primitive::kOid:
    case Primitive::kUuid:
    case Primitive::kDate:
    case Primitive::kDateTime:
    case Primitive::kInstant:
    case Primitive::kTime:
    case Primitive::kBase64:
      // Their lexical forms admit no control character other than base64's whitespace (tab, CR
      // and LF, which are allowed anyway).
      return valid_lexical(p, s);
    default:
      return valid_lexical(p, s) && !has_forbidden_control(s);
  }
}

bool has_forbidden_control(std::string_view s) {
  // Eight bytes at a time: a byte below 0x20 sets its high bit in (x - 0x20..) & ~x & 0x80...
  // Tab, CR and LF are rare in values and go through the byte loop when a word flags them.
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    if (((x - 0x2020202020202020ULL) & ~x & 0x8080808080808080ULL) == 0) continue;
    for (std::size_t k = i; k < i + 8; ++k) {
      const auto u = static_cast<unsigned char>(s[k]);
      if (u < 0x20 && u != '\t' && u != '\r' && u != '\n') return true;
    }
  }
  for (const char c : s.substr(i)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\r' && c != '\n') return true;
  }
  return false;
}

bool valid_lexical(Primitive p, std::string_view s) {
  switch (p) {
    case Primitive::kString:
    case Primitive::kMarkdown:
      // R4: [ \r\n\t\S]+ — not empty; whitespace-only is allowed by the regex.
      return !s.empty();
    case Primitive::kCode:
      return code_form(s);
    case Primitive::kId:
      return id_form(s);
    case Primitive::kUri: {
      if (s.empty()) return false;
      for (const char c : s) {
        if (space(c)) return false;
      }
      return true;
    }
    case Primitive::kOid:
      return oid_form(s);
    case Primitive::kUuid:
      return uuid_form(s);
    case Primitive::kDate: {
      std::size_t len = 0;
      return date_part(s, len, false) && len == s.size();
    }
    case Primitive::kDateTime:
      return date_time(s, false);
    case Primitive::kInstant:
      return date_time(s, true);
    case Primitive::kTime:
      return time_part(s, 0) == s.size();
    case Primitive::kBase64:
      return base64_form(s);
    case Primitive::kXhtml: {
      // The narrative must be an XHTML div; its content is not checked here.
      const auto start = s.find_first_not_of(" \t\r\n");
      return start != std::string_view::npos && s.substr(start, 4) == "<div";
    }
    default:
      return false;
  }
}

}  // namespace ilp::validation
