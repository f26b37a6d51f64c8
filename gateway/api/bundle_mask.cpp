#include "gateway/api/bundle_mask.hpp"

#include <rapidjson/document.h>

#include <map>

#include "mappers/json.hpp"

namespace ilp::gateway::api {
namespace {

constexpr std::string_view kMaskedName = "***";

rapidjson::Value* find(rapidjson::Value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

bool is_person(std::string_view type) {
  return type == "Patient" || type == "Practitioner" || type == "RelatedPerson";
}

// Every NIK after "nik|" or "nik-ibu|" (conditional references, ifNoneExist, request urls).
std::string mask_niks_in(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto at = s.find("|", i);
    if (at == std::string_view::npos) break;
    const auto before = s.substr(0, at);
    const bool nik = before.ends_with("nik") || before.ends_with("nik-ibu");
    out.append(s.substr(i, at + 1 - i));
    i = at + 1;
    if (!nik) continue;
    auto end = i;
    while (end < s.size() && s[end] != '&' && s[end] != ',' && s[end] != ' ') ++end;
    out += mask_nik(s.substr(i, end - i));
    i = end;
  }
  out.append(s.substr(i));
  return out;
}

class Masker {
 public:
  Masker(rapidjson::Document::AllocatorType& a, std::map<std::string, std::string> types)
      : a_(a), types_(std::move(types)) {}

  void walk(rapidjson::Value& v, std::string_view resource_type) {
    if (v.IsArray()) {
      for (auto& e : v.GetArray()) walk(e, resource_type);
      return;
    }
    if (v.IsString()) {
      const std::string_view s(v.GetString(), v.GetStringLength());
      if (s.find('|') != std::string_view::npos) set(v, mask_niks_in(s));
      return;
    }
    if (!v.IsObject()) return;
    std::string type(resource_type);
    if (const auto* rt = mappers::member(v, "resourceType"); rt && rt->IsString()) {
      type = rt->GetString();
    }
    if (is_person(type)) {
      if (auto* name = find(v, "name"); name && name->IsArray()) {
        name->SetArray();
        rapidjson::Value human(rapidjson::kObjectType);
        human.AddMember("text", rapidjson::Value(kMaskedName.data(), a_), a_);
        name->PushBack(human, a_);
      }
    }
    const auto* system = mappers::member(v, "system");
    const bool nik_identifier =
        system && system->IsString() &&
        std::string_view(system->GetString()).find("/nik") != std::string_view::npos;
    const auto* reference = mappers::member(v, "reference");
    const bool person_reference =
        reference && reference->IsString() && refers_to_person(reference->GetString());
    for (auto& m : v.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (nik_identifier && key == "value" && m.value.IsString()) {
        set(m.value, mask_nik(m.value.GetString()));
      } else if (person_reference && key == "display" && m.value.IsString()) {
        set(m.value, std::string(kMaskedName));
      } else if (key != "resourceType") {
        walk(m.value, type);
      }
    }
  }

 private:
  bool refers_to_person(std::string_view ref) const {
    if (ref.starts_with("urn:uuid:")) {
      const auto it = types_.find(std::string(ref));
      return it == types_.end() || is_person(it->second);  // unknown: mask, the safe side
    }
    const auto slash = ref.find_first_of("/?");
    return is_person(ref.substr(0, slash));
  }
  void set(rapidjson::Value& v, const std::string& s) { v.SetString(s.c_str(), a_); }

  rapidjson::Document::AllocatorType& a_;
  std::map<std::string, std::string> types_;  // fullUrl → resourceType
};

}  // namespace

std::string mask_nik(std::string_view nik) {
  const std::size_t keep = nik.size() > 8 ? 4 : 0;
  return std::string(nik.size() - keep, '*') + std::string(nik.substr(nik.size() - keep));
}

std::string mask_bundle(std::string_view bundle_json) {
  rapidjson::Document d;
  if (mappers::parse_json_strict(bundle_json, d)) return {};
  std::map<std::string, std::string> types;
  if (const auto* entries = mappers::member(d, "entry"); entries && entries->IsArray()) {
    for (const auto& e : entries->GetArray()) {
      const auto url = mappers::string_member(e, "fullUrl");
      const auto* res = mappers::member(e, "resource");
      if (!url || res == nullptr) continue;
      if (auto type = mappers::string_member(*res, "resourceType")) {
        types[std::string(*url)] = std::string(*type);
      }
    }
  }
  Masker(d.GetAllocator(), std::move(types)).walk(d, "");
  return mappers::to_json(d);
}

}  // namespace ilp::gateway::api
