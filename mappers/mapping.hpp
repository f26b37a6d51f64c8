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

 private:
  struct Impl;
  explicit Mapping(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilp::mappers
