#pragma once
// SATUSEHAT's rule checks on one resource (reference §2.1, §3.1, §4, §5.1): rules.yaml's, run
// by profile_rules (required elements, codes, UTC date-times, the date floor, no future dates),
// and the ones only the platform can make, which walk the whole resource here: identifier systems
// of the client's organization, references that must exist, organization references, and
// calendar dates.
//
// Pure: the store is reached only through `exists`, so a transaction can check entries against
// the store plus its own not-yet-stored entries.

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "mappers/outcome.hpp"

namespace ilp::sim {

class ProfileRules;

struct RuleContext {
  std::string org_id;  // the organization the client's credentials are bound to
  std::int64_t now_ms = 0;
  std::string date_floor = "2014-06-03";  // earliest accepted date (--date-floor)
  std::function<bool(std::string_view type, std::string_view id)> exists;
  // rules.yaml, loaded once by the simulator; nullptr checks only the platform-side walkers.
  ProfileRules* profiles = nullptr;
};

class Validator {
 public:
  explicit Validator(RuleContext ctx) : ctx_(std::move(ctx)) {}

  // All violations of `resource` (declared type `type`); expressions start with `prefix`
  // ("Encounter", "Bundle.entry[2].resource"). Empty outcome = valid.
  mappers::Outcome check(const rapidjson::Value& resource, std::string_view type,
                         const std::string& prefix) const;

 private:
  RuleContext ctx_;
};

}  // namespace ilp::sim
