#pragma once
// Compact JSON written straight into a string, with rollback: a template member whose value
// turns out missing, or an object or list left empty, is cut off again by truncating to a mark
// taken before it was begun (FHIR forbids empty objects and arrays). RapidJSON's Writer keeps
// per-level state that cannot be rewound, so the mapping engine writes through this instead;
// numbers use RapidJSON's own formatting, so output is the same as its Writer's.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ilp::mappers {

class JsonEmitter {
 public:
  explicit JsonEmitter(std::string& out) : out_(out) {}

  std::size_t mark() const { return out_.size(); }
  void rollback(std::size_t mark) { out_.resize(mark); }

  // Pre-escaped JSON (keys with their colon, constants with their quotes).
  void raw(std::string_view json) { out_.append(json); }
  void raw(char c) { out_.push_back(c); }
  void string(std::string_view s) { append_escaped(out_, s); }
  void number(std::int64_t i);
  // false for NaN and infinities, which JSON cannot hold (nothing is written).
  bool number(double d);
  void boolean(bool b) { out_.append(b ? "true" : "false"); }

  // `"s"` with JSON escapes, as RapidJSON's Writer escapes (control characters as \uXXXX
  // except \b \f \n \r \t; UTF-8 passes through).
  static void append_escaped(std::string& out, std::string_view s);
  // The same without the surrounding quotes (pieces of one string written in turn).
  static void append_escaped_body(std::string& out, std::string_view s);
  void string_piece(std::string_view s) { append_escaped_body(out_, s); }
  static std::string quoted(std::string_view s) {
    std::string out;
    append_escaped(out, s);
    return out;
  }

 private:
  std::string& out_;
};

}  // namespace ilp::mappers
