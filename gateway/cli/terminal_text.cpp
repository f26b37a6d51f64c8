#include "gateway/cli/terminal_text.hpp"

namespace ilp::gateway::cli {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void hex_byte(std::string& out, unsigned char c) {
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

bool is_c1_at(std::string_view s, std::size_t i) {
  return i + 1 < s.size() && static_cast<unsigned char>(s[i]) == 0xC2 &&
         static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
         static_cast<unsigned char>(s[i + 1]) <= 0x9F;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      hex_byte(out, c);
    } else if (is_c1_at(text, i)) {
      out += "\\u00";
      hex_byte(out, static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string terminal_safe_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto c = static_cast<unsigned char>(json[i]);
    if (c == 0x7F) {
      out += "\\u007f";
    } else if (is_c1_at(json, i)) {
      out += "\\u00";
      hex_byte(out, static_cast<unsigned char>(json[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace ilp::gateway::cli
