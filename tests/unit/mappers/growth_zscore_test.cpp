// The WHO z-score engine on values read off WHO's published tables (WHO Child Growth Standards
// 2006 "z-scores" tables, WHO Reference 2007 tables): a median gives 0, the published SD lines give
// their z (within the 0.1 cm / 0.1 kg the published tables are rounded to), and WHO's rules for
// length vs height and for extreme values. The thousands of generated children are compared with
// an independent implementation in tests/oracle/zscore_agreement.mjs.
#include "mappers/growth_zscore.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace ilp::mappers {
namespace {

const std::string kDir = std::string(ILP_SOURCE_DIR) + "/config/growth-standards";

const GrowthStandards& who() {
  static const auto g = [] {
    std::vector<std::string> errors;
    auto s = GrowthStandards::load(kDir, errors);
    REQUIRE(errors.empty());
    REQUIRE(s);
    return s;
  }();
  return *g;
}

ZScore z_of(GrowthIndicator ind, GrowthSex sex, int days, double weight, double length,
            MeasuringPosition pos = MeasuringPosition::kUnknown) {
  GrowthInput in;
  in.indicator = ind;
  in.sex = sex;
  in.age_days = days;
  in.weight_kg = weight;
  in.length_cm = length;
  in.position = pos;
  return who().compute(in);
}

using I = GrowthIndicator;
using S = GrowthSex;
using P = MeasuringPosition;

TEST_CASE("a WHO median gives z = 0 for every indicator and both references", "[unit]") {
  // WHO 2006 weight-for-age, boys at birth: M = 3.3464 kg; girls' length at birth M = 49.1477 cm.
  CHECK(z_of(I::kWeightForAge, S::kMale, 0, 3.3464, 0).z == Approx(0).margin(1e-9));
  CHECK(z_of(I::kLengthHeightForAge, S::kFemale, 0, 0, 49.1477).z == Approx(0).margin(1e-9));
  // Weight-for-length, boys, 80.0 cm: M = 10.4475 kg.
  CHECK(z_of(I::kWeightForLengthHeight, S::kMale, 300, 10.4475, 80).z == Approx(0).margin(1e-9));
  // WHO 2007 height-for-age, boys, 64 months (1948 days, a whole month): M = 111.8636 cm.
  const ZScore h = z_of(I::kLengthHeightForAge, S::kMale, 1948, 0, 111.8636);
  CHECK_FALSE(h.under5);
  CHECK(h.z == Approx(0).margin(1e-9));
}

TEST_CASE("the published SD lines of WHO's tables give their z-score", "[unit]") {
  // wfa_boys z-score table, month 0: SD2 4.4 kg (rounded to 0.1 kg by WHO).
  CHECK(z_of(I::kWeightForAge, S::kMale, 0, 4.4, 0).z == Approx(2).margin(0.05));
  // lhfa_girls, birth: SD-2 45.4 cm, SD2 52.9 cm.
  CHECK(z_of(I::kLengthHeightForAge, S::kFemale, 0, 0, 45.4).z == Approx(-2).margin(0.05));
  CHECK(z_of(I::kLengthHeightForAge, S::kFemale, 0, 0, 52.9).z == Approx(2).margin(0.05));
}

TEST_CASE("weight-based z-scores beyond 3 use WHO's restricted SD3 distance", "[unit]") {
  // Boys at birth: SD2 = 4.41935, SD3 = 5.03064 kg (M (1 + L S k)^(1/L)); half the SD2-SD3 distance
  // above SD3 is z = 3.5 by WHO's rule, while plain LMS would give about 3.47.
  const double sd2 = 4.419353800695619, sd3 = 5.0306392513813405;
  const double y = sd3 + 0.5 * (sd3 - sd2);
  CHECK(z_of(I::kWeightForAge, S::kMale, 0, y, 0).z == Approx(3.5).margin(1e-9));
  CHECK(lms_z(y, {0.3487, 3.3464, 0.14602}) == Approx(3.47).margin(0.01));
  // Below -3: SD-3 = 2.08031, SD-2 = 2.45931; one full distance below SD-3 is -4.
  const double m2 = 2.4593124390190946, m3 = 2.0803078131632184;
  CHECK(z_of(I::kWeightForAge, S::kMale, 0, m3 - (m2 - m3), 0).z == Approx(-4).margin(1e-9));
}

TEST_CASE("height-for-age beyond 3 stays plain LMS", "[unit]") {
  // Girls at birth, L = 1: z is linear in length, 5 SD above the median is exactly 5.
  const double len = 49.1477 * (1 + 5 * 0.0379);
  CHECK(z_of(I::kLengthHeightForAge, S::kFemale, 0, 0, len).z == Approx(5).margin(1e-9));
}

TEST_CASE("a child under 731 days measured standing counts 0.7 cm longer", "[unit]") {
  const double lying = z_of(I::kLengthHeightForAge, S::kFemale, 400, 0, 75.7, P::kLying).z;
  CHECK(z_of(I::kLengthHeightForAge, S::kFemale, 400, 0, 75.0, P::kStanding).z == Approx(lying));
  CHECK(z_of(I::kLengthHeightForAge, S::kFemale, 400, 0, 75.7, P::kUnknown).z == Approx(lying));
}

TEST_CASE("a child of 731 days or more measured lying counts 0.7 cm shorter", "[unit]") {
  const double standing = z_of(I::kLengthHeightForAge, S::kFemale, 800, 0, 90.0, P::kStanding).z;
  CHECK(z_of(I::kLengthHeightForAge, S::kFemale, 800, 0, 90.7, P::kLying).z == Approx(standing));
  // BMI uses the adjusted height too.
  const double b = z_of(I::kBmiForAge, S::kFemale, 800, 12, 90.0, P::kStanding).z;
  CHECK(z_of(I::kBmiForAge, S::kFemale, 800, 12, 90.7, P::kLying).z == Approx(b));
}

TEST_CASE("weight-for-length up to 730 days, weight-for-height from 731", "[unit]") {
  const ZScore l = z_of(I::kWeightForLengthHeight, S::kMale, 730, 11, 85);
  const ZScore h = z_of(I::kWeightForLengthHeight, S::kMale, 731, 11, 85);
  REQUIRE(l.ok());
  REQUIRE(h.ok());
  CHECK_FALSE(l.standing_table);
  CHECK(h.standing_table);
  CHECK(l.z != Approx(h.z).margin(0.01));  // the two tables differ by about 0.7 cm of length
  CHECK_FALSE(z_of(I::kWeightForLengthHeight, S::kMale, 800, 7, 64.9).ok());
  CHECK_FALSE(z_of(I::kWeightForLengthHeight, S::kMale, 100, 20, 110.1).ok());
  CHECK(z_of(I::kWeightForLengthHeight, S::kMale, 100, 18, 110).ok());
}

TEST_CASE("weight-for-length between two 0.1 cm rows interpolates L, M and S", "[unit]") {
  // Boys: 45.0 cm M = 2.441, 45.1 cm M = 2.4577; halfway the median is their mean.
  CHECK(z_of(I::kWeightForLengthHeight, S::kMale, 0, (2.441 + 2.4577) / 2, 45.05).z ==
        Approx(0).margin(1e-3));
}

TEST_CASE("ages outside each reference give no z-score, with a reason", "[unit]") {
  CHECK_FALSE(z_of(I::kWeightForAge, S::kMale, 1827, 18, 0).ok());
  CHECK(z_of(I::kWeightForAge, S::kMale, 1826, 18, 0).ok());
  CHECK(z_of(I::kBmiForAge, S::kMale, 3000, 30, 130).ok());
  CHECK_FALSE(z_of(I::kBmiForAge, S::kMale, 6940, 60, 170).ok());
  const ZScore before = z_of(I::kWeightForAge, S::kMale, -1, 3, 0);
  CHECK_FALSE(before.ok());
  CHECK(std::string(before.reason).find("birth") != std::string::npos);
}

TEST_CASE("Permenkes 2/2020 categories close on the side the regulation says", "[unit]") {
  const auto& c = who().categories();
  CHECK(c.classify(I::kLengthHeightForAge, true, -3.01)->get("category") == "severely-stunted");
  CHECK(c.classify(I::kLengthHeightForAge, true, -3.0)->get("text_id") == "Pendek");
  CHECK(c.classify(I::kLengthHeightForAge, true, -2.0)->get("category") == "normal");
  CHECK(c.classify(I::kWeightForAge, true, 1.0)->get("category") == "normal");
  CHECK(c.classify(I::kWeightForAge, true, 1.01)->get("text_id") == "Risiko berat badan lebih");
  CHECK(c.classify(I::kWeightForLengthHeight, true, 2.5)->get("text_id") == "Gizi lebih");
  CHECK(c.classify(I::kBmiForAge, false, 2.5)->get("text_id") == "Obesitas");
  CHECK(c.classify(I::kLengthHeightForAge, false, 0) == nullptr);
  CHECK(c.classify(I::kLengthHeightForAge, true, -2.5)->get("code") ==
        "L");  // v3 ObservationInterpretation
}

TEST_CASE("a categories file with a gap between rows is refused", "[unit]") {
  std::string error;
  const auto c = GrowthCategories::parse(
      "local_code,system,code,display,indicator,ages,z_from,from_op,to_op,z_to,category,text_id,"
      "text_en\n"
      "a,s,LL,x,wfa,under5,,,<,-3,a,A,A\n"
      "b,s,N,x,wfa,under5,-2,>=,,,b,B,B\n",
      "categories.csv", error);
  CHECK(c == nullptr);
  CHECK(error.find("cover every z-score") != std::string::npos);
}

TEST_CASE("a WHO table with a missing row is refused at load", "[unit]") {
  namespace fs = std::filesystem;
  const fs::path tmp = fs::temp_directory_path() / "ilp-growth-standards-test";
  fs::remove_all(tmp);
  fs::copy(kDir, tmp);
  {
    std::ifstream in(tmp / "wfa_who2006.csv");
    std::string all((std::istreambuf_iterator<char>(in)), {});
    const auto at = all.find("\n1,100,");
    all.erase(at, all.find('\n', at + 1) - at);
    std::ofstream(tmp / "wfa_who2006.csv", std::ios::trunc) << all;
  }
  std::vector<std::string> errors;
  CHECK(GrowthStandards::load(tmp.string(), errors) == nullptr);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("wfa_who2006.csv") != std::string::npos);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace ilp::mappers
