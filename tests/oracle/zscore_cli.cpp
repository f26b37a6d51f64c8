// Our WHO z-scores for tests/oracle/zscore_agreement.mjs, one line in, one line out:
//   in:  INDICATOR SEX AGE_DAYS WEIGHT_KG LENGTH_CM POSITION    (wfa|lhfa|wflh|bfa, M|F,
//   -|lying|standing) out: the z-score (not rounded), or "NA <reason>"
// AGE_DAYS may have a fraction: the oracle's monthly tables sit at 30.4375-day months, between two
// of WHO's daily rows, so the z-score there is interpolated between the two whole days (the
// gateway itself only ever asks for whole days). Usage: zscore_cli CONFIG_GROWTH_STANDARDS_DIR
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "mappers/growth_zscore.hpp"

using namespace ilp::mappers;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: zscore_cli config/growth-standards\n";
    return 2;
  }
  std::vector<std::string> errors;
  const auto who = GrowthStandards::load(argv[1], errors);
  if (!who) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return 2;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string ind, sex, pos;
    double age = 0;
    GrowthInput g;
    if (!(in >> ind >> sex >> age >> g.weight_kg >> g.length_cm >> pos) ||
        !parse_indicator(ind, g.indicator)) {
      std::cerr << "bad line: " << line << "\n";
      return 2;
    }
    g.sex = sex == "F" ? GrowthSex::kFemale : GrowthSex::kMale;
    g.position = pos == "lying"      ? MeasuringPosition::kLying
                 : pos == "standing" ? MeasuringPosition::kStanding
                                     : MeasuringPosition::kUnknown;
    const double lo = std::floor(age), f = age - lo;
    g.age_days = static_cast<int>(lo);
    const ZScore a = who->compute(g);
    double z = a.z;
    if (a.ok() && f > 0) {
      g.age_days += 1;
      const ZScore b = who->compute(g);
      if (!b.ok() || b.standing_table != a.standing_table) {
        std::cout << "NA the age falls between two tables\n";
        continue;
      }
      z = a.z + f * (b.z - a.z);
    }
    if (!a.ok()) {
      std::cout << "NA " << a.reason << "\n";
    } else {
      std::printf("%.9f\n", z);
    }
  }
  return 0;
}
