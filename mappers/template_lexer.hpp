#pragma once
// Tokens of the template expression language (config/mappings/LANGUAGE.md): names, numbers,
// quoted texts and operators. The parser in template_expr.cpp reads them one at a time.

#include <cstddef>
#include <string>
#include <string_view>

namespace ilp::mappers::tmpl {

enum class Tok { kEnd, kIdent, kNumber, kString, kOp, kError };

struct Token {
  Tok kind = Tok::kEnd;
  std::string_view text;  // the source slice (for strings: without quotes, escapes unresolved)
  std::string value;      // strings with escapes resolved
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next();

 private:
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  static bool ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  static bool ident_char(char c) { return ident_start(c) || digit(c); }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace ilp::mappers::tmpl
