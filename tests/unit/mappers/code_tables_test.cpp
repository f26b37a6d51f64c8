// Code tables as spreadsheets write them, and mapping sets that load all or nothing.
#include "mappers/code_tables.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "mappers/mapping_set.hpp"

namespace ilp::mappers {
namespace {

std::string parse_error(std::string_view text) {
  std::string error;
  CHECK(CodeTable::parse("t", text, "t.csv", error) == nullptr);
  return error;
}

TEST_CASE("a code table reads BOM, CRLF, comments, quoted cells and extra columns", "[unit]") {
  std::string error;
  auto t = CodeTable::parse("t",
                            "\xEF\xBB\xBF# source: somewhere\r\n"
                            "local_code,system,code,display,cvx\r\n"
                            "A,sys,1,\"Alpha, \"\"the first\"\"\",10\r\n"
                            "\r\n"
                            "B,sys,2,Beta\r\n",
                            "t.csv", error);
  INFO(error);
  REQUIRE(t != nullptr);
  CHECK(t->size() == 2);
  CHECK(t->find("A")->get("display") == std::optional<std::string_view>("Alpha, \"the first\""));
  CHECK(t->find("A")->get("cvx") == std::optional<std::string_view>("10"));
  CHECK(t->find("B")->get("cvx") == std::optional<std::string_view>(""));
  CHECK(t->find("B")->get("nosuch") == std::nullopt);
  CHECK(t->find("C") == nullptr);
}

TEST_CASE("code table errors name the file and line", "[unit]") {
  CHECK(parse_error("code,system\nA,b\n") ==
        "t.csv:1: the header must start with local_code,system,code,display (extra columns may "
        "follow)");
  CHECK(parse_error("local_code,system,code,display\nA,s,1,a\nA,s,2,b\n") ==
        "t.csv:3: local_code 'A' appears twice");
  CHECK(parse_error("local_code,system,code,display\nA,s,1,a,extra\n") ==
        "t.csv:2: this row has 5 cells but the header has 4 columns");
  CHECK(parse_error("local_code,system,code,display\n,s,1,a\n") == "t.csv:2: local_code is empty");
  CHECK(parse_error("local_code,system,code,display\nA,s,,\n") ==
        "t.csv:2: row 'A' has neither code nor display");
  CHECK(parse_error("local_code,system,code,display\nA,s,\"1,a\n") ==
        "t.csv: line 2: a quoted cell is never closed");
  CHECK(parse_error("# only a comment\n") ==
        "t.csv:2: no header row (local_code,system,code,display)");
}

TEST_CASE("a mapping set with one broken file is refused whole", "[unit]") {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / ("ilp-mapset-" + std::to_string(::getpid()));
  fs::create_directories(dir / "mappings");
  fs::create_directories(dir / "codes");
  const auto write = [&](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
  write(dir / "mappings" / "a.yaml",
        "kind: a\ninput: {}\nresources: [{name: r, body: {resourceType: Basic}}]\n");
  CompileReport ok_report;
  auto set = MappingSet::load((dir / "mappings").string(), (dir / "codes").string(), ok_report);
  REQUIRE(set != nullptr);
  CHECK(set->kinds() == std::vector<std::string>{"a"});
  CHECK(set->find("a") != nullptr);
  CHECK(set->find("b") == nullptr);

  write(
      dir / "mappings" / "b.yaml",
      "kind: b\ninput: {}\nresources: [{name: r, body: {resourceType: Basic, x: \"${nope(}\"}}]\n");
  CompileReport report;
  CHECK(MappingSet::load((dir / "mappings").string(), (dir / "codes").string(), report) == nullptr);
  REQUIRE_FALSE(report.errors.empty());
  CHECK_THAT(report.errors[0], Catch::Contains("b.yaml:3"));

  write(dir / "mappings" / "b.yaml",
        "kind: c\ninput: {}\nresources: [{name: r, body: {resourceType: Basic}}]\n");
  CompileReport mismatch;
  CHECK(MappingSet::load((dir / "mappings").string(), (dir / "codes").string(), mismatch) ==
        nullptr);
  CHECK_THAT(mismatch.errors.at(0), Catch::Contains("does not match the file name"));
  fs::remove_all(dir);
}

TEST_CASE(
    "the shipped mappings refer by identifier to Encounters and EpisodeOfCare, not to "
    "Observations",
    "[unit]") {
  CompileReport report;
  const std::string src = ILP_SOURCE_DIR;
  auto set = MappingSet::load(src + "/config/mappings", src + "/config/codes", report);
  REQUIRE(set != nullptr);
  CHECK(set->referenced_by_identifier("Encounter"));      // lab, prescription, tb → the visit
  CHECK(set->referenced_by_identifier("EpisodeOfCare"));  // ANC, postpartum, neonatal
  CHECK(set->referenced_by_identifier("Patient"));
  CHECK_FALSE(set->referenced_by_identifier("Observation"));
  CHECK_FALSE(set->referenced_by_identifier("Condition"));
  CHECK_FALSE(set->referenced_by_identifier("Encounte"));
}

TEST_CASE("a type named before ?identifier= in any expression of a mapping counts as referenced",
          "[unit]") {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / ("ilp-refs-" + std::to_string(::getpid()));
  fs::create_directories(dir / "mappings");
  fs::create_directories(dir / "codes");
  std::ofstream(dir / "mappings" / "a.yaml")
      << "kind: a\ninput: {}\nresources: [{name: r, body: {resourceType: Basic, subject: "
         "{reference: \"${concat('Condition?identifier=http://x|', '1')}\"}}}]\n";
  CompileReport report;
  auto set = MappingSet::load((dir / "mappings").string(), (dir / "codes").string(), report);
  REQUIRE(set != nullptr);
  CHECK(set->referenced_by_identifier("Condition"));
  CHECK_FALSE(set->referenced_by_identifier("Basic"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ilp::mappers
