#include "gateway/delivery/rule_explain.hpp"

#include <memory>
#include <optional>

#include "gateway/validation/validator.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::delivery {

mappers::Outcome explain_rules(const std::vector<int>& numbers,
                               const validation::Profiles& profiles,
                               const InputFieldOf& input_field) {
  mappers::Outcome out;
  for (const int n : numbers) {
    for (const auto* rule : profiles.rules_numbered(n)) {
      mappers::Issue issue;
      issue.code = "invariant";
      issue.expression = rule->type + "." + rule->path;
      if (input_field) issue.input_expression = input_field(rule->type, rule->path);
      issue.text = rule->message;
      if (!rule->fix.id.empty()) {
        issue.text.id += " " + rule->fix.id;
        issue.text.en += " " + rule->fix.en;
      }
      issue.diagnostics = "SATUSEHAT rule " + std::to_string(n) + " (" + rule->id + ")";
      out.issues.push_back(std::move(issue));
    }
  }
  return out;
}

InputFieldOf input_field_finder(const store::Record& record, const mappers::Mapping* mapping,
                                const mappers::Facility* facility, std::string date_floor) {
  if (mapping == nullptr || facility == nullptr || record.input_json.empty()) return {};
  struct State {
    rapidjson::Document envelope;
    rapidjson::Document bundle;
    std::optional<std::vector<mappers::Mapping::FieldTrace>> trace;
  };
  auto st = std::make_shared<State>();
  if (mappers::parse_json_strict(record.input_json, st->envelope) ||
      mappers::parse_json_strict(record.bundle_json, st->bundle)) {
    return {};
  }
  const auto* data = mappers::member(st->envelope, "data");
  const auto* entries = mappers::member(st->bundle, "entry");
  if (data == nullptr || entries == nullptr || !entries->IsArray()) return {};
  return [st, data, entries, mapping, facility, record_id = record.record_id,
          revision = record.revision, now = record.updated_ms,
          floor = std::move(date_floor)](std::string_view type, std::string_view path) {
    if (!st->trace) {
      // The record passed its input checks when it came in; mapping it again at the time it was
      // last stored gives the same bundle.
      mappers::MapInput in{*facility, record_id, revision, *data, now, floor};
      st->trace = mapping->trace(in);
    }
    for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
      const auto* res = mappers::member((*entries)[i], "resource");
      if (res == nullptr || mappers::string_member(*res, "resourceType").value_or("") != type) {
        continue;
      }
      auto field = mappers::input_field_for(
          *st->trace, "Bundle.entry[" + std::to_string(i) + "].resource." + std::string(path));
      if (!field.empty()) return field;
    }
    return std::string();
  };
}

}  // namespace ilp::gateway::delivery
