// config/pws/targets.csv and idl-schedule.csv: what check-config refuses, with file:line.
#include "gateway/pws/tables.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "gateway/pws/record_facts.hpp"
#include "gateway/pws/report.hpp"

namespace ilp::gateway::pws {
namespace {

const std::string kHeader = "village_code,village_name,year,indicator,target\n";
const std::string kSchedule = "dose,vaccines,display\nHB0,HB0,HB0\n";

std::vector<std::string> errors_of(const std::string& targets,
                                   const std::string& schedule = kSchedule) {
  std::vector<std::string> errors;
  const auto t = Tables::parse(targets, schedule, errors);
  CHECK((t == nullptr) == !errors.empty());
  return errors;
}

bool one_error(const std::vector<std::string>& errors, const std::string& starts,
               const std::string& says) {
  INFO(errors.size() << " error(s), first: " << (errors.empty() ? "" : errors[0]));
  return errors.size() == 1 && errors[0].rfind(starts, 0) == 0 &&
         errors[0].find(says) != std::string::npos;
}

}  // namespace

TEST_CASE("targets.csv: an unknown indicator is an error at its line", "[unit]") {
  CHECK(one_error(errors_of("# comment\n" + kHeader + "3204012001,X,2025,k9,10\n"),
                  "targets.csv:3: ", "unknown indicator \"k9\""));
}

TEST_CASE("targets.csv: a village code that is not 10 digits is an error at its line", "[unit]") {
  CHECK(one_error(errors_of(kHeader + "320401200,X,2025,k1,10\n"),
                  "targets.csv:2: ", "10-digit Kemendagri code"));
  CHECK(one_error(errors_of(kHeader + "320401200A,X,2025,k1,10\n"), "targets.csv:2: ", "10-digit"));
}

TEST_CASE("targets.csv: a duplicate row is an error naming the first", "[unit]") {
  CHECK(one_error(errors_of(kHeader + "3204012001,X,2025,k1,10\n3204012001,X,2024,k1,10\n"
                                      "3204012001,X,2025,k1,12\n"),
                  "targets.csv:4: ", "is already at line 2"));
}

TEST_CASE("targets.csv: counted denominators, bad years and targets are refused", "[unit]") {
  CHECK(one_error(errors_of(kHeader + "3204012001,X,2025,nd,10\n"),
                  "targets.csv:2: ", "takes no target"));
  CHECK(one_error(errors_of(kHeader + "3204012001,X,25,k1,10\n"), "targets.csv:2: ", "year"));
  CHECK(one_error(errors_of(kHeader + "3204012001,X,2025,k1,-1\n"),
                  "targets.csv:2: ", "whole number"));
  CHECK(one_error(errors_of("village,year\n"), "targets.csv:1: ", "the header must be"));
}

TEST_CASE("Without targets every target is null, the schedule still loads", "[unit]") {
  std::vector<std::string> errors;
  const auto t = Tables::parse("", kSchedule, errors);
  REQUIRE(t);
  CHECK_FALSE(t->target("3204012001", 2025, Indicator::kK1));
  CHECK(t->idl_schedule().size() == 1);
}

TEST_CASE("A config folder without targets.csv loads: every target and coverage is null",
          "[unit]") {
  namespace fs = std::filesystem;
  const auto dir =
      fs::temp_directory_path() / ("pws-no-targets-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "idl-schedule.csv") << kSchedule;
  std::vector<std::string> errors, warnings;
  const auto t = Tables::load(dir.string(), errors, warnings);
  fs::remove_all(dir);
  REQUIRE(t);
  CHECK(errors.empty());
  CHECK(warnings.empty());
  const auto r = compute({{Event::kAncK1, 1, day_number(2025, 3, 3), 1, "H", "3204012001"}},
                         {2025, 3}, *t, {});
  REQUIRE(r.villages.size() == 1);
  for (const auto& v : r.villages[0].indicators) {
    if (info(v.indicator).denominator == Denominator::kCounted) continue;  // counted, not a target
    CHECK_FALSE(v.target);
    CHECK_FALSE(v.coverage_pct);
  }
  CHECK(r.villages[0].indicators[0].month == 1);
}

TEST_CASE("A target and the village name are found by village, year and indicator", "[unit]") {
  std::vector<std::string> errors;
  const auto t = Tables::parse(kHeader +
                                   "\xEF\xBB\xBF"
                                   "3204012001,Cibiru,2025,k1,10\n",
                               kSchedule, errors);
  // A BOM only counts at the start of the file.
  CHECK_FALSE(errors.empty());
  errors.clear();
  const auto u =
      Tables::parse("\xEF\xBB\xBF" + kHeader + "3204012001,Cibiru,2025,k1,10\n", kSchedule, errors);
  REQUIRE(u);
  CHECK(u->target("3204012001", 2025, Indicator::kK1) == 10);
  CHECK_FALSE(u->target("3204012001", 2024, Indicator::kK1));
  CHECK(u->village_name("3204012001") == "Cibiru");
  CHECK(u->knows_village("3204012001"));
  CHECK(u->villages(2025) == std::vector<std::string>{"3204012001"});
}

TEST_CASE("idl-schedule.csv: a dose without vaccines or twice is refused, codes match by dose",
          "[unit]") {
  CHECK(one_error(errors_of("", "dose,vaccines,display\nBCG,,BCG\n"),
                  "idl-schedule.csv:2: ", "names no vaccine code"));
  CHECK(one_error(errors_of("", "dose,vaccines,display\nBCG,BCG,B\nBCG,BCG,B\n"),
                  "idl-schedule.csv:3: ", "duplicate dose"));
  IdlDose d{"OPV-2", {"OPV-2", "POLIO-2"}, ""};
  CHECK(d.matches("OPV-2", 2));
  CHECK(d.matches("POLIO-2", 1));
  CHECK(d.matches("OPV", 2));
  CHECK_FALSE(d.matches("OPV", 3));
}

}  // namespace ilp::gateway::pws
