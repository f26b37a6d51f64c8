#include "mappers/growth_zscore.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ilp::mappers {
namespace {

// WHO's month: 365.25 / 12 days (WHO Anthro, AnthroPlus).
constexpr double kDaysPerMonth = 30.4375;
constexpr int kLastUnder5Day = kWho2006LastDay;
// The 2007 reference ends at 228 months (19 years): the last whole day before 228 * 30.4375.
constexpr int kLast2007Day = 6939;
// The length/height rule (WHO 2006 standards, section 5.1): 731 days = 2 years.
constexpr int kStandingFromDay = 731;
constexpr double kLyingStandingCm = 0.7;

std::string read_file(const std::filesystem::path& p, bool& ok) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  ok = static_cast<bool>(f) || f.eof();
  ok = ok && f.is_open();
  return s.str();
}

// Rows "sex,x,l,m,s" of one WHO table; x must run from `first` by `step` for each sex.
bool parse_table(const std::string& text, const std::string& file, double first, double step,
                 std::size_t min_rows, GrowthStandards::Table& out, std::string& error) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      header = true;
      continue;
    }
    const char* p = line.c_str();
    char* end = nullptr;
    double v[5];
    for (int i = 0; i < 5; ++i) {
      v[i] = std::strtod(p, &end);
      if (end == p || (i < 4 && *end != ',') || (i == 4 && *end != '\0') || !std::isfinite(v[i])) {
        error = file + ":" + std::to_string(line_no) + ": expected sex,x,l,m,s numbers";
        return false;
      }
      p = end + 1;
    }
    if (v[0] != 1 && v[0] != 2) {
      error = file + ":" + std::to_string(line_no) + ": sex must be 1 or 2";
      return false;
    }
    auto& rows = out.rows[static_cast<std::size_t>(v[0]) - 1];
    const double want = first + step * static_cast<double>(rows.size());
    // The gateway indexes rows by position, so a missing or repeated row must not load.
    if (std::abs(v[1] - want) > 1e-6 || v[3] <= 0 || v[4] <= 0) {
      error = file + ":" + std::to_string(line_no) + ": expected the row for " +
              std::to_string(want) + " with M and S above 0";
      return false;
    }
    rows.push_back({v[2], v[3], v[4]});
  }
  for (const auto& rows : out.rows) {
    if (rows.size() < min_rows) {
      error = file + ": expected at least " + std::to_string(min_rows) + " rows per sex";
      return false;
    }
  }
  return true;
}

const GrowthStandards::Lms* row(const GrowthStandards::Table& t, GrowthSex sex, int i) {
  const auto& rows = t.rows[sex == GrowthSex::kMale ? 0 : 1];
  if (i < 0 || static_cast<std::size_t>(i) >= rows.size()) return nullptr;
  return &rows[static_cast<std::size_t>(i)];
}

ZScore not_computable(const char* reason) {
  ZScore z;
  z.reason = reason;
  return z;
}

}  // namespace

double lms_z(double y, const GrowthStandards::Lms& p) {
  if (std::abs(p.l) < 1e-12) return std::log(y / p.m) / p.s;
  return (std::pow(y / p.m, p.l) - 1.0) / (p.s * p.l);
}

double restricted_z(double y, const GrowthStandards::Lms& p) {
  const double z = lms_z(y, p);
  if (z >= -3 && z <= 3) return z;
  const auto sd = [&](double k) { return p.m * std::pow(1.0 + p.l * p.s * k, 1.0 / p.l); };
  if (z > 3) {
    const double sd3 = sd(3);
    return 3.0 + (y - sd3) / (sd3 - sd(2));
  }
  const double sd3 = sd(-3);
  return -3.0 + (y - sd3) / (sd(-2) - sd3);
}

struct GrowthStandardsLoader {
  static void interpolate_2007(const GrowthStandards::Table& months, GrowthStandards::Table& days) {
    for (int s = 0; s < 2; ++s) {
      const auto& m = months.rows[static_cast<std::size_t>(s)];
      auto& d = days.rows[static_cast<std::size_t>(s)];
      for (int day = kLastUnder5Day + 1; day <= kLast2007Day; ++day) {
        // As AnthroPlus: the whole month below and its fraction towards the next (table from 60).
        const double age = day / kDaysPerMonth;
        const auto lo = static_cast<std::size_t>(std::floor(age)) - 60;
        const double f = age - std::floor(age);
        const auto& a = m[lo];
        const auto& b = m[std::min(lo + 1, m.size() - 1)];
        d.push_back({a.l + f * (b.l - a.l), a.m + f * (b.m - a.m), a.s + f * (b.s - a.s)});
      }
    }
  }
};

std::shared_ptr<const GrowthStandards> GrowthStandards::load(const std::string& dir,
                                                             std::vector<std::string>& errors) {
  namespace fs = std::filesystem;
  auto g = std::shared_ptr<GrowthStandards>(new GrowthStandards());
  Table hfa07_months, bfa07_months;
  struct Spec {
    const char* file;
    double first, step;
    std::size_t min_rows;
    Table* table;
  } specs[] = {
      {"wfa_who2006.csv", 0, 1, kLastUnder5Day + 1, &g->wfa_},
      {"lhfa_who2006.csv", 0, 1, kLastUnder5Day + 1, &g->lhfa_},
      {"bfa_who2006.csv", 0, 1, kLastUnder5Day + 1, &g->bfa_},
      {"wfl_who2006.csv", 45, 0.1, 651, &g->wfl_},
      {"wfh_who2006.csv", 65, 0.1, 551, &g->wfh_},
      {"hfa_who2007.csv", 60, 1, 170, &hfa07_months},
      {"bfa_who2007.csv", 60, 1, 170, &bfa07_months},
  };
  const std::size_t before = errors.size();
  for (const auto& s : specs) {
    const fs::path p = fs::path(dir) / s.file;
    bool ok = false;
    const std::string text = read_file(p, ok);
    std::string error;
    if (!ok) {
      errors.push_back(p.string() + ": cannot be read");
    } else if (!parse_table(text, p.string(), s.first, s.step, s.min_rows, *s.table, error)) {
      errors.push_back(error);
    }
  }
  {
    const fs::path p = fs::path(dir) / "categories.csv";
    bool ok = false;
    const std::string text = read_file(p, ok);
    std::string error;
    if (!ok) {
      errors.push_back(p.string() + ": cannot be read");
    } else if (!(g->categories_ = GrowthCategories::parse(text, p.string(), error))) {
      errors.push_back(error);
    }
  }
  if (errors.size() != before) return nullptr;
  GrowthStandardsLoader::interpolate_2007(hfa07_months, g->hfa07_);
  GrowthStandardsLoader::interpolate_2007(bfa07_months, g->bfa07_);
  return g;
}

ZScore GrowthStandards::compute(const GrowthInput& in) const {
  if (in.age_days < 0) return not_computable("the measurement is before the birth date");
  if (in.age_days > kLast2007Day) return not_computable("older than 19 years");
  const bool under5 = in.age_days <= kLastUnder5Day;
  const bool standing_age = in.age_days >= kStandingFromDay;
  double len = in.length_cm;
  if (in.position == MeasuringPosition::kStanding && !standing_age) len += kLyingStandingCm;
  if (in.position == MeasuringPosition::kLying && standing_age) len -= kLyingStandingCm;
  const int day07 = in.age_days - (kLastUnder5Day + 1);

  ZScore out;
  out.under5 = under5;
  out.standing_table = standing_age;
  switch (in.indicator) {
    case GrowthIndicator::kWeightForAge: {
      if (!under5) return not_computable("weight-for-age is computed up to 60 months");
      if (!(in.weight_kg > 0)) return not_computable("no weight");
      out.z = restricted_z(in.weight_kg, *row(wfa_, in.sex, in.age_days));
      break;
    }
    case GrowthIndicator::kLengthHeightForAge: {
      if (!(len > 0)) return not_computable("no length or height");
      const Lms* p = under5 ? row(lhfa_, in.sex, in.age_days) : row(hfa07_, in.sex, day07);
      out.z = lms_z(len, *p);
      break;
    }
    case GrowthIndicator::kWeightForLengthHeight: {
      if (!under5) return not_computable("weight-for-length/height is computed up to 60 months");
      if (!(in.weight_kg > 0) || !(len > 0)) return not_computable("no weight or no length");
      const Table& t = standing_age ? wfh_ : wfl_;
      const double first = standing_age ? 65 : 45, last = standing_age ? 120 : 110;
      if (len < first || len > last) {
        return not_computable(standing_age ? "height outside 65-120 cm (weight-for-height)"
                                           : "length outside 45-110 cm (weight-for-length)");
      }
      // As WHO Anthro: the 0.1 cm row below and its fraction towards the next.
      const double x = (len - first) * 10.0;
      const int i = static_cast<int>(std::floor(x + 1e-9));
      double f = x - i;
      if (f < 1e-9) f = 0;
      const Lms& a = *row(t, in.sex, i);
      Lms p = a;
      if (f > 0) {
        const Lms& b = *row(t, in.sex, i + 1);
        p = {a.l + f * (b.l - a.l), a.m + f * (b.m - a.m), a.s + f * (b.s - a.s)};
      }
      out.z = restricted_z(in.weight_kg, p);
      break;
    }
    case GrowthIndicator::kBmiForAge: {
      if (!(in.weight_kg > 0) || !(len > 0)) return not_computable("no weight or no length");
      const double bmi = in.weight_kg / ((len / 100.0) * (len / 100.0));
      const Lms* p = under5 ? row(bfa_, in.sex, in.age_days) : row(bfa07_, in.sex, day07);
      out.z = restricted_z(bmi, *p);
      break;
    }
  }
  if (!std::isfinite(out.z)) return not_computable("the value gives no z-score");
  out.status = ZScore::Status::kOk;
  return out;
}

}  // namespace ilp::mappers
