#pragma once
// Collects rule violations as OperationOutcome issues in SATUSEHAT's style (reference §5.1):
// details.text starts with the error family of the official validation dictionary and ends with
// "RuleNumber: n" when the dictionary numbers the rule, so clients can map errors back to fields.
// A violation of the client/organization binding is kept apart: it turns the answer into 403.

#include <string>
#include <string_view>

#include "mappers/outcome.hpp"

namespace ilp::sim {

namespace family {
inline constexpr std::string_view kElementNotFound = "Element not found";
inline constexpr std::string_view kElementNotNull = "Element not null";
inline constexpr std::string_view kReferenceMandatory = "Reference is mandatory";
inline constexpr std::string_view kInvalidReference = "Invalid reference";
inline constexpr std::string_view kDateTimeFormat = "Invalid date time format";
inline constexpr std::string_view kDateTimeValue = "Invalid date time value";
inline constexpr std::string_view kIdentifierSystem = "Invalid identifier System";
inline constexpr std::string_view kCodeNotFound = "Code not found";
inline constexpr std::string_view kCodingSystem = "Invalid Coding System";
inline constexpr std::string_view kDuplicate = "Found duplicate resource";
inline constexpr std::string_view kBoolean = "Invalid boolean value";
inline constexpr std::string_view kInteger = "Invalid integer value";
}  // namespace family

// The documented text for a resource naming another organization than the client's
// (reference §1.2).
inline constexpr std::string_view kBusinessRuleText =
    "resource cannot be accessed due to business rule";

class RuleSink {
 public:
  // `prefix` is the FHIR path of the resource: "Encounter" or "Bundle.entry[2].resource".
  explicit RuleSink(std::string prefix) : prefix_(std::move(prefix)) {}

  // `path` is relative to the resource ("subject", "period.start"); rule 0 = not numbered.
  void add(std::string_view family, int rule, std::string_view path, std::string_view detail);
  // The same with an absolute FHIR path (as produced by the walkers).
  void add_at(std::string_view family, int rule, std::string expression, std::string_view detail);
  void forbidden(std::string expression, std::string_view detail);

  const std::string& prefix() const { return prefix_; }
  std::string at(std::string_view path) const {
    return path.empty() ? prefix_ : prefix_ + "." + std::string(path);
  }
  mappers::Outcome& outcome() { return outcome_; }

 private:
  std::string prefix_;
  mappers::Outcome outcome_;
};

// True when an outcome holds a business-rule (organization) violation: answer 403, not 400.
bool is_forbidden(const mappers::Outcome& o);

// One-issue outcome with the same text in both languages (SATUSEHAT answers in English).
mappers::Outcome single_issue(std::string severity, std::string code, std::string text,
                              std::string expression = {});

}  // namespace ilp::sim
