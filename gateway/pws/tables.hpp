#pragma once
// The files of config/pws/ that IT staff edit (DESIGN.md §5, docs/pws.md):
//   targets.csv       village_code,village_name,year,indicator,target — the PWS denominators
//                     (sasaran) from the Dinas' proyeksi penduduk; optional: without it every
//                     target is null;
//   idl-schedule.csv  dose,vaccines,display — the doses that make a basic immunisation complete
//                     (IDL), each naming the local vaccine codes that count as that dose.
// Pure: load() reads the two files, everything else is lookups.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gateway/pws/indicator.hpp"

namespace ilp::gateway::pws {

struct IdlDose {
  std::string dose;                   // "OPV-1", as the schedule names it
  std::vector<std::string> vaccines;  // local codes (config/codes/vaccines.csv) that count
  std::string display;
  // A dose given as `vaccine` with `dose_number` counts when the schedule lists the code, or
  // the code with "-<dose_number>" (systems that send "OPV" and dose 2 for "OPV-2").
  bool matches(std::string_view vaccine, std::int64_t dose_number) const;
};

class Tables {
 public:
  // Reads `dir`/targets.csv and `dir`/idl-schedule.csv. A missing file is no error: targets are
  // then null, and without a schedule IDL counts nobody (a warning says so). Problems in a file
  // are "file:line: …" in `errors`; warnings (missing schedule) in `warnings`.
  static std::shared_ptr<const Tables> load(const std::string& dir,
                                            std::vector<std::string>& errors,
                                            std::vector<std::string>& warnings);
  // For tests and tools: the same checks on text already read.
  static std::shared_ptr<const Tables> parse(std::string_view targets_csv,
                                             std::string_view schedule_csv,
                                             std::vector<std::string>& errors,
                                             std::string_view targets_label = "targets.csv",
                                             std::string_view schedule_label = "idl-schedule.csv");

  std::optional<std::int64_t> target(std::string_view village, int year, Indicator i) const;
  std::optional<std::string> village_name(std::string_view village) const;
  // Whether any row names the village (any year).
  bool knows_village(std::string_view village) const { return known_.count(village) != 0; }
  // Villages with at least one target in `year`.
  std::vector<std::string> villages(int year) const;
  const std::vector<IdlDose>& idl_schedule() const { return schedule_; }

 private:
  std::map<std::tuple<std::string, int, Indicator>, std::int64_t, std::less<>> targets_;
  std::map<std::string, std::string, std::less<>> names_;
  std::set<std::string, std::less<>> known_;
  std::vector<IdlDose> schedule_;
};

bool is_village_code(std::string_view s);

}  // namespace ilp::gateway::pws
