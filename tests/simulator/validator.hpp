#pragma once
// SATUSEHAT's rule checks on one resource (reference §2.1, §3.1, §4, §5.1): the generic ones
// that walk the whole resource (UTC date-times and the date floor, identifier systems of the
// client's organization, references that must exist, organization references) and the
// per-type required elements in profile_rules.
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

struct RuleContext {
  std::string org_id;  // the organization the client's credentials are bound to
  std::int64_t now_ms = 0;
  std::int64_t date_floor_ms = 0;  // earliest accepted date-time (--date-floor)
  // Date-times later than now + this are "in the future"; a few minutes absorb clock skew.
  std::int64_t future_tolerance_ms = 5 * 60 * 1000;
  std::function<bool(std::string_view type, std::string_view id)> exists;
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
