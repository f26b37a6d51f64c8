#pragma once
// Code tables (DESIGN.md §5): config/codes/<table>.csv translate a facility's local codes (poli,
// vaccines, lab tests, drugs) into national ones. IT staff edit them in a spreadsheet, so the
// format is plain CSV as spreadsheets write it: UTF-8 (a BOM is tolerated), CRLF or LF, quoted
// cells with doubled quotes, a header row `local_code,system,code,display[,extra…]`, and `#`
// comment lines above the header saying where the codes come from.
//
// Loaded once; a lookup is one hash probe.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ilp::mappers {

class CodeTable;
class GrowthStandards;

// One row; cells are addressed by column name through the table.
struct CodeRow {
  const CodeTable* table = nullptr;
  std::vector<std::string> cells;  // same order as the header

  // nullopt when the table has no such column; an empty cell is an empty string.
  std::optional<std::string_view> get(std::string_view column) const;
};

class CodeTable {
 public:
  // Errors name "file:line". Returns nullptr and fills `error` on failure.
  static std::unique_ptr<CodeTable> parse(std::string name, std::string_view text,
                                          std::string_view file_label, std::string& error);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& columns() const { return columns_; }
  std::optional<std::size_t> column(std::string_view name) const;
  const CodeRow* find(std::string_view local_code) const;
  std::size_t size() const { return rows_.size(); }
  // The local codes, in file order (for messages listing what is allowed).
  const std::vector<const CodeRow*>& rows() const { return order_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::string name_;
  std::vector<std::string> columns_;
  std::unordered_map<std::string, CodeRow, Hash, std::equal_to<>> rows_;
  std::vector<const CodeRow*> order_;
};

class CodeTables {
 public:
  // Reads every *.csv of `dir` (the table name is the file name without ".csv"). A missing
  // directory is an empty set. Errors (one per bad file) are appended to `errors`. The WHO growth
  // standards of the sibling folder `growth-standards` (config/growth-standards) load with them
  // when that folder exists: they are data the templates read (who_zscore()) like these tables.
  static CodeTables load(const std::string& dir, std::vector<std::string>& errors);

  void add(std::unique_ptr<CodeTable> table);
  const CodeTable* table(std::string_view name) const;
  std::vector<std::string> names() const;

  // nullptr when no growth standards were loaded.
  const GrowthStandards* growth() const { return growth_.get(); }
  void set_growth(std::shared_ptr<const GrowthStandards> g) { growth_ = std::move(g); }

 private:
  std::unordered_map<std::string, std::shared_ptr<const CodeTable>> tables_;
  std::shared_ptr<const GrowthStandards> growth_;
};

}  // namespace ilp::mappers
