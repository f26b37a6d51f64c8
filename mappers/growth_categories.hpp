#pragma once
// The Permenkes 2/2020 (Standar Antropometri Anak) categories of a z-score, read from
// config/growth-standards/categories.csv so IT staff can correct a boundary or a display without a
// new build. The file is a code table (code_tables.hpp: quoting, BOM, comments), so a category is a
// CodeRow the templates read like a lookup() row: .system/.code/.display (the HL7 v3
// ObservationInterpretation coding), .category, .text_id, .text_en. Loaded once; classify() walks
// at most six rows.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/code_tables.hpp"

namespace ilp::mappers {

enum class GrowthIndicator {
  kWeightForAge,
  kLengthHeightForAge,
  kWeightForLengthHeight,
  kBmiForAge
};

// "wfa", "lhfa", "wflh", "bfa" (the names the CSV and the template function use).
std::string_view indicator_name(GrowthIndicator i);
bool parse_indicator(std::string_view s, GrowthIndicator& out);

class GrowthCategories {
 public:
  // nullptr and `error` ("file:line: …") when a row is malformed or the rows of one indicator and
  // age group leave a gap or overlap (checked at -5..+5 in steps of 0.005 and at every bound).
  static std::unique_ptr<GrowthCategories> parse(std::string_view text, std::string_view file,
                                                 std::string& error);

  // under5: the child is younger than 60 months (WHO 2006 standards); otherwise 5-19 years.
  // nullptr when the regulation gives no category there (e.g. height-for-age after 5 years).
  const CodeRow* classify(GrowthIndicator ind, bool under5, double z) const;

 private:
  struct Row {
    GrowthIndicator indicator;
    bool under5;
    bool has_from, from_inclusive;
    double from;
    bool has_to, to_inclusive;
    double to;
    const CodeRow* category;
    bool contains(double z) const;
  };
  std::unique_ptr<CodeTable> table_;
  std::vector<Row> rows_;
};

}  // namespace ilp::mappers
