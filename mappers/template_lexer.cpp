#include "mappers/template_lexer.hpp"

namespace ilp::mappers::tmpl {

Token Lexer::next() {
  while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  Token t;
  if (pos_ >= s_.size()) return t;
  const std::size_t start = pos_;
  const char c = s_[pos_];
  if (ident_start(c)) {
    while (pos_ < s_.size() && ident_char(s_[pos_])) ++pos_;
    t.kind = Tok::kIdent;
  } else if (digit(c)) {
    while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    if (pos_ + 1 < s_.size() && s_[pos_] == '.' && digit(s_[pos_ + 1])) {
      ++pos_;
      while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    }
    t.kind = Tok::kNumber;
  } else if (c == '\'' || c == '"') {
    ++pos_;
    t.kind = Tok::kError;
    while (pos_ < s_.size()) {
      const char d = s_[pos_++];
      if (d == '\\' && pos_ < s_.size()) {
        t.value += s_[pos_++];
      } else if (d == c) {
        t.kind = Tok::kString;
        break;
      } else {
        t.value += d;
      }
    }
    t.text = s_.substr(start, pos_ - start);
    if (t.kind == Tok::kError) t.value = "a text in quotes is never closed";
    return t;
  } else {
    static constexpr std::string_view kTwo[] = {"??", "==", "!=", "<=", ">="};
    t.kind = Tok::kOp;
    for (const auto op : kTwo) {
      if (s_.substr(pos_, 2) == op) {
        pos_ += 2;
        t.text = op;
        return t;
      }
    }
    static constexpr std::string_view kOne = "<>+-*/().,[]";
    if (kOne.find(c) == std::string_view::npos) {
      t.kind = Tok::kError;
      t.value = std::string("unexpected character '") + c + "'";
      ++pos_;
      return t;
    }
    ++pos_;
  }
  t.text = s_.substr(start, pos_ - start);
  return t;
}

}  // namespace ilp::mappers::tmpl
