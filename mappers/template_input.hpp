#pragma once
// The `input:` declaration of a mapping (config/mappings/LANGUAGE.md, "Input declaration"):
// compiled once, then every record's `data` is checked against it before anything is mapped,
// so the sender hears about every wrong field in one answer, each named by its input path.

#include <rapidjson/document.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/code_tables.hpp"
#include "mappers/facility.hpp"
#include "mappers/input_reader.hpp"
#include "mappers/outcome.hpp"

namespace ilp::mappers::tmpl {

class InputSpec {
 public:
  enum class Type {
    kString,
    kCode,
    kNumber,
    kInteger,
    kBoolean,
    kDate,
    kDatetime,
    kNik,
    kIhs,
    kIcd10,
    kIcd9cm,
    kObject,
    kArray,
    kPatient,
    kPractitioner,
    kLocation,
    kScalar,
  };

  // Errors are "file:line: …".
  bool compile(const YAML::Node& input, std::string_view file, const CodeTables& tables,
               std::vector<std::string>& errors);

  // Is `path` ("vitals.systolic", "diagnoses[].icd10") declared, inside a declared shared block
  // (patient.nik), or a parent of declared fields (vitals)?
  bool declared(std::string_view path) const;
  // The declared type of a path, if declared.
  std::optional<Type> type_of(std::string_view path) const;

  // Checks `data` (the envelope's "data"); every problem becomes one issue of `out`. What is
  // worth a word but no refusal (a visit outside its usual window) goes to `notes`, without PHI.
  void check(const rapidjson::Value& data, const Facility& facility, const TimeRules& rules,
             Outcome& out, std::vector<std::string>* notes = nullptr) const;

 private:
  struct Segment {
    std::string key;
    bool each = false;  // "key[]": every element of the list
  };
  struct Field {
    std::string path;  // as declared
    std::vector<Segment> segments;
    Type type = Type::kString;
    bool required = false;
    std::string required_unless;
    std::size_t max_length = 10'000;
    std::optional<double> min, max;
    std::string unit_id, unit_en;  // after numbers in messages (" mmHg", "%")
    std::string below, after, not_before;
    bool not_future = false;  // dates: not after the facility's today (birth dates)
    // within_days: {from, to, max}: a record where `to` lies more than `max` days after `from`
    // (local dates) is refused at this field, e.g. a neonatal visit code past day 28.
    std::string within_from, within_to;
    std::optional<int> within_max;
    // expected_days: {from, to, <value>: [min, max], …}: for a code field, the usual number of
    // days from `from` to `to` per value (KF2: 3–7 days after birth). Outside: a note, accepted.
    struct Window {
      std::string value;
      int min = 0, max = 0;
    };
    std::string expected_from, expected_to;
    std::vector<Window> expected;
    std::vector<std::string> values;
    const CodeTable* table = nullptr;
    std::size_t max_items = 100;
    std::string label_id, label_en;
  };
  struct Checker;

  const Field* find(std::string_view path) const;

  std::vector<Field> fields_;
};

}  // namespace ilp::mappers::tmpl
