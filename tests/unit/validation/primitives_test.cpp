// The lexical forms of FHIR R4's primitive types, against the regexes the specification publishes
// (https://hl7.org/fhir/R4/datatypes.html). FHIR's regexes are XML Schema regexes: \s is space,
// tab, CR and LF only.
#include "gateway/validation/primitives.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace ilp::validation {
namespace {

void accepts(Primitive p, std::initializer_list<std::string_view> values) {
  for (const auto v : values) {
    INFO('"' << std::string(v) << "\" should be accepted");
    CHECK(valid_lexical(p, v));
  }
}

void refuses(Primitive p, std::initializer_list<std::string_view> values) {
  for (const auto v : values) {
    INFO('"' << std::string(v) << "\" should be refused");
    CHECK_FALSE(valid_lexical(p, v));
  }
}

}  // namespace

TEST_CASE("date accepts YYYY, YYYY-MM and real calendar days, leap days included",
          "[validation][primitives]") {
  accepts(Primitive::kDate, {"2024", "2024-02", "2024-02-29", "2000-02-29", "2023-12-31",
                             "0001-01-01", "1900-02-28", "2024-04-30"});
  refuses(Primitive::kDate, {"",
                             "2023-02-29",
                             "1900-02-29",
                             "2100-02-29",
                             "2024-02-30",
                             "2024-04-31",
                             "2024-13",
                             "2024-00",
                             "2024-01-00",
                             "2024-01-32",
                             "0000",
                             "24",
                             "2024-1-01",
                             "2024-01-1",
                             "2024/01/01",
                             " 2024",
                             "2024 ",
                             "2024-",
                             "2024-01-01T00:00:00Z",
                             "20240101"});
}

TEST_CASE("dateTime needs a time zone once it has a time, and takes Z or ±hh:mm up to 14:00",
          "[validation][primitives]") {
  accepts(Primitive::kDateTime,
          {"2024", "2024-02", "2024-02-29", "2024-02-29T10:00:00+07:00", "2024-02-29T10:00:00Z",
           "2024-02-29T10:00:00-03:30", "2024-02-29T00:00:00+00:00", "2024-02-29T23:59:59+14:00",
           "2024-02-29T23:59:59-12:00", "2024-12-31T23:59:60Z", "2024-02-29T10:00:00.1Z",
           "2024-02-29T10:00:00.123456789+07:00"});
  refuses(Primitive::kDateTime,
          {"", "2024-02-29T10:00:00", "2024-02-29T10:00+07:00", "2024-02-29T10+07:00",
           "2024-02-29T", "2024-02-29T24:00:00Z", "2024-02-29T10:60:00Z", "2024-02-29T10:00:61Z",
           "2024-02-29T10:00:00.Z", "2024-02-29T10:00:00z", "2024-02-29T10:00:00+0700",
           "2024-02-29T10:00:00+07", "2024-02-29T10:00:00 +07:00", "2024-02-29 10:00:00+07:00",
           "2024-02-29T10:00:00+15:00", "2024-02-30T10:00:00Z", "2024-02T10:00:00Z",
           "2024T10:00:00Z", "2024-02-29T10:00:00Z "});
}

TEST_CASE("dateTime offsets past +14:00 are refused as the R4 regex does",
          "[validation][primitives]") {
  // R4: (Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)); +14:30 and -14:59 are not offsets.
  refuses(Primitive::kDateTime, {"2024-02-29T10:00:00+14:30", "2024-02-29T10:00:00-14:59"});
  refuses(Primitive::kInstant, {"2024-02-29T10:00:00+14:01"});
}

TEST_CASE("instant needs the full date, the time to the second and a time zone",
          "[validation][primitives]") {
  accepts(Primitive::kInstant, {"2024-02-29T10:00:00Z", "2024-02-29T10:00:00+07:00",
                                "2024-02-29T10:00:00.5+07:00", "2015-02-07T13:28:17.239+02:00"});
  refuses(Primitive::kInstant,
          {"", "2024", "2024-02", "2024-02-29", "2024-02-29T10:00:00", "2024-02-29T10:00Z",
           "2024-02-29T24:00:00Z", "2023-02-29T10:00:00Z"});
}

TEST_CASE("time is hh:mm:ss with optional fraction, no 24:00 and no zone",
          "[validation][primitives]") {
  accepts(Primitive::kTime, {"00:00:00", "23:59:59", "23:59:60", "10:00:00.123", "07:30:00.0"});
  refuses(Primitive::kTime, {"", "24:00:00", "23:60:00", "10:00", "1:00:00", "10:00:00Z",
                             "10:00:00+07:00", "10:00:00.", "10:00:00 ", "10-00-00"});
}

TEST_CASE("id is 1 to 64 letters, digits, '-' and '.'", "[validation][primitives]") {
  accepts(Primitive::kId,
          {"a", "example", "A-Z.0-9",
           std::string_view("0123456789012345678901234567890123456789012345678901234567890123")});
  refuses(Primitive::kId,
          {"", "abc_def", "abc def", "a/b", "é",
           std::string_view("01234567890123456789012345678901234567890123456789012345678901234")});
}

TEST_CASE("code is non-empty without leading, trailing or repeated whitespace",
          "[validation][primitives]") {
  accepts(Primitive::kCode, {"final", "two words", "a b c", "8480-6", "mm[Hg]",
                             "CHEST\xc2\xa0"});  // U+00A0 is not \s in FHIR's regexes
  refuses(Primitive::kCode,
          {"", " ", " lead", "trail ", "double  space", "tab\tinside", "new\nline", "\t"});
}

TEST_CASE("uri, oid and uuid follow their R4 forms", "[validation][primitives]") {
  accepts(Primitive::kUri, {"http://example.org/fhir", "urn:oid:1.2.3", "Patient/1", "#p1",
                            "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"});
  refuses(Primitive::kUri, {"", "has space", "tab\there", "line\nbreak"});

  accepts(Primitive::kOid,
          {"urn:oid:1.2.3", "urn:oid:2.16.840.1.113883", "urn:oid:0.0", "urn:oid:1.0.10"});
  refuses(Primitive::kOid, {"", "1.2.3", "urn:oid:", "urn:oid:1", "urn:oid:3.1", "urn:oid:1.02",
                            "urn:oid:1.2.", "urn:oid:1..2", "urn:oid:1.a", "URN:OID:1.2"});

  accepts(Primitive::kUuid, {"urn:uuid:c757873d-ec9a-4326-a141-556f43239520",
                             "urn:uuid:00000000-0000-0000-0000-000000000000"});
  refuses(Primitive::kUuid, {"", "c757873d-ec9a-4326-a141-556f43239520",
                             "urn:uuid:C757873D-EC9A-4326-A141-556F43239520",
                             "urn:uuid:c757873d-ec9a-4326-a141-556f4323952",
                             "urn:uuid:c757873dec9a-4326-a141-556f43239520-",
                             "urn:uuid:g757873d-ec9a-4326-a141-556f43239520"});
}

TEST_CASE("base64Binary is groups of four base64 characters, whitespace between them allowed",
          "[validation][primitives]") {
  accepts(Primitive::kBase64, {"QQ==", "SGVsbG8=", "SGVsbG8h", "SGVs bG8h", "SGVs\nbG8h\n",
                               "ab/+"});  // '/' is base64 (R4's regex forgets it; R5 fixed that)
  refuses(Primitive::kBase64, {"SGVsbG8", "SGVsbG8*", "SGVsbG8h_", "é"});
}

TEST_CASE("base64Binary is not empty", "[validation][primitives]") {
  // R4: (\s*([0-9a-zA-Z\+\=]){4}\s*)+ needs one group at least; JSON strings are never empty.
  refuses(Primitive::kBase64, {"", "   "});
}

TEST_CASE("string and markdown need one character, whitespace alone included",
          "[validation][primitives]") {
  accepts(Primitive::kString, {"a", " ", "\xc2\xa0", "multi\nline"});
  refuses(Primitive::kString, {""});
  accepts(Primitive::kMarkdown, {"**bold**"});
  refuses(Primitive::kMarkdown, {""});
}

TEST_CASE("xhtml must be a div", "[validation][primitives]") {
  accepts(Primitive::kXhtml,
          {"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>", "  <div>x</div>"});
  refuses(Primitive::kXhtml, {"", "text", "<p>x</p>", "   "});
}

TEST_CASE("control characters other than tab, CR and LF are forbidden in strings",
          "[validation][primitives]") {
  CHECK(has_forbidden_control(std::string_view("a\x01z", 3)));
  CHECK(has_forbidden_control(std::string_view("\0", 1)));
  CHECK(has_forbidden_control("\x1f"));
  CHECK_FALSE(has_forbidden_control("tab\tcr\rlf\n"));
  CHECK_FALSE(has_forbidden_control("plain text, \xc2\xa0 and \x7f"));
}

}  // namespace ilp::validation
