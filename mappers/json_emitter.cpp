#include "mappers/json_emitter.hpp"

#include <rapidjson/internal/dtoa.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ilp::mappers {

namespace {

// 0: copied as is; otherwise the character after the backslash ('u' = \u00XX).
constexpr auto kEscape = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}();

// True when one of the 8 bytes of `w` is below 0x20, '"' or '\\' (exact as a yes/no; bytes of
// 0x80 and above never match): most strings of a bundle have none, so the scan below skips them
// eight bytes at a time instead of one table lookup per byte.
constexpr bool any_to_escape(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  const std::uint64_t q = w ^ (kOnes * '"'), b = w ^ (kOnes * '\\');
  const std::uint64_t quote = (q - kOnes) & ~q & kHigh;
  const std::uint64_t backslash = (b - kOnes) & ~b & kHigh;
  return (below_space | quote | backslash) != 0;
}

}  // namespace

void JsonEmitter::append_escaped(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  append_escaped_body(out, s);
  out.push_back('"');
}

void JsonEmitter::append_escaped_body(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char* run = s.data();  // start of the current run of characters that need no escape
  const char* end = s.data() + s.size();
  for (const char* p = run; p != end; ++p) {
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if (any_to_escape(w)) break;
      p += 8;
    }
    if (p == end) break;
    if (end - p < 8 && end - s.data() >= 8) {
      // The last few bytes: one load of the string's last eight decides them (bytes before `p`
      // in it were looked at already; one that was escaped only sends this to the loop below).
      std::uint64_t w;
      std::memcpy(&w, end - 8, 8);
      if (!any_to_escape(w)) break;
    }
    const char e = kEscape[static_cast<unsigned char>(*p)];
    if (e == 0) continue;
    out.append(run, static_cast<std::size_t>(p - run));
    run = p + 1;
    out.push_back('\\');
    out.push_back(e);
    if (e == 'u') {
      const auto c = static_cast<unsigned char>(*p);
      out.append("00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(run, static_cast<std::size_t>(end - run));
}

void JsonEmitter::number(std::int64_t i) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, i);
  out_.append(buf, r.ptr);
}

bool JsonEmitter::number(double d) {
  if (!std::isfinite(d)) return false;
  char buf[32];
  const char* end = rapidjson::internal::dtoa(d, buf);
  out_.append(buf, static_cast<std::size_t>(end - buf));
  return true;
}

}  // namespace ilp::mappers
