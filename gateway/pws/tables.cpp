#include "gateway/pws/tables.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "mappers/csv.hpp"

namespace ilp::gateway::pws {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool blank(const std::vector<std::string>& cells) {
  for (const auto& c : cells) {
    if (!trim(c).empty()) return false;
  }
  return true;
}

// The rows of a CSV under its header, with their line numbers. Comment lines (#) may stand
// above the header; a BOM is skipped (spreadsheets add one).
struct Row {
  int line;
  std::vector<std::string> cells;
};

bool read_rows(std::string_view text, std::string_view label,
               const std::vector<std::string_view>& header, std::vector<Row>& rows,
               std::vector<std::string>& errors) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::size_t pos = 0;
  int line = 1;
  bool have_header = false;
  std::vector<std::string> cells;
  std::string error;
  const auto where = [&](int l) { return std::string(label) + ":" + std::to_string(l) + ": "; };
  while (pos < text.size()) {
    const int record_line = line;
    if (!have_header && text[pos] == '#') {
      const auto nl = text.find('\n', pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line;
      continue;
    }
    if (!mappers::read_csv_record(text, pos, line, cells, error)) {
      errors.push_back(std::string(label) + ":" + error.substr(5));  // "line N: …" → "N: …"
      return false;
    }
    if (blank(cells)) continue;
    for (auto& c : cells) c = trim(c);
    if (!have_header) {
      std::vector<std::string> want(header.begin(), header.end());
      if (cells != want) {
        std::string expected;
        for (const auto& h : header) expected += (expected.empty() ? "" : ",") + std::string(h);
        errors.push_back(where(record_line) + "the header must be " + expected);
        return false;
      }
      have_header = true;
      continue;
    }
    if (cells.size() != header.size()) {
      errors.push_back(where(record_line) + "expected " + std::to_string(header.size()) +
                       " columns, found " + std::to_string(cells.size()));
      continue;
    }
    rows.push_back({record_line, cells});
  }
  return true;
}

template <class T>
bool parse_int(const std::string& s, T& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

bool is_village_code(std::string_view s) {
  if (s.size() != 10) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IdlDose::matches(std::string_view vaccine, std::int64_t dose_number) const {
  const std::string with_dose = std::string(vaccine) + "-" + std::to_string(dose_number);
  for (const auto& v : vaccines) {
    if (v == vaccine || v == with_dose) return true;
  }
  return false;
}

std::shared_ptr<const Tables> Tables::parse(std::string_view targets_csv,
                                            std::string_view schedule_csv,
                                            std::vector<std::string>& errors,
                                            std::string_view targets_label,
                                            std::string_view schedule_label) {
  auto t = std::make_shared<Tables>();
  const auto before = errors.size();
  std::vector<Row> rows;
  read_rows(targets_csv, targets_label,
            {"village_code", "village_name", "year", "indicator", "target"}, rows, errors);
  std::map<std::tuple<std::string, int, Indicator>, int> first_line;
  for (const auto& r : rows) {
    const std::string at = std::string(targets_label) + ":" + std::to_string(r.line) + ": ";
    const auto& village = r.cells[0];
    const auto& indicator_id = r.cells[3];
    int year = 0;
    std::int64_t target = 0;
    bool ok = true;
    if (!is_village_code(village)) {
      errors.push_back(at + "village_code \"" + village +
                       "\" must be the 10-digit Kemendagri code of the desa/kelurahan");
      ok = false;
    }
    if (!parse_int(r.cells[2], year) || year < 2000 || year > 2100) {
      errors.push_back(at + "year \"" + r.cells[2] + "\" must be a year such as 2025");
      ok = false;
    }
    const auto indicator = indicator_from_id(indicator_id);
    if (!indicator) {
      std::string known;
      for (const auto& i : indicators()) {
        if (i.denominator != Denominator::kCounted)
          known += (known.empty() ? "" : ", ") + std::string(i.id);
      }
      errors.push_back(at + "unknown indicator \"" + indicator_id + "\" (one of: " + known + ")");
      ok = false;
    } else if (info(*indicator).denominator == Denominator::kCounted) {
      errors.push_back(at + "indicator \"" + indicator_id +
                       "\" takes no target: its denominator is counted from the records "
                       "(docs/pws.md)");
      ok = false;
    }
    if (!parse_int(r.cells[4], target) || target < 0) {
      errors.push_back(at + "target \"" + r.cells[4] + "\" must be a whole number, 0 or more");
      ok = false;
    }
    if (!ok) continue;
    const auto key = std::make_tuple(village, year, *indicator);
    const auto [it, inserted] = first_line.emplace(key, r.line);
    if (!inserted) {
      errors.push_back(at + "duplicate row: " + village + " " + std::to_string(year) + " " +
                       indicator_id + " is already at line " + std::to_string(it->second));
      continue;
    }
    t->targets_[key] = target;
    t->known_.insert(village);
    if (!r.cells[1].empty()) t->names_.emplace(village, r.cells[1]);
  }

  rows.clear();
  read_rows(schedule_csv, schedule_label, {"dose", "vaccines", "display"}, rows, errors);
  std::map<std::string, int> dose_line;
  for (const auto& r : rows) {
    const std::string at = std::string(schedule_label) + ":" + std::to_string(r.line) + ": ";
    IdlDose d;
    d.dose = r.cells[0];
    d.display = r.cells[2];
    std::istringstream codes(r.cells[1]);
    for (std::string c; codes >> c;) d.vaccines.push_back(c);
    if (d.dose.empty()) {
      errors.push_back(at + "dose is empty");
      continue;
    }
    if (d.vaccines.empty()) {
      errors.push_back(at + "dose \"" + d.dose +
                       "\" names no vaccine code (vaccines: local codes separated by spaces)");
      continue;
    }
    const auto [it, inserted] = dose_line.emplace(d.dose, r.line);
    if (!inserted) {
      errors.push_back(at + "duplicate dose \"" + d.dose + "\", already at line " +
                       std::to_string(it->second));
      continue;
    }
    t->schedule_.push_back(std::move(d));
  }
  if (errors.size() != before) return nullptr;
  return t;
}

std::shared_ptr<const Tables> Tables::load(const std::string& dir, std::vector<std::string>& errors,
                                           std::vector<std::string>& warnings) {
  namespace fs = std::filesystem;
  const fs::path targets = fs::path(dir) / "targets.csv";
  const fs::path schedule = fs::path(dir) / "idl-schedule.csv";
  const auto targets_text = read_file(targets);
  auto schedule_text = read_file(schedule);
  if (!schedule_text) {
    warnings.push_back(schedule.string() +
                       ": missing: IDL (imunisasi dasar lengkap) counts nobody without the "
                       "schedule of basic doses");
  }
  return parse(targets_text.value_or(""), schedule_text.value_or(""), errors, targets.string(),
               schedule.string());
}

std::optional<std::int64_t> Tables::target(std::string_view village, int year, Indicator i) const {
  const auto it = targets_.find(std::make_tuple(std::string(village), year, i));
  if (it == targets_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Tables::village_name(std::string_view village) const {
  const auto it = names_.find(village);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Tables::villages(int year) const {
  std::set<std::string> out;
  for (const auto& [key, target] : targets_) {
    if (std::get<1>(key) == year) out.insert(std::get<0>(key));
  }
  return {out.begin(), out.end()};
}

}  // namespace ilp::gateway::pws
