#pragma once
// Every mapping of config/mappings/*.yaml with the code tables of config/codes/*.csv, loaded and
// compiled together. A set is all-or-nothing: one broken file refuses the whole set, so a reload
// either switches to a complete new set or keeps the old one serving (DESIGN.md §5).

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/code_tables.hpp"
#include "mappers/mapping.hpp"

namespace ilp::mappers {

class MappingSet {
 public:
  MappingSet(const MappingSet&) = delete;
  MappingSet& operator=(const MappingSet&) = delete;

  // nullptr when any table or mapping fails (reasons in `report.errors`, "file:line: …").
  static std::shared_ptr<const MappingSet> load(const std::string& mappings_dir,
                                                const std::string& codes_dir,
                                                CompileReport& report);

  const Mapping* find(std::string_view kind) const;
  std::vector<std::string> kinds() const;
  const CodeTables& tables() const { return tables_; }
  // Whether any mapping writes a conditional reference `<type>?identifier=…` (a lab result to
  // its visit's Encounter, an ANC contact to its pregnancy's EpisodeOfCare). Delivery remembers
  // the server ids of only these types: every other id would never be looked up again.
  bool referenced_by_identifier(std::string_view type) const;

 private:
  MappingSet() = default;
  void note_references(std::string_view yaml_text);
  CodeTables tables_;
  std::set<std::string, std::less<>> referenced_types_;
  std::map<std::string, std::unique_ptr<Mapping>, std::less<>> mappings_;
};

}  // namespace ilp::mappers
