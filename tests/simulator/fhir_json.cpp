#include "tests/simulator/fhir_json.hpp"

#include <algorithm>

#include "mappers/json.hpp"

namespace ilp::sim {

Value json_str(std::string_view s, Alloc& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

void set_member(Value& obj, std::string_view name, Value v, Alloc& a) {
  auto it = obj.FindMember(rapidjson::StringRef(name.data(), name.size()));
  if (it != obj.MemberEnd()) {
    it->value = v;
  } else {
    obj.AddMember(json_str(name, a), v, a);
  }
}

std::string_view str_or(const Value& obj, std::string_view name, std::string_view fallback) {
  return mappers::string_member(obj, name).value_or(fallback);
}

void for_each_reference(
    const Value& v, const std::string& prefix,
    const std::function<void(const std::string& path, std::string_view reference)>& fn) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      const std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (name == "reference" && it->value.IsString()) {
        fn(prefix, std::string_view(it->value.GetString(), it->value.GetStringLength()));
      } else if (name != "contained") {
        for_each_reference(it->value, prefix + "." + std::string(name), fn);
      }
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      for_each_reference(v[i], prefix + "[" + std::to_string(i) + "]", fn);
    }
  }
}

void rewrite_references(Value& v, const std::map<std::string, std::string, std::less<>>& targets,
                        Alloc& a) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      if (std::string_view(it->name.GetString()) == "reference" && it->value.IsString()) {
        auto t = targets.find(std::string_view(it->value.GetString(), it->value.GetStringLength()));
        if (t != targets.end()) it->value = json_str(t->second, a);
      } else {
        rewrite_references(it->value, targets, a);
      }
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) rewrite_references(e, targets, a);
  }
}

std::vector<IdentifierRef> identifiers(const Value& resource) {
  std::vector<IdentifierRef> out;
  const auto* ids = mappers::member(resource, "identifier");
  if (ids == nullptr) return out;
  auto take = [&](const Value& id) {
    const auto sys = mappers::string_member(id, "system");
    const auto val = mappers::string_member(id, "value");
    if (sys && val) out.push_back({std::string(*sys), std::string(*val)});
  };
  if (ids->IsArray()) {
    for (const auto& id : ids->GetArray()) take(id);
  } else if (ids->IsObject()) {
    take(*ids);
  }
  return out;
}

std::string duplicate_key(const Value& resource) {
  std::vector<std::string> parts;
  for (const auto& id : identifiers(resource)) {
    if (id.system.rfind(kSysIds, 0) == 0) parts.push_back(id.system + "|" + id.value);
  }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  std::string key;
  for (const auto& p : parts) key += p + "\n";
  return key;
}

void stamp(rapidjson::Document& doc, std::string_view id, std::string_view version_id,
           std::string_view last_updated) {
  auto& a = doc.GetAllocator();
  set_member(doc, "id", json_str(id, a), a);
  auto meta = doc.FindMember("meta");
  if (meta == doc.MemberEnd() || !meta->value.IsObject()) {
    set_member(doc, "meta", Value(rapidjson::kObjectType), a);
    meta = doc.FindMember("meta");
  }
  set_member(meta->value, "versionId", json_str(version_id, a), a);
  set_member(meta->value, "lastUpdated", json_str(last_updated, a), a);
}

bool split_reference(std::string_view ref, std::string& type, std::string& id) {
  const auto slash = ref.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  auto rest = ref.substr(slash + 1);
  if (const auto h = rest.find("/_history/"); h != std::string_view::npos) rest = rest.substr(0, h);
  if (rest.empty() || rest.find('/') != std::string_view::npos) return false;
  const auto t = ref.substr(0, slash);
  if (t.find(':') != std::string_view::npos || t.find('?') != std::string_view::npos ||
      rest.find('?') != std::string_view::npos) {
    return false;
  }
  type = std::string(t);
  id = std::string(rest);
  return true;
}

}  // namespace ilp::sim
