#include "mappers/datetime.hpp"

#include <catch2/catch.hpp>

namespace ilp::mappers {
namespace {

constexpr int kWib = 7 * 60;
constexpr int kWita = 8 * 60;
constexpr int kWit = 9 * 60;

std::string utc(std::string_view text, int offset) {
  const auto ms = parse_datetime(text, offset);
  INFO(text);
  REQUIRE(ms.has_value());
  return format_utc(*ms);
}

TEST_CASE("the three Indonesian zones have fixed offsets and nothing else is guessed", "[unit]") {
  CHECK(utc_offset_minutes("Asia/Jakarta") == kWib);
  CHECK(utc_offset_minutes("Asia/Makassar") == kWita);
  CHECK(utc_offset_minutes("Asia/Jayapura") == kWit);
  CHECK_FALSE(utc_offset_minutes("asia/jakarta").has_value());
  CHECK_FALSE(utc_offset_minutes("Asia/Singapore").has_value());
  CHECK_FALSE(utc_offset_minutes("WIB").has_value());
  CHECK_FALSE(utc_offset_minutes("").has_value());
}

TEST_CASE("a local WIB time is converted to UTC +00:00", "[unit]") {
  // The example on every SATUSEHAT resource page: 17.35 WIB, 23 August 2023.
  CHECK(utc("2023-08-23T17:35:00", kWib) == "2023-08-23T10:35:00+00:00");
}

TEST_CASE("a local WITA time is converted to UTC +00:00", "[unit]") {
  CHECK(utc("2025-03-14T08:30:00", kWita) == "2025-03-14T00:30:00+00:00");
}

TEST_CASE("a local WIT time early in the morning falls on the previous UTC day", "[unit]") {
  CHECK(utc("2025-03-01T07:00:00", kWit) == "2025-02-28T22:00:00+00:00");
  CHECK(utc("2025-01-01T00:00", kWit) == "2024-12-31T15:00:00+00:00");
}

TEST_CASE("an explicit offset wins over the facility's zone", "[unit]") {
  CHECK(utc("2025-03-14T08:30:00+07:00", kWita) == "2025-03-14T01:30:00+00:00");
  CHECK(utc("2025-03-14T08:30:00+09:00", kWib) == "2025-03-13T23:30:00+00:00");
  CHECK(utc("2025-03-14T08:30:00-03:30", kWib) == "2025-03-14T12:00:00+00:00");
  CHECK(utc("2025-03-14T08:30:00+14:00", kWib) == "2025-03-13T18:30:00+00:00");
}

TEST_CASE("Z means UTC whatever the facility's zone", "[unit]") {
  CHECK(utc("2025-03-14T08:30:00Z", kWit) == "2025-03-14T08:30:00+00:00");
  CHECK(utc("2025-03-14T08:30:00+00:00", kWit) == "2025-03-14T08:30:00+00:00");
  CHECK(utc("2025-03-14T08:30:00-00:00", kWit) == "2025-03-14T08:30:00+00:00");
}

TEST_CASE("seconds are optional and fractions are accepted but dropped on output", "[unit]") {
  CHECK(utc("2025-03-14T08:30", kWib) == "2025-03-14T01:30:00+00:00");
  CHECK(utc("2025-03-14T08:30:15.987", kWib) == "2025-03-14T01:30:15+00:00");
  CHECK(utc("2025-03-14T08:30:15.1Z", kWib) == "2025-03-14T08:30:15+00:00");
  CHECK(utc("2025-03-14T08:30:15.123456789+07:00", kWib) == "2025-03-14T01:30:15+00:00");
  const auto ms = parse_datetime("2025-03-14T08:30:15.987Z", 0);
  REQUIRE(ms.has_value());
  CHECK(*ms % 1000 == 987);
}

TEST_CASE("epoch milliseconds are exact at the Unix epoch and across leap days", "[unit]") {
  CHECK(parse_datetime("1970-01-01T00:00:00Z", 0) == 0);
  CHECK(parse_datetime("1970-01-01T07:00:00", kWib) == 0);
  CHECK(parse_datetime("2024-03-01T00:00:00Z", 0).value() -
            parse_datetime("2024-02-28T00:00:00Z", 0).value() ==
        2 * 86'400'000);
  CHECK(format_utc(-1) == "1969-12-31T23:59:59+00:00");
}

TEST_CASE("impossible calendar dates are rejected", "[unit]") {
  for (const auto* text :
       {"2023-02-29T08:00:00", "2023-04-31T08:00:00", "2023-13-01T08:00:00", "2023-00-10T08:00:00",
        "2023-01-00T08:00:00", "1900-02-29T08:00:00", "0000-01-01T08:00:00"}) {
    INFO(text);
    CHECK_FALSE(parse_datetime(text, kWib).has_value());
  }
  CHECK_FALSE(parse_date("2023-02-29").has_value());
  CHECK_FALSE(parse_date("2023-11-31").has_value());
}

TEST_CASE("29 February is accepted in leap years", "[unit]") {
  CHECK(parse_date("2024-02-29").has_value());
  CHECK(parse_date("2000-02-29").has_value());
  CHECK(utc("2024-02-29T23:30:00", kWib) == "2024-02-29T16:30:00+00:00");
}

TEST_CASE("24:00, minute 60 and leap seconds are rejected", "[unit]") {
  for (const auto* text : {"2025-03-14T24:00:00", "2025-03-14T24:00", "2025-03-14T23:60:00",
                           "2025-03-14T23:59:60", "2025-03-14T99:00:00"}) {
    INFO(text);
    CHECK_FALSE(parse_datetime(text, kWib).has_value());
  }
}

TEST_CASE("malformed date-times are rejected, not guessed", "[unit]") {
  for (const auto* text : {
           "",
           "2025",
           "2025-03-14",                      // a date is not a date-time
           "2025-3-14T08:30:00",              // unpadded
           "2025-03-14 08:30:00",             // SQL style
           "2025-03-14t08:30:00",             // lowercase separator
           "2025-03-14T8:30:00",              //
           "2025-03-14T08:30:00+0700",        // offset without colon
           "2025-03-14T08:30:00+07",          //
           "2025-03-14T08:30:00+15:00",       // beyond ±14:00
           "2025-03-14T08:30:00+14:30",       //
           "2025-03-14T08:30:00+07:60",       //
           "2025-03-14T08:30:00z",            //
           "2025-03-14T08:30:00ZZ",           //
           "2025-03-14T08:30:00Z ",           // trailing space
           " 2025-03-14T08:30:00",            //
           "2025-03-14T08:30:00.",            // dot without digits
           "2025-03-14T08:30:00.1234567890",  // more than 9 fraction digits
           "2025-03-14T08:30.5",              // fraction without seconds
           "2025-03-14T08:30:00 WIB",         //
           "14/03/2025 08:30",                //
           "abcd-ef-ghTij:kl:mn",             //
           "２０２５-03-14T08:30:00",         // full-width digits
       }) {
    INFO(text);
    CHECK_FALSE(parse_datetime(text, kWib).has_value());
  }
}

TEST_CASE("dates parse strictly as YYYY-MM-DD", "[unit]") {
  const auto d = parse_date("2024-05-10");
  REQUIRE(d.has_value());
  CHECK(format_date(*d) == "2024-05-10");
  for (const auto* text :
       {"2024-5-10", "2024-05-10T00:00", "2024/05/10", "10-05-2024", "", "2024-05-10 "}) {
    INFO(text);
    CHECK_FALSE(parse_date(text).has_value());
  }
}

TEST_CASE("formatting pads years, months and days", "[unit]") {
  CHECK(format_date(std::chrono::year{14} / 6 / 3) == "0014-06-03");
  CHECK(format_utc(*parse_datetime("0999-01-02T03:04:05Z", 0)) == "0999-01-02T03:04:05+00:00");
}

TEST_CASE("the local date follows the facility's zone across midnight", "[unit]") {
  const auto ms = *parse_datetime("2025-12-31T20:00:00Z", 0);
  CHECK(local_date(ms, kWib) == std::chrono::year{2026} / 1 / 1);
  CHECK(local_date(ms, 0) == std::chrono::year{2025} / 12 / 31);
  CHECK(epoch_ms(std::chrono::year{1970} / 1 / 2) == 86'400'000);
}

}  // namespace
}  // namespace ilp::mappers
