#include "mappers/json_emitter.hpp"

#include <rapidjson/internal/dtoa.h>

#include <array>
#include <charconv>
#include <cmath>

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
