#pragma once
// SATUSEHAT's per-type rules in the simulator, from the one source the gateway's validator uses:
// fhir_profiles/satusehat/rules.yaml (mandatory elements with their rule numbers, code systems and
// shapes, program visit codes, UTC date-times, the date floor, no future dates). The simulator
// runs the same compiled rules over each resource and answers in SATUSEHAT's style: the error
// family of the validation dictionary, the rule's English text and "RuleNumber: n".
//
// What rules.yaml cannot say stays in the simulator's own walkers (validator.cpp): references
// that must exist on the platform, identifier systems bound to the client's organization, and the
// 403 for another organization (which needs to know whether that organization exists).

#include <rapidjson/document.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/validation/validator.hpp"
#include "tests/simulator/rule_sink.hpp"

namespace ilp::sim {

class ProfileRules {
 public:
  // Loads `dir` (holding satusehat/rules.yaml and r4/); throws std::runtime_error naming the
  // file and line of a problem.
  static std::shared_ptr<ProfileRules> load(const std::filesystem::path& dir);

  // Adds every SATUSEHAT rule `resource` breaks to `sink`. Not thread-safe: the simulator checks
  // on its one I/O thread (the validator reuses its parse buffers).
  void check(const rapidjson::Value& resource, std::string_view org_id, std::int64_t now_ms,
             std::string_view date_floor, RuleSink& sink);

  // Rule number of a required reference element ("Encounter", "subject" -> 10118); 0 when none.
  int reference_rule(std::string_view type, std::string_view element) const;
  // Rule number of the first numbered rule on an element path ("Observation", "status" -> 10008).
  int element_rule(std::string_view type, std::string_view path) const;
  // Rule number of a date-time element ("Observation", "issued" -> 10296); 0 when none.
  int datetime_rule(std::string_view type, std::string_view element) const;

 private:
  explicit ProfileRules(std::shared_ptr<const validation::Profiles> profiles);

  std::shared_ptr<const validation::Profiles> profiles_;
  validation::Validator validator_;
  std::map<std::string, std::string_view, std::less<>> family_of_rule_;  // rule id -> family
  std::map<std::pair<std::string, std::string>, int, std::less<>> reference_rules_;
  std::map<std::pair<std::string, std::string>, int, std::less<>> datetime_rules_;
  // (type, rule path) -> the number of the first rule on it (emplace keeps the first).
  std::map<std::pair<std::string, std::string>, int, std::less<>> element_rules_;
};

}  // namespace ilp::sim
