#include "mappers/growth_categories.hpp"

#include <cmath>
#include <cstdlib>

namespace ilp::mappers {
namespace {

constexpr std::string_view kNames[] = {"wfa", "lhfa", "wflh", "bfa"};
constexpr std::string_view kHeader =
    "indicator,ages,z_from,from_op,to_op,z_to,code,display_id,display_en";

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    out.emplace_back(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool parse_bound(const std::string& cell, double& out) {
  if (cell.empty()) return false;
  char* end = nullptr;
  out = std::strtod(cell.c_str(), &end);
  return end == cell.c_str() + cell.size() && std::isfinite(out);
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
  int line_no = 0;
  bool header = false;
  const auto fail = [&](const std::string& why) {
    error = std::string(file) + ":" + std::to_string(line_no) + ": " + why;
    return nullptr;
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      if (line != kHeader) return fail("the header must be " + std::string(kHeader));
      header = true;
      continue;
    }
    const auto c = split(line);
    if (c.size() != 9) return fail("a row has 9 cells (" + std::string(kHeader) + ")");
    Row r{};
    if (!parse_indicator(c[0], r.indicator)) return fail("unknown indicator '" + c[0] + "'");
    if (c[1] != "under5" && c[1] != "5to18") return fail("ages must be under5 or 5to18");
    r.under5 = c[1] == "under5";
    r.has_from = parse_bound(c[2], r.from);
    r.has_to = parse_bound(c[5], r.to);
    if (r.has_from != !c[2].empty() || r.has_to != !c[5].empty()) return fail("a bound is not a number");
    if (r.has_from && c[3] != ">=" && c[3] != ">") return fail("from_op must be >= or >");
    if (r.has_to && c[4] != "<" && c[4] != "<=") return fail("to_op must be < or <=");
    r.from_inclusive = c[3] == ">=";
    r.to_inclusive = c[4] == "<=";
    if (c[6].empty() || c[7].empty()) return fail("code and display_id are required");
    r.category = GrowthCategory{c[6], c[7], c[8]};
    out->rows_.push_back(std::move(r));
  }
  if (!header) return fail("no header row");
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
          line_no = 0;
          return fail(std::string(kNames[ind]) + (u5 ? " under5" : " 5to18") + ": z = " +
                      std::to_string(z) + " falls in " + std::to_string(n) +
                      " rows; the rows must cover every z-score once");
        }
      }
    }
  }
  return out;
}

const GrowthCategory* GrowthCategories::classify(GrowthIndicator ind, bool under5, double z) const {
  for (const auto& r : rows_) {
    if (r.indicator == ind && r.under5 == under5 && r.contains(z)) return &r.category;
  }
  return nullptr;
}

}  // namespace ilp::mappers
