#include "mappers/growth_categories.hpp"

#include <cmath>
#include <cstdlib>

namespace ilp::mappers {
namespace {

constexpr std::string_view kNames[] = {"wfa", "lhfa", "wflh", "bfa"};
constexpr std::string_view kColumns[] = {"indicator", "ages",     "z_from",  "from_op", "to_op",
                                         "z_to",      "category", "text_id", "text_en"};

bool parse_bound(std::string_view cell, double& out) {
  if (cell.empty()) return false;
  const std::string c(cell);
  char* end = nullptr;
  out = std::strtod(c.c_str(), &end);
  return end == c.c_str() + c.size() && std::isfinite(out);
}

}  // namespace

std::string_view indicator_name(GrowthIndicator i) { return kNames[static_cast<int>(i)]; }

bool parse_indicator(std::string_view s, GrowthIndicator& out) {
  for (int i = 0; i < 4; ++i) {
    if (kNames[i] == s) {
      out = static_cast<GrowthIndicator>(i);
      return true;
    }
  }
  return false;
}

bool GrowthCategories::Row::contains(double z) const {
  if (has_from && (from_inclusive ? z < from : z <= from)) return false;
  if (has_to && (to_inclusive ? z > to : z >= to)) return false;
  return true;
}

std::unique_ptr<GrowthCategories> GrowthCategories::parse(std::string_view text,
                                                          std::string_view file,
                                                          std::string& error) {
  auto out = std::unique_ptr<GrowthCategories>(new GrowthCategories());
  out->table_ = CodeTable::parse("growth-categories", text, file, error);
  if (!out->table_) return nullptr;
  const auto fail = [&](const CodeRow* row, const std::string& why) {
    error = std::string(file) + ": " + (row ? std::string(row->cells[0]) + ": " : "") + why;
    return nullptr;
  };
  for (const auto col : kColumns) {
    if (!out->table_->column(col)) return fail(nullptr, "no column " + std::string(col));
  }
  for (const CodeRow* row : out->table_->rows()) {
    const auto cell = [&](std::string_view col) { return *row->get(col); };
    Row r{};
    r.category = row;
    if (!parse_indicator(cell("indicator"), r.indicator)) return fail(row, "unknown indicator");
    if (cell("ages") != "under5" && cell("ages") != "5to18") {
      return fail(row, "ages must be under5 or 5to18");
    }
    r.under5 = cell("ages") == "under5";
    r.has_from = parse_bound(cell("z_from"), r.from);
    r.has_to = parse_bound(cell("z_to"), r.to);
    if (r.has_from != !cell("z_from").empty() || r.has_to != !cell("z_to").empty()) {
      return fail(row, "a bound is not a number");
    }
    if (r.has_from && cell("from_op") != ">=" && cell("from_op") != ">") {
      return fail(row, "from_op must be >= or >");
    }
    if (r.has_to && cell("to_op") != "<" && cell("to_op") != "<=") {
      return fail(row, "to_op must be < or <=");
    }
    r.from_inclusive = cell("from_op") == ">=";
    r.to_inclusive = cell("to_op") == "<=";
    if (cell("code").empty() || cell("text_id").empty())
      return fail(row, "code and text_id are required");
    out->rows_.push_back(r);
  }
  // Every group that has rows must give exactly one category to every z-score, boundaries
  // included: a gap would silently send a z-score without interpretation.
  for (int ind = 0; ind < 4; ++ind) {
    for (const bool u5 : {true, false}) {
      std::vector<double> probes;
      bool any = false;
      for (const auto& r : out->rows_) {
        if (static_cast<int>(r.indicator) != ind || r.under5 != u5) continue;
        any = true;
        if (r.has_from) probes.push_back(r.from);
        if (r.has_to) probes.push_back(r.to);
      }
      if (!any) continue;
      for (int k = -1000; k <= 1000; ++k) probes.push_back(k * 0.005);
      for (const double z : probes) {
        int n = 0;
        for (const auto& r : out->rows_) {
          n += static_cast<int>(r.indicator) == ind && r.under5 == u5 && r.contains(z);
        }
        if (n != 1) {
          return fail(nullptr, std::string(kNames[ind]) + (u5 ? " under5" : " 5to18") +
                                   ": z = " + std::to_string(z) + " falls in " + std::to_string(n) +
                                   " rows; the rows must cover every z-score once");
        }
      }
    }
  }
  return out;
}

const CodeRow* GrowthCategories::classify(GrowthIndicator ind, bool under5, double z) const {
  for (const auto& r : rows_) {
    if (r.indicator == ind && r.under5 == under5 && r.contains(z)) return r.category;
  }
  return nullptr;
}

}  // namespace ilp::mappers
