#pragma once
// Text from the store (record ids, facility, kind, errors, notes) comes from facility systems
// and the platform: printed raw, an ESC starts a terminal control sequence (recolour, move the
// cursor, retitle the window, on some terminals worse), a CR overwrites what was printed and an
// LF forges a line. The CLI's human output passes every such field through terminal_safe().
// Pure.

#include <string>
#include <string_view>

namespace ilp::gateway::cli {

// Every C0 control character (U+0000-U+001F), DEL (U+007F) and every C1 control (U+0080-U+009F,
// in UTF-8 as 0xC2 0x80-0x9F; the 8-bit CSI U+009B is ESC [ to many terminals) is written as an
// escape: \n \r \t for those, \xHH for the other single bytes, \u00HH for C1. A backslash is
// doubled, so the escaped text maps back to one original. Everything else, UTF-8 included,
// is unchanged.
std::string terminal_safe(std::string_view text);

// For JSON output (already valid JSON: a JSON writer escapes C0 itself): DEL and C1 controls,
// which JSON allows raw in strings, become \u007f / \u0080-\u009f. Only ever inside strings,
// since JSON has no such bytes outside them, so the result is the same JSON value.
std::string terminal_safe_json(std::string_view json);

}  // namespace ilp::gateway::cli
