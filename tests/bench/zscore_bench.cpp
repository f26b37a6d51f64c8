// zscore_bench: WHO growth z-scores per second on one core (mappers/growth_zscore), through the
// shipped config/growth-standards. Prints figures; asserts nothing.
//
//   build/tests/zscore_bench [seconds-per-indicator]      (default 2)
//
// The inputs cycle through every age 0-60 months by day (and 5-19 years for length/height- and
// BMI-for-age), both sexes and positions, and values from -5 to +5 SD, so the table rows come from
// all over the tables (no single cached row) and the restricted z beyond ±3 is taken too.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mappers/growth_zscore.hpp"

namespace {

using namespace ilp::mappers;

std::vector<GrowthInput> inputs(GrowthIndicator ind) {
  std::vector<GrowthInput> out;
  const int last_day =
      ind == GrowthIndicator::kWeightForAge || ind == GrowthIndicator::kWeightForLengthHeight
          ? kWho2006LastDay
          : 6939;
  for (int day = 0; day <= last_day; ++day) {
    GrowthInput in;
    in.indicator = ind;
    in.age_days = day;
    in.sex = day % 2 ? GrowthSex::kFemale : GrowthSex::kMale;
    in.position = day % 3 ? MeasuringPosition::kLying : MeasuringPosition::kStanding;
    const double years = day / 365.25;
    const double spread = 1.0 + 0.05 * ((day * 7919) % 21 - 10);  // about -5..+5 SD
    in.length_cm =
        (50 + 25 * years - (years > 2 ? 4 * (years - 2) : 0)) * (0.96 + 0.004 * (day % 21));
    if (ind == GrowthIndicator::kWeightForLengthHeight && in.length_cm > 118) in.length_cm = 118;
    in.weight_kg = (3.3 + 3 * years) * spread;
    out.push_back(in);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  std::vector<std::string> errors;
  const auto who =
      GrowthStandards::load(std::string(ILP_SOURCE_DIR) + "/config/growth-standards", errors);
  if (!who) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  std::printf("%-8s %14s %10s\n", "z-score", "per second", "computed");
  for (const auto ind : {GrowthIndicator::kWeightForAge, GrowthIndicator::kLengthHeightForAge,
                         GrowthIndicator::kWeightForLengthHeight, GrowthIndicator::kBmiForAge}) {
    const auto in = inputs(ind);
    double sink = 0;
    std::size_t n = 0, ok = 0;
    const auto start = std::chrono::steady_clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      for (const auto& i : in) {
        const ZScore z = who->compute(i);
        sink += z.z;
        ok += z.ok();
      }
      n += in.size();
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-8s %14.0f %9.1f%%  (checksum %.3g)\n", std::string(indicator_name(ind)).c_str(),
                n / s, 100.0 * ok / n, sink);
  }
  return 0;
}
