#pragma once
// One compiled mapping template: config/mappings/<kind>.yaml (DESIGN.md §6, the exact language
// in config/mappings/LANGUAGE.md). Compiled once at load; `map()` checks a record against the
// input declaration, then evaluates the resources into one transaction Bundle, written with
// RapidJSON's writer from a DOM built in a reused memory pool.
//
// Pure and deterministic like every mapper: no clock (now comes in MapInput), no network, and
// urn:uuids derived from (facility, record id, revision, resource name).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/code_tables.hpp"
#include "mappers/map_result.hpp"

namespace ilp::mappers {

struct CompileReport {
  std::vector<std::string> errors;    // "file:line: …"; any error refuses the mapping
  std::vector<std::string> warnings;  // e.g. a field used but not declared
};

class Mapping {
 public:
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  // `file_label` names the file in messages. `tables` must outlive the mapping.
  static std::unique_ptr<Mapping> compile(std::string_view yaml_text, std::string file_label,
                                          const CodeTables& tables, CompileReport& report);

  const std::string& kind() const;
  int version() const;
  const std::string& file() const;
  // "transaction" (one Bundle POSTed to the FHIR base) or "resource" (each entry on its own).
  bool send_as_resources() const;

  MapResult map(const MapInput& in) const;

  // Where each value of the bundle came from: the bundle path of every value written from an
  // expression and the record field that expression read. Runs the mapping again with tracing on;
  // only called on the slow path, after a bundle failed validation.
  struct FieldTrace {
    std::string fhir_path;  // "Bundle.entry[2].resource.valueQuantity.value"
    std::string
        input_path;  // "data.vitals.systolic"; never empty (values from no field are not listed)
  };
  // In bundle order, with the indices of map()'s bundle_json (after when:, each:, and members,
  // objects and lists left out); each path at most once. Empty when the record does not map.
  // The field is the one the value was made from: through functions (utc(finished_at) →
  // data.finished_at, lookup('t', item.code).display → the code's field), the side `??` or
  // coalesce() took, order_by()/entries() items back to their place in the record
  // (data.diagnoses[1], data.vitals.systolic). A value if() chose from constants names the field
  // its condition tested, which may be absent from the record (glucose_type → 'random').
  std::vector<FieldTrace> trace(const MapInput& in) const;

 private:
  struct Impl;
  explicit Mapping(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The record field behind a validator's expression: the trace entry whose path equals it, else
// the longest trace path that is a prefix of it (at a '.' or '[' boundary; the value was written
// whole, e.g. an object), else the first trace entry inside it (the expression names a parent,
// e.g. a required child is missing). Empty when nothing matches.
std::string input_field_for(const std::vector<Mapping::FieldTrace>& trace,
                            std::string_view expression);

}  // namespace ilp::mappers
