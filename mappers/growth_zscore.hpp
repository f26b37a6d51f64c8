#pragma once
// WHO growth z-scores by the LMS method (DESIGN.md §4): the WHO Child Growth Standards 2006 for
// 0-60 months and the WHO Reference 2007 for 5-19 years, with WHO's rules as WHO Anthro and
// AnthroPlus apply them:
//   - 0-60 months are looked up by age in whole days; 5-19 years by age in months (days / 30.4375)
//     with L, M, S interpolated linearly between whole months (precomputed per day at load, so
//     every age is one array index);
//   - length vs height: a child under 731 days measured standing gets +0.7 cm, one of 731 days or
//     more measured lying -0.7 cm, before height-for-age, the weight-for-length/height choice and
//     BMI; weight-for-length (45-110 cm, 0.1 cm rows, interpolated) under 731 days,
//     weight-for-height (65-120 cm) from 731 days;
//   - weight-based indicators (weight-for-age, weight-for-length/height, BMI-for-age) beyond ±3
//     use the restricted z: 3 + (y - SD3pos) / (SD3pos - SD2pos), and the same below -3;
//     height-for-age is plain LMS.
// Pure and thread-safe after load; no I/O on the compute path.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "mappers/growth_categories.hpp"

namespace ilp::mappers {

// The last day of the WHO 2006 standards: WHO uses them while age in months (days / 30.4375) is
// below 60; from the next day on the WHO Reference 2007 applies.
constexpr int kWho2006LastDay = 1826;

enum class GrowthSex { kMale, kFemale };
enum class MeasuringPosition { kUnknown, kLying, kStanding };

struct GrowthInput {
  GrowthIndicator indicator = GrowthIndicator::kWeightForAge;
  GrowthSex sex = GrowthSex::kMale;
  int age_days = 0;
  double weight_kg = 0;  // weight-for-age, weight-for-length/height, BMI-for-age
  double length_cm = 0;  // length/height-for-age, weight-for-length/height, BMI-for-age
  // kUnknown: taken as lying under 731 days and standing from 731 days (no adjustment).
  MeasuringPosition position = MeasuringPosition::kUnknown;
};

struct ZScore {
  enum class Status { kOk, kNotComputable };
  Status status = Status::kNotComputable;
  double z = 0;                 // not rounded
  bool standing_table = false;  // height-for-age / weight-for-height rather than length-
  bool under5 = true;           // WHO 2006 standards (else WHO Reference 2007)
  const char* reason = "";      // English, when not computable (no clinical value in it)
  bool ok() const { return status == Status::kOk; }
};

class GrowthStandards {
 public:
  // Reads the CSV files of config/growth-standards/ (see its README.md). nullptr and `errors`
  // ("file:line: …") when a file is missing or malformed.
  static std::shared_ptr<const GrowthStandards> load(const std::string& dir,
                                                     std::vector<std::string>& errors);

  ZScore compute(const GrowthInput& in) const;
  const GrowthCategories& categories() const { return *categories_; }

  struct Lms {
    double l, m, s;
  };
  // One table per sex, rows evenly spaced from `first` by `step` (a day, a month, 0.1 cm).
  struct Table {
    std::array<std::vector<Lms>, 2> rows;
  };

 private:
  GrowthStandards() = default;
  Table wfa_, lhfa_, bfa_;  // by day, 0..1826 (WHO 2006)
  Table wfl_, wfh_;         // by mm of length/height from 45.0 / 65.0 cm
  Table hfa07_, bfa07_;     // by day from 1826 (WHO 2007, interpolated from months)
  std::unique_ptr<GrowthCategories> categories_;
  friend struct GrowthStandardsLoader;
};

// WHO's LMS z-score, and the restricted one for weight-based indicators.
double lms_z(double y, const GrowthStandards::Lms& p);
double restricted_z(double y, const GrowthStandards::Lms& p);

}  // namespace ilp::mappers
