// The CLI's human output escapes control characters from the store (issue 14).
#include <catch2/catch.hpp>

#include "gateway/cli/terminal_text.hpp"

using ilp::gateway::cli::terminal_safe;
using ilp::gateway::cli::terminal_safe_json;

TEST_CASE("terminal_safe escapes every C0 control, DEL and C1 control", "[unit][cli]") {
  CHECK(terminal_safe("a\x1b[31mb") == "a\\x1b[31mb");
  CHECK(terminal_safe("a\rb\nc\td") == "a\\rb\\nc\\td");
  CHECK(terminal_safe(std::string("\0\x01\x07\x08\x1f\x7f", 6)) ==
        "\\x00\\x01\\x07\\x08\\x1f\\x7f");
  CHECK(terminal_safe("x\xc2\x9b"
                      "2J") == "x\\u009b2J");  // 8-bit CSI
  for (int c = 0; c < 0x20; ++c) {
    const auto out = terminal_safe(std::string(1, static_cast<char>(c)));
    INFO(c);
    CHECK(out.size() >= 2);
    CHECK(out.front() == '\\');
  }
}

TEST_CASE("terminal_safe keeps printable text and UTF-8, and is reversible", "[unit][cli]") {
  CHECK(terminal_safe("PKM Sukamaju 01ARZ3NDEK") == "PKM Sukamaju 01ARZ3NDEK");
  CHECK(terminal_safe("Jayapura \xc3\xa9 \xe2\x82\xac") == "Jayapura \xc3\xa9 \xe2\x82\xac");
  // A backslash is doubled: "\x1b" typed literally never reads as an escaped ESC.
  CHECK(terminal_safe("a\\x1b") == "a\\\\x1b");
}

TEST_CASE("terminal_safe_json escapes DEL and C1 inside strings, the JSON value unchanged",
          "[unit][cli]") {
  CHECK(terminal_safe_json("{\"id\":\"a\x7f"
                           "b\xc2\x9b\"}") == "{\"id\":\"a\\u007fb\\u009b\"}");
  CHECK(terminal_safe_json("{\"id\":\"a\\u001b\\r\"}") == "{\"id\":\"a\\u001b\\r\"}");
}
