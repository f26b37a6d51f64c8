#include "mappers/code_tables.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mappers/csv.hpp"
#include "mappers/growth_zscore.hpp"

namespace ilp::mappers {
namespace {

constexpr std::string_view kRequiredColumns[] = {"local_code", "system", "code", "display"};

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool blank(const std::vector<std::string>& cells) {
  return std::all_of(cells.begin(), cells.end(), [](const auto& c) { return trim(c).empty(); });
}

}  // namespace

std::optional<std::string_view> CodeRow::get(std::string_view column) const {
  const auto i = table->column(column);
  if (!i || *i >= cells.size()) return std::nullopt;
  return std::string_view(cells[*i]);
}

std::optional<std::size_t> CodeTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return i;
  }
  return std::nullopt;
}

const CodeRow* CodeTable::find(std::string_view local_code) const {
  const auto it = rows_.find(local_code);
  return it == rows_.end() ? nullptr : &it->second;
}

std::unique_ptr<CodeTable> CodeTable::parse(std::string name, std::string_view text,
                                            std::string_view file_label, std::string& error) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // spreadsheets add a BOM
  auto t = std::unique_ptr<CodeTable>(new CodeTable());
  t->name_ = std::move(name);
  const auto fail = [&](int line, const std::string& what) {
    error = std::string(file_label) + ":" + std::to_string(line) + ": " + what;
    return nullptr;
  };

  std::size_t pos = 0;
  int line = 1;
  std::vector<std::string> cells;
  bool have_header = false;
  while (pos < text.size()) {
    const int record_line = line;
    if (!have_header && text[pos] == '#') {  // a comment line above the header
      const auto nl = text.find('\n', pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line;
      continue;
    }
    std::string csv_error;
    if (!read_csv_record(text, pos, line, cells, csv_error)) {
      error = std::string(file_label) + ": " + csv_error;
      return nullptr;
    }
    if (blank(cells)) continue;
    if (!have_header) {
      for (auto& c : cells) t->columns_.push_back(trim(std::move(c)));
      for (std::size_t i = 0; i < std::size(kRequiredColumns); ++i) {
        if (i >= t->columns_.size() || t->columns_[i] != kRequiredColumns[i]) {
          return fail(record_line,
                      "the header must start with local_code,system,code,display "
                      "(extra columns may follow)");
        }
      }
      for (std::size_t i = 0; i < t->columns_.size(); ++i) {
        if (t->columns_[i].empty()) return fail(record_line, "a header cell is empty");
        for (std::size_t j = 0; j < i; ++j) {
          if (t->columns_[i] == t->columns_[j]) {
            return fail(record_line, "column '" + t->columns_[i] + "' appears twice");
          }
        }
      }
      have_header = true;
      continue;
    }
    if (cells.size() > t->columns_.size()) {
      return fail(record_line, "this row has " + std::to_string(cells.size()) +
                                   " cells but the header has " +
                                   std::to_string(t->columns_.size()) + " columns");
    }
    for (auto& c : cells) c = trim(std::move(c));
    cells.resize(t->columns_.size());
    if (cells[0].empty()) return fail(record_line, "local_code is empty");
    if (cells[2].empty() && cells[3].empty()) {
      // A row with neither code nor display translates to nothing: a half-filled spreadsheet.
      return fail(record_line, "row '" + cells[0] + "' has neither code nor display");
    }
    const std::string key = cells[0];
    auto [it, inserted] = t->rows_.try_emplace(key, CodeRow{t.get(), std::move(cells)});
    if (!inserted) return fail(record_line, "local_code '" + key + "' appears twice");
    t->order_.push_back(&it->second);
    cells = {};
  }
  if (!have_header) return fail(line, "no header row (local_code,system,code,display)");
  return t;
}

CodeTables CodeTables::load(const std::string& dir, std::vector<std::string>& errors) {
  namespace fs = std::filesystem;
  CodeTables out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".csv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    if (!f && !f.eof()) {
      errors.push_back(p.string() + ": cannot be read");
      continue;
    }
    std::string error;
    auto t = CodeTable::parse(p.stem().string(), s.str(), p.string(), error);
    if (!t) {
      errors.push_back(error);
      continue;
    }
    out.add(std::move(t));
  }
  fs::path codes = fs::absolute(fs::path(dir), ec);
  if (!codes.has_filename()) codes = codes.parent_path();
  const fs::path growth = codes.parent_path() / "growth-standards";
  if (fs::is_directory(growth, ec)) out.set_growth(GrowthStandards::load(growth.string(), errors));
  return out;
}

void CodeTables::add(std::unique_ptr<CodeTable> table) {
  auto name = table->name();
  tables_[std::move(name)] = std::move(table);
}

const CodeTable* CodeTables::table(std::string_view name) const {
  const auto it = tables_.find(std::string(name));
  return it == tables_.end() ? nullptr : it->second.get();
}

std::vector<std::string> CodeTables::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : tables_) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ilp::mappers
