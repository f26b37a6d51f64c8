#include "tests/simulator/rule_sink.hpp"

namespace ilp::sim {
namespace {

constexpr std::string_view kForbiddenCode = "forbidden";

// FHIR IssueType for each family, so generic FHIR clients get a sensible code too.
std::string issue_code(std::string_view fam) {
  if (fam == family::kElementNotFound || fam == family::kElementNotNull ||
      fam == family::kReferenceMandatory) {
    return "required";
  }
  if (fam == family::kCodeNotFound || fam == family::kCodingSystem) return "code-invalid";
  if (fam == family::kDuplicate) return "duplicate";
  return "value";
}

}  // namespace

void RuleSink::add(std::string_view fam, int rule, std::string_view path, std::string_view detail) {
  add_at(fam, rule, at(path), detail);
}

void RuleSink::add_at(std::string_view fam, int rule, std::string expression,
                      std::string_view detail) {
  std::string text(fam);
  if (!detail.empty()) text += ": " + std::string(detail);
  if (rule != 0) text += ". RuleNumber: " + std::to_string(rule);
  mappers::Issue i;
  i.severity = "error";
  i.code = issue_code(fam);
  i.expression = std::move(expression);
  i.text = {text, text};
  outcome_.issues.push_back(std::move(i));
}

void RuleSink::forbidden(std::string expression, std::string_view detail) {
  mappers::Issue i;
  i.severity = "error";
  i.code = std::string(kForbiddenCode);
  i.expression = std::move(expression);
  i.text = {std::string(kBusinessRuleText), std::string(kBusinessRuleText)};
  i.diagnostics = std::string(detail);
  outcome_.issues.push_back(std::move(i));
}

bool is_forbidden(const mappers::Outcome& o) {
  for (const auto& i : o.issues) {
    if (i.code == kForbiddenCode) return true;
  }
  return false;
}

mappers::Outcome single_issue(std::string severity, std::string code, std::string text,
                              std::string expression) {
  mappers::Outcome o;
  mappers::Issue i;
  i.severity = std::move(severity);
  i.code = std::move(code);
  i.text = {text, text};
  i.expression = std::move(expression);
  o.issues.push_back(std::move(i));
  return o;
}

}  // namespace ilp::sim
