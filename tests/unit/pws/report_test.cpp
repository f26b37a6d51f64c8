// The PWS table from fact rows (gateway/pws/report): a small synthetic population whose every
// expected figure is counted by hand in the comments.
#include "gateway/pws/report.hpp"

#include <catch2/catch.hpp>
#include <utility>

#include "gateway/pws/record_facts.hpp"
#include "gateway/pws/render.hpp"

namespace ilp::gateway::pws {
namespace {

const std::string kA = "3204012001";
const std::string kB = "3204012002";
const std::string kC = "3204012009";  // listed by the facility, no record

int d(int y, unsigned m, unsigned day) { return day_number(y, m, day); }

std::shared_ptr<const Tables> tables() {
  std::vector<std::string> errors;
  auto t = Tables::parse(
      "village_code,village_name,year,indicator,target\n"
      "3204012001,Cibiru Wetan,2025,k1,10\n"
      "3204012001,Cibiru Wetan,2025,ds,4\n"
      "3204012001,Cibiru Wetan,2024,k1,99\n",
      "dose,vaccines,display\nHB0,HB0,Hepatitis B 0\nMR-1,MR-1,MR 1\n", errors);
  REQUIRE(errors.empty());
  return t;
}

std::vector<FactRow> population() {
  using E = Event;
  return {
      // P1 (A): K1 in January, K4 in March.
      {E::kAncK1, 1, d(2025, 1, 15), 1, "H1", kA},
      {E::kAncK4, 1, d(2025, 3, 5), 4, "H1", kA},
      // P2 (A): K1 in March, sent twice (two records): one woman.
      {E::kAncK1, 2, d(2025, 3, 20), 1, "H2", kA},
      {E::kAncK1, 2, d(2025, 3, 21), 1, "H2", kA},
      // P3 (B): K1 last December: not this year.
      {E::kAncK1, 3, d(2024, 12, 20), 1, "H3", kB},
      // P4 (A): KF1-KF4, the last on 30 March: KF lengkap in March.
      {E::kKf, 4, d(2025, 2, 25), 1, "H4", kA},
      {E::kKf, 4, d(2025, 2, 28), 2, "H4", kA},
      {E::kKf, 4, d(2025, 3, 10), 3, "H4", kA},
      {E::kKf, 4, d(2025, 3, 30), 4, "H4", kA},
      // P5 (A): KF1-KF3 only: not lengkap.
      {E::kKf, 5, d(2025, 3, 1), 1, "H5", kA},
      {E::kKf, 5, d(2025, 3, 4), 2, "H5", kA},
      {E::kKf, 5, d(2025, 3, 20), 3, "H5", kA},
      // P6 (B): a set begun in December, completed in February: cumulative only.
      {E::kKf, 6, d(2024, 12, 28), 1, "H6", kB},
      {E::kKf, 6, d(2024, 12, 31), 2, "H6", kB},
      {E::kKf, 6, d(2025, 1, 10), 3, "H6", kB},
      {E::kKf, 6, d(2025, 2, 5), 4, "H6", kB},
      // P7 (A): KN1-KN3 in March.
      {E::kKn, 7, d(2025, 3, 2), 1, "", kA},
      {E::kKn, 7, d(2025, 3, 5), 2, "", kA},
      {E::kKn, 7, d(2025, 3, 20), 3, "", kA},
      // P8 (B): KN1 in February, KN2-KN3 in March: KN1 cumulative, KN lengkap in March.
      {E::kKn, 8, d(2025, 2, 27), 1, "", kB},
      {E::kKn, 8, d(2025, 3, 1), 2, "", kB},
      {E::kKn, 8, d(2025, 3, 15), 3, "", kB},
      // P9 (A): HB0 last April, MR sent as base code + dose 1 in March: IDL in March.
      {E::kBasicDose, 9, d(2024, 4, 1), 1, "HB0", kA},
      {E::kBasicDose, 9, d(2025, 3, 5), 1, "MR", kA},
      // P10 (A): HB0 only.
      {E::kBasicDose, 10, d(2025, 1, 5), 1, "HB0", kA},
      // P11 (A): 8000 g in February, 8300 g in March: D and N; stunted in March.
      {E::kWeighed, 11, d(2025, 2, 3), 8000, "", kA},
      {E::kWeighed, 11, d(2025, 3, 2), 8300, "", kA},
      {E::kHeightMeasured, 11, d(2025, 3, 2), 1, "", kA},
      // P12 (A): 9100 g in February, 9000 g in March: D, not N; stunted in February only.
      {E::kWeighed, 12, d(2025, 2, 10), 9100, "", kA},
      {E::kWeighed, 12, d(2025, 3, 10), 9000, "", kA},
      {E::kHeightMeasured, 12, d(2025, 2, 10), 1, "", kA},
      {E::kHeightMeasured, 12, d(2025, 3, 10), 0, "", kA},
      // P13 (B): weighed in March only: D, not N.
      {E::kWeighed, 13, d(2025, 3, 12), 7000, "", kB},
      // P14 (A): December 10000 g, January 10200 g: N in January; not weighed in March.
      {E::kWeighed, 14, d(2024, 12, 10), 10000, "", kA},
      {E::kWeighed, 14, d(2025, 1, 10), 10200, "", kA},
      // P15 (B): screened twice in March: one adult.
      {E::kPtmScreened, 15, d(2025, 3, 3), 0, "", kB},
      {E::kPtmScreened, 15, d(2025, 3, 4), 0, "", kB},
      // P16 (no village known): a TB notification in March.
      {E::kTbNotified, 16, d(2025, 3, 7), 0, "", ""},
      // P17 (A): K1 in April: after the month asked for.
      {E::kAncK1, 17, d(2025, 4, 2), 1, "H17", kA},
      // P18 (A): her sixth ANC contact in March; P21 (B) hers last November.
      {E::kAncK6, 18, d(2025, 3, 25), 6, "H18", kA},
      {E::kAncK6, 21, d(2024, 11, 25), 6, "H21", kB},
      // P19 (B): gave birth at a facility in February; P20 (A) in March.
      {E::kFacilityBirth, 19, d(2025, 2, 14), 0, "H19", kB},
      {E::kFacilityBirth, 20, d(2025, 3, 31), 0, "H20", kA},
  };
}

const IndicatorValue& value(const Report& r, const std::string& village, Indicator i) {
  for (const auto& v : r.villages) {
    if (v.village_code == village) return v.indicators.at(static_cast<std::size_t>(i));
  }
  FAIL("no village " << village);
  throw 0;
}

void check(const IndicatorValue& v, std::int64_t month, std::int64_t cumulative) {
  INFO(info(v.indicator).id);
  CHECK(v.month == month);
  CHECK(v.cumulative == cumulative);
}

}  // namespace

TEST_CASE("Every indicator of a synthetic population matches the hand count", "[unit]") {
  const auto t = tables();
  ReportOptions o;
  o.villages = {kA, kB, kC};
  const auto r = compute(population(), {2025, 3}, *t, o);
  using I = Indicator;
  check(value(r, kA, I::kK1), 1, 2);  // P2 this month; P1 and P2 this year
  check(value(r, kA, I::kK4), 1, 1);
  check(value(r, kB, I::kK1), 0, 0);         // P3 was last year
  check(value(r, kA, I::kK6), 1, 1);         // P18
  check(value(r, kB, I::kK6), 0, 0);         // P21 was last year
  check(value(r, kA, I::kPf), 1, 1);         // P20
  check(value(r, kB, I::kPf), 0, 1);         // P19 in February
  check(value(r, kA, I::kKfLengkap), 1, 1);  // P4; P5 lacks KF4
  check(value(r, kB, I::kKfLengkap), 0, 1);  // P6 completed in February
  check(value(r, kA, I::kKn1), 1, 1);
  check(value(r, kA, I::kKnLengkap), 1, 1);
  check(value(r, kB, I::kKn1), 0, 1);
  check(value(r, kB, I::kKnLengkap), 1, 1);
  check(value(r, kA, I::kIdl), 1, 1);  // P9; P10 lacks MR
  check(value(r, kA, I::kDs), 2, 3);   // P11, P12 in March; P14 in January
  check(value(r, kA, I::kNd), 1, 2);   // P11 in March; P14 in January
  check(value(r, kB, I::kDs), 1, 1);
  check(value(r, kB, I::kNd), 0, 0);
  check(value(r, kA, I::kStunting), 1, 2);  // P11 in March; P12 in February
  check(value(r, kB, I::kPtmScreened), 1, 1);
  check(value(r, "", I::kTbNotified), 1, 1);
  check(value(r, kC, I::kK1), 0, 0);

  // Targets and coverage: k1 by the year's target (cumulative), ds by S (the month), N/D and
  // stunting by what was counted this month.
  CHECK(value(r, kA, I::kK1).target == 10);
  CHECK(value(r, kA, I::kK1).coverage_pct == Approx(20.0));
  CHECK(value(r, kA, I::kDs).target == 4);
  CHECK(value(r, kA, I::kDs).coverage_pct == Approx(50.0));
  CHECK(value(r, kA, I::kNd).target == 2);
  CHECK(value(r, kA, I::kNd).coverage_pct == Approx(50.0));
  CHECK(value(r, kA, I::kStunting).target == 2);
  CHECK(value(r, kB, I::kNd).target == 1);
  CHECK(value(r, kB, I::kNd).coverage_pct == Approx(0.0));
  CHECK_FALSE(value(r, kB, I::kK1).target);
  CHECK_FALSE(value(r, kB, I::kK1).coverage_pct);
  CHECK_FALSE(value(r, kA, I::kK4).target);

  // Villages by code, the unknown one last; names from targets.csv.
  REQUIRE(r.villages.size() == 4);
  CHECK(r.villages[0].village_code == kA);
  CHECK(r.villages[0].village_name == "Cibiru Wetan");
  CHECK(r.villages[2].village_code == kC);
  CHECK(r.villages[3].village_code.empty());
  CHECK_FALSE(r.villages[1].village_name);
}

TEST_CASE("A month's counts never include later days, and January starts the year afresh",
          "[unit]") {
  const auto t = tables();
  const auto feb = compute(population(), {2025, 2}, *t, {});
  using I = Indicator;
  check(value(feb, kA, I::kK1), 0, 1);  // only P1 by February
  check(value(feb, kB, I::kKfLengkap), 1, 1);
  CHECK(value(feb, kA, I::kK1).coverage_pct == Approx(10.0));
  const auto jan = compute(population(), {2025, 1}, *t, {});
  check(value(jan, kA, I::kNd), 1, 1);  // P14 against December
}

TEST_CASE("Only the village asked for is listed", "[unit]") {
  ReportOptions o;
  o.villages = {kA, kB};
  o.only_village = kB;
  const auto r = compute(population(), {2025, 3}, *tables(), o);
  REQUIRE(r.villages.size() == 1);
  CHECK(r.villages[0].village_code == kB);
}

TEST_CASE("The JSON has the shape of DESIGN.md 9.1 and the CSV one row per village and indicator",
          "[unit]") {
  ReportOptions o;
  o.only_village = kA;
  const auto r = compute(population(), {2025, 3}, *tables(), o);
  const auto json = to_json(r, mappers::Lang::kId);
  CHECK(
      json.rfind(R"({"month":"2025-03","villages":[{"village_code":"3204012001",)"
                 R"("village_name":"Cibiru Wetan","indicators":[{"id":"k1","label":"Ibu hamil K1",)"
                 R"("month":1,"cumulative":2,"target":10,"coverage_pct":20.0},)",
                 0) == 0);
  CHECK(json.find(R"({"id":"k4","label":"Ibu hamil K4","month":1,"cumulative":1,"target":null,)"
                  R"("coverage_pct":null})") != std::string::npos);
  const auto csv = to_csv(r, mappers::Lang::kEn);
  CHECK(csv.rfind("\xEF\xBB\xBFmonth,village_code,village_name,indicator,label,month_count,"
                  "cumulative,target,"
                  "coverage_pct\r\n2025-03,3204012001,Cibiru Wetan,k1,"
                  "Pregnant women, first ANC contact (K1),1,2,10,20.0\r\n",
                  0) != 0);  // the label has a comma: quoted
  CHECK(csv.find("\r\n2025-03,3204012001,Cibiru Wetan,k1,\"Pregnant women, first ANC contact "
                 "(K1)\",1,2,10,20.0\r\n") != std::string::npos);
  std::size_t lines = 0;
  for (const char c : csv) lines += c == '\n';
  CHECK(lines == 1 + kIndicatorCount);
}

namespace {

// An RFC 4180 reader, as a spreadsheet reads the file: quoted fields may hold commas, doubled
// quotes and line breaks; records end with CRLF.
std::vector<std::vector<std::string>> read_rfc4180(std::string_view text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  bool in_quotes = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::exchange(field, {}));
      quoted = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::exchange(field, {}));
      quoted = false;
      rows.emplace_back();
      ++i;
    } else {
      REQUIRE(c != '"');   // a bare quote inside an unquoted field is not RFC 4180
      REQUIRE(c != '\n');  // a bare LF ends no record
      field += c;
    }
  }
  REQUIRE_FALSE(in_quotes);
  REQUIRE(field.empty());  // the last record ends with CRLF too
  rows.pop_back();
  return rows;
}

}  // namespace

TEST_CASE("The CSV reads back in a spreadsheet: UTF-8 with BOM, header, quoted names intact",
          "[unit]") {
  // A village name (from targets.csv) with a comma, quotes, a line break and non-ASCII text.
  const std::string name = "Cibiru \"Wetan\", RW 2 \xE2\x80\x93 Kulon\r\nBaru";
  Report r;
  r.month = {2025, 3};
  VillageReport v;
  v.village_code = kA;
  v.village_name = name;
  for (const auto& def : indicators()) v.indicators.push_back({def.indicator, 1, 2, 10, 20.0});
  r.villages.push_back(v);
  VillageReport unknown;
  for (const auto& def : indicators()) unknown.indicators.push_back({def.indicator, 0, 1, {}, {}});
  r.villages.push_back(unknown);
  const auto csv = to_csv(r, mappers::Lang::kId);
  REQUIRE(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  const auto rows = read_rfc4180(std::string_view(csv).substr(3));
  REQUIRE(rows.size() == 1 + 2 * kIndicatorCount);
  CHECK(rows[0] == std::vector<std::string>{"month", "village_code", "village_name", "indicator",
                                            "label", "month_count", "cumulative", "target",
                                            "coverage_pct"});
  for (const auto& row : rows) CHECK(row.size() == 9);
  CHECK(rows[1] == std::vector<std::string>{"2025-03", kA, name, "k1", "Ibu hamil K1", "1", "2",
                                            "10", "20.0"});
  const auto& last = rows.back();
  CHECK(last[1].empty());  // the unknown village
  CHECK(last[3] == "tb_notified");
  CHECK(last[7].empty());  // no target: an empty cell
  CHECK(last[8].empty());
}

TEST_CASE("Months are YYYY-MM with a real month", "[unit]") {
  CHECK(parse_month("2025-03") == Month{2025, 3});
  CHECK(parse_month("2025-12")->last_day() == day_number(2025, 12, 31));
  CHECK(parse_month("2024-02")->last_day() == day_number(2024, 2, 29));
  for (const char* bad : {"2025-3", "2025-13", "2025-00", "25-03", "2025/03", "2025-03-01", ""}) {
    CHECK_FALSE(parse_month(bad));
  }
}

}  // namespace ilp::gateway::pws
