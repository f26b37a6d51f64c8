#pragma once
// The lexical rules of FHIR R4's primitive types (https://hl7.org/fhir/R4/datatypes.html), checked
// by hand instead of by the published regexes: one pass over a short string each.

#include <string_view>

#include "gateway/validation/profile_data.hpp"

namespace ilp::validation {

// True when `s` is a valid string form of primitive `p` (string-valued primitives only).
bool valid_lexical(Primitive p, std::string_view s);

// Valid UTF-8 is checked by the JSON parser; this is for control characters FHIR forbids in
// strings (everything below U+0020 except tab, CR and LF).
bool has_forbidden_control(std::string_view s);

// What the validator checks of a string-valued primitive, in one pass where it can: valid_lexical
// and, except for string, markdown and xhtml, no forbidden control character.
bool valid_value(Primitive p, std::string_view s);

}  // namespace ilp::validation
