#pragma once
// Typed reads out of a record's `data`, recording one Issue per problem so the sender sees
// every mistake in one answer instead of fixing them one round-trip at a time.
//
// Conventions every kind shares:
// - absent, JSON null and "" (or only spaces) all mean "no value": vendors send all three;
// - a value of the wrong JSON type is an `invalid` issue, a missing required one `required`,
//   a well-typed value that breaks a rule `value`;
// - issue expressions are input paths ("data.patient.nik", "data.diagnoses[1].icd10").
// Paths are built only when an issue is recorded, so a clean record costs no allocations here.

#include <rapidjson/document.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mappers/messages.hpp"
#include "mappers/outcome.hpp"

namespace ilp::mappers {

// The window record times must fall in, and how to read times without an offset. The floor is
// compared with the UTC instant, because that is the date SATUSEHAT will see.
struct TimeRules {
  int local_offset_minutes = 0;         // the facility's zone
  std::chrono::year_month_day floor{};  // SATUSEHAT refuses earlier dates (reference §2.1)
  std::int64_t floor_ms = 0;            // midnight UTC at `floor`
  std::int64_t latest_ms = 0;           // now + tolerance for clocks running a little fast
  std::chrono::year_month_day today{};  // the facility's local date now (for birth dates)
};

class InputReader {
 public:
  enum class Need { kOptional, kRequired };

  explicit InputReader(Outcome& out) : out_(out) {}

  // Each read returns nothing when the value is absent or wrong; problems are already recorded.
  // `parent` may be any JSON value; `parent_path` is its input path ("data.patient").
  const rapidjson::Value* object(const rapidjson::Value& parent, std::string_view parent_path,
                                 std::string_view key, const Label& f, Need need);
  const rapidjson::Value* array(const rapidjson::Value& parent, std::string_view parent_path,
                                std::string_view key, const Label& f, Need need);
  std::optional<std::string_view> string(const rapidjson::Value& parent,
                                         std::string_view parent_path, std::string_view key,
                                         const Label& f, Need need, std::size_t max_chars);
  // The number itself is returned as the JSON value so integers stay integers on output.
  const rapidjson::Value* number(const rapidjson::Value& parent, std::string_view parent_path,
                                 std::string_view key, const Label& f, Need need);
  std::optional<bool> boolean(const rapidjson::Value& parent, std::string_view parent_path,
                              std::string_view key, const Label& f, Need need);
  std::optional<std::chrono::year_month_day> date(const rapidjson::Value& parent,
                                                  std::string_view parent_path,
                                                  std::string_view key, const Label& f, Need need);
  // A point in time inside `rules`' window, as epoch milliseconds UTC.
  std::optional<std::int64_t> instant(const rapidjson::Value& parent, std::string_view parent_path,
                                      std::string_view key, const Label& f, Need need,
                                      const TimeRules& rules);
  // A 16-digit NIK.
  std::optional<std::string_view> nik(const rapidjson::Value& parent, std::string_view parent_path,
                                      std::string_view key, const Label& f, Need need);
  // An IHS number, usable verbatim as a FHIR id (`Patient/{ihs}`).
  std::optional<std::string_view> ihs_number(const rapidjson::Value& parent,
                                             std::string_view parent_path, std::string_view key,
                                             const Label& f, Need need);

  // True when the member holds something other than null or a blank string, i.e. the sender
  // meant to give it (used to choose between alternatives such as nik | mother_nik).
  static bool given(const rapidjson::Value& parent, std::string_view key);

  void add(std::string_view code, std::string_view parent_path, std::string_view key, Text text);

  // "data.patient" + "nik" → "data.patient.nik"; an empty key gives the parent itself.
  static std::string path(std::string_view parent_path, std::string_view key);
  // "data.diagnoses" + 1 → "data.diagnoses[1]".
  static std::string item_path(std::string_view array_path, std::size_t index);

 private:
  // The member, or nullptr when absent or null.
  static const rapidjson::Value* present(const rapidjson::Value& parent, std::string_view key);
  void missing(std::string_view parent_path, std::string_view key, const Label& f, Need need);
  // The member if present and of the type `is` checks; otherwise records "missing" or `wrong`.
  const rapidjson::Value* typed(const rapidjson::Value& parent, std::string_view parent_path,
                                std::string_view key, const Label& f, Need need,
                                bool (rapidjson::Value::*is)() const, Text (*wrong)(const Label&));

  Outcome& out_;
};

}  // namespace ilp::mappers
