#include "mappers/outcome.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>

#include "mappers/json.hpp"

namespace ilp::mappers {
namespace {

rapidjson::Value str(std::string_view s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace

Lang lang_from_accept_language(std::string_view header) {
  // The first language range decides; q-values are not worth honouring for two languages.
  const auto l = lower(header);
  std::size_t i = 0;
  while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
  if (l.compare(i, 2, "en") == 0 && (i + 2 == l.size() || l[i + 2] == '-' || l[i + 2] == ',' ||
                                     l[i + 2] == ';' || l[i + 2] == ' ')) {
    return Lang::kEn;
  }
  return Lang::kId;
}

Outcome& Outcome::add(std::string code, std::string expression, Text text,
                      std::string diagnostics) {
  Issue i;
  i.code = std::move(code);
  i.expression = std::move(expression);
  i.text = std::move(text);
  i.diagnostics = std::move(diagnostics);
  issues.push_back(std::move(i));
  return *this;
}

void Outcome::append(const Outcome& other) {
  issues.insert(issues.end(), other.issues.begin(), other.issues.end());
}

void write_outcome(const Outcome& o, Lang lang, rapidjson::Value& out,
                   rapidjson::Document::AllocatorType& a) {
  out.SetObject();
  out.AddMember("resourceType", "OperationOutcome", a);
  rapidjson::Value issues(rapidjson::kArrayType);
  for (const auto& i : o.issues) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("severity", str(i.severity, a), a);
    v.AddMember("code", str(i.code, a), a);
    rapidjson::Value details(rapidjson::kObjectType);
    details.AddMember("text", str(i.text.in(lang), a), a);
    v.AddMember("details", details, a);
    if (!i.diagnostics.empty()) v.AddMember("diagnostics", str(i.diagnostics, a), a);
    if (!i.expression.empty() || !i.input_expression.empty()) {
      rapidjson::Value expr(rapidjson::kArrayType);
      if (!i.input_expression.empty()) expr.PushBack(str(i.input_expression, a), a);
      if (!i.expression.empty()) expr.PushBack(str(i.expression, a), a);
      v.AddMember("expression", expr, a);
    }
    issues.PushBack(v, a);
  }
  out.AddMember("issue", issues, a);
}

std::string outcome_json(const Outcome& o, Lang lang) {
  rapidjson::Document d;
  write_outcome(o, lang, d, d.GetAllocator());
  return to_json(d);
}

std::string outcome_to_storage(const Outcome& o) {
  rapidjson::Document d(rapidjson::kArrayType);
  auto& a = d.GetAllocator();
  for (const auto& i : o.issues) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("severity", str(i.severity, a), a);
    v.AddMember("code", str(i.code, a), a);
    v.AddMember("expression", str(i.expression, a), a);
    // Only when present: outcomes stored before it existed read back the same either way.
    if (!i.input_expression.empty()) {
      v.AddMember("input_expression", str(i.input_expression, a), a);
    }
    v.AddMember("id", str(i.text.id, a), a);
    v.AddMember("en", str(i.text.en, a), a);
    v.AddMember("diagnostics", str(i.diagnostics, a), a);
    d.PushBack(v, a);
  }
  return to_json(d);
}

Outcome outcome_from_storage(std::string_view json) {
  Outcome o;
  rapidjson::Document d;
  if (parse_json_strict(json, d) || !d.IsArray()) return o;
  for (const auto& v : d.GetArray()) {
    Issue i;
    i.severity = std::string(string_member(v, "severity").value_or("error"));
    i.code = std::string(string_member(v, "code").value_or("invalid"));
    i.expression = std::string(string_member(v, "expression").value_or(""));
    i.input_expression = std::string(string_member(v, "input_expression").value_or(""));
    i.text.id = std::string(string_member(v, "id").value_or(""));
    i.text.en = std::string(string_member(v, "en").value_or(""));
    i.diagnostics = std::string(string_member(v, "diagnostics").value_or(""));
    o.issues.push_back(std::move(i));
  }
  return o;
}

Outcome outcome_from_fhir(std::string_view json) {
  Outcome o;
  rapidjson::Document d;
  if (parse_json_strict(json, d) || !d.IsObject()) return o;
  const auto* issues = member(d, "issue");
  if (issues == nullptr || !issues->IsArray()) return o;
  for (const auto& v : issues->GetArray()) {
    Issue i;
    i.severity = std::string(string_member(v, "severity").value_or("error"));
    i.code = std::string(string_member(v, "code").value_or("unknown"));
    if (const auto* details = member(v, "details")) {
      i.text.id = std::string(string_member(*details, "text").value_or(""));
      i.text.en = i.text.id;
    }
    i.diagnostics = std::string(string_member(v, "diagnostics").value_or(""));
    if (const auto* expr = member(v, "expression");
        expr && expr->IsArray() && !expr->Empty() && (*expr)[0].IsString()) {
      i.expression = (*expr)[0].GetString();
    }
    o.issues.push_back(std::move(i));
  }
  return o;
}

}  // namespace ilp::mappers
