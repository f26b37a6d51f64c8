// Where a value of a mapped bundle came from in the record: the slow-path helpers behind
// Mapping::trace and the input field named in a 422 or a needs_correction status.
#include "mappers/mapping.hpp"
#include "mappers/template_expr.hpp"

namespace ilp::mappers {

namespace tmpl {
namespace {

// Depth-first search for `target` (a value's address, or a text's characters) under `at`;
// `path` ends as its path when found. Depth is bounded by the input's JSON depth limit.
bool find_in(const rapidjson::Value& at, const void* target, bool text, std::string& path) {
  if (text ? at.IsString() && static_cast<const void*>(at.GetString()) == target
           : static_cast<const void*>(&at) == target) {
    return true;
  }
  const std::size_t len = path.size();
  if (at.IsObject()) {
    for (const auto& m : at.GetObject()) {
      path += '.';
      path.append(m.name.GetString(), m.name.GetStringLength());
      if (find_in(m.value, target, text, path)) return true;
      path.resize(len);
    }
  } else if (at.IsArray()) {
    for (rapidjson::SizeType i = 0; i < at.Size(); ++i) {
      path += '[';
      path += std::to_string(i);
      path += ']';
      if (find_in(at[i], target, text, path)) return true;
      path.resize(len);
    }
  }
  return false;
}

}  // namespace

std::string locate_in_data(const rapidjson::Value& data, const Val& v) {
  const void* target = nullptr;
  bool text = false;
  switch (v.kind()) {
    case Val::Kind::kJson:
    case Val::Kind::kEntry:
      target = v.json_ptr();
      break;
    case Val::Kind::kString:
      if (v.owns() || v.str().empty()) return {};
      target = v.str().data();
      text = true;
      break;
    default:
      return {};
  }
  std::string path = "data";
  return find_in(data, target, text, path) ? path : std::string();
}

}  // namespace tmpl

namespace {

// `path` lies inside `outer`: "a.b" holds "a.b.c" and "a.b[0]", not "a.bc" (nor "a.b").
bool within(std::string_view path, std::string_view outer) {
  return path.size() > outer.size() && path.starts_with(outer) &&
         (path[outer.size()] == '.' || path[outer.size()] == '[');
}

}  // namespace

std::string input_field_for(const std::vector<Mapping::FieldTrace>& trace,
                            std::string_view expression) {
  if (expression.empty()) return {};
  for (const auto& t : trace) {
    if (t.fhir_path == expression) return t.input_path;
  }
  const Mapping::FieldTrace* best = nullptr;  // the innermost value written whole around it
  for (const auto& t : trace) {
    if (within(expression, t.fhir_path) &&
        (best == nullptr || t.fhir_path.size() > best->fhir_path.size())) {
      best = &t;
    }
  }
  if (best != nullptr) return best->input_path;
  for (const auto& t : trace) {
    if (within(t.fhir_path, expression)) return t.input_path;
  }
  return {};
}

}  // namespace ilp::mappers
