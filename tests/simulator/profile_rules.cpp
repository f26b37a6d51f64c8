#include "tests/simulator/profile_rules.hpp"

#include <stdexcept>

#include "gateway/validation/messages.hpp"
#include "mappers/json.hpp"

namespace ilp::sim {
namespace {

// The validation dictionary's error family for a rule, from what the rule checks (reference
// §5.1: the family opens details.text, so clients can tell a missing element from a bad code).
std::string_view family_of(const validation::Profiles::RuleInfo& r) {
  const std::string_view check = r.check;
  if (check == "required") {
    return r.path.ends_with(".reference") || r.path.ends_with("reference")
               ? family::kReferenceMandatory
               : family::kElementNotFound;
  }
  if (check == "system" || check == "unit") return family::kCodingSystem;
  if (check == "pattern" || check == "system_prefix") return family::kIdentifierSystem;
  if (check == "code" || check == "values" || check == "identifier_values") {
    return family::kCodeNotFound;
  }
  if (check == "utc") return family::kDateTimeFormat;
  if (check == "floor" || check == "after") return family::kDateTimeValue;
  return family::kElementNotFound;  // includes: a status the history lacks
}

// "Encounter.period.end" -> "period.end"; the validator names a lone resource by its type.
std::string_view below_type(std::string_view expression, std::string_view type) {
  if (expression.starts_with(type)) {
    expression.remove_prefix(type.size());
    if (expression.starts_with('.')) expression.remove_prefix(1);
  }
  return expression;
}

// The dictionary family of the R4 problems the simulator enforces.
std::string_view r4_family(const validation::Problem& p) {
  if (p.rule_id == "r4.binding") return family::kCodeNotFound;
  if (p.rule_id == "r4.null") return family::kElementNotNull;
  if (p.rule_id == "r4.reference-target") return family::kInvalidReference;
  if (p.rule_id == "r4.json-type") {
    if (p.text.en == validation::msg::expected_boolean().en) return family::kBoolean;
    if (p.text.en == validation::msg::expected_integer().en) return family::kInteger;
  }
  return family::kElementNotFound;
}

// "identifier[1].value" -> "identifier.value", the form rules.yaml paths take.
std::string without_indexes(std::string_view path) {
  std::string out;
  bool skip = false;
  for (const char c : path) {
    if (c == '[') skip = true;
    if (!skip) out += c;
    if (c == ']') skip = false;
  }
  return out;
}

// "component[0].valueQuantity" -> "component": the resource's own element.
std::string_view first_step(std::string_view path) {
  return path.substr(0, path.find_first_of(".["));
}

}  // namespace

std::shared_ptr<ProfileRules> ProfileRules::load(const std::filesystem::path& dir) {
  std::vector<std::string> errors;
  auto profiles = validation::Profiles::load(dir, errors);
  if (!profiles) {
    std::string all = "cannot load the profiles in " + dir.string() + ":";
    for (const auto& e : errors) all += "\n  " + e;
    throw std::runtime_error(all);
  }
  return std::shared_ptr<ProfileRules>(new ProfileRules(std::move(profiles)));
}

ProfileRules::ProfileRules(std::shared_ptr<const validation::Profiles> profiles)
    : profiles_(std::move(profiles)), validator_(profiles_) {
  for (const auto& r : profiles_->rules()) {
    family_of_rule_.emplace(r.id, family_of(r));
    const auto top = std::string(first_step(r.path));
    if (r.check == "required" && r.path.ends_with(".reference") && r.number != 0) {
      reference_rules_.emplace(std::pair{r.type, top}, r.number);
    }
    if (r.check == "utc" && r.number != 0)
      datetime_rules_.emplace(std::pair{r.type, top}, r.number);
    if (r.number != 0) element_rules_.emplace(std::pair{r.type, r.path}, r.number);
  }
}

void ProfileRules::check(const rapidjson::Value& resource, std::string_view org_id,
                         std::int64_t now_ms, std::string_view date_floor, RuleSink& sink) {
  const auto type = mappers::string_member(resource, "resourceType").value_or("");
  validation::Context ctx{org_id};
  ctx.date_floor = date_floor;
  ctx.now_ms = now_ms;
  const auto result = validator_.validate(mappers::to_json(resource), ctx);
  for (const auto& p : result.problems) {
    const std::string_view id = p.rule_id;
    // Of FHIR R4 the simulator enforces required elements, required value sets (a status code),
    // JSON types and reference targets, as the platform does before its own dictionary; the
    // rest of R4's structure (unknown elements, formats) is the gateway's ingest check. Another
    // organization is answered 403 by the reference walker, which knows whether that organization
    // exists.
    const bool r4_kept = id == "r4.required" || id == "r4.binding" || id == "r4.json-type" ||
                         id == "r4.null" || id == "r4.reference-target";
    if ((id.starts_with("r4.") && !r4_kept) || id == "satusehat.organization") continue;
    const auto rel = below_type(p.expression, type);
    std::string_view fam = family::kDateTimeValue;  // satusehat.floor, satusehat.future
    int rule = p.rule;
    if (id.starts_with("r4.")) {
      fam = r4_family(p);
      // R4 reports a missing or mistyped element once, before the rule that numbers it.
      rule = element_rule(type, rel);
    } else if (id == "satusehat.utc") {
      fam = family::kDateTimeFormat;
    } else if (const auto it = family_of_rule_.find(id); it != family_of_rule_.end()) {
      fam = it->second;
    }
    if (rule == 0 && id.starts_with("satusehat.")) rule = datetime_rule(type, first_step(rel));
    sink.add(fam, rule, rel, p.text.en);
  }
}

int ProfileRules::reference_rule(std::string_view type, std::string_view element) const {
  const auto it = reference_rules_.find(std::pair{std::string(type), std::string(element)});
  return it == reference_rules_.end() ? 0 : it->second;
}

int ProfileRules::element_rule(std::string_view type, std::string_view path) const {
  const auto it = element_rules_.find(std::pair{std::string(type), without_indexes(path)});
  return it == element_rules_.end() ? 0 : it->second;
}

int ProfileRules::datetime_rule(std::string_view type, std::string_view element) const {
  const auto it = datetime_rules_.find(std::pair{std::string(type), std::string(element)});
  return it == datetime_rules_.end() ? 0 : it->second;
}

}  // namespace ilp::sim
