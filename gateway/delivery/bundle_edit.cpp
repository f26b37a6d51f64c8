#include "gateway/delivery/bundle_edit.hpp"

#include <algorithm>
#include <string_view>

#include "gateway/http/url.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::delivery {
namespace {

using mappers::member;
using mappers::string_member;
using Alloc = rapidjson::Document::AllocatorType;

constexpr std::string_view kFacilitySystemPrefix = "http://sys-ids.kemkes.go.id/";

std::string decoded(std::string_view s) {
  // Pass-through bundles may percent-encode the parameter; mapped ones write it raw.
  return s.find('%') == std::string_view::npos ? std::string(s) : http::url_decode(s);
}

void collect(const rapidjson::Value& v, std::vector<ConditionalRef>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (m.value.IsString() && std::string_view(m.name.GetString()) == "reference") {
        const std::string_view ref(m.value.GetString(), m.value.GetStringLength());
        if (auto c = parse_conditional(ref)) {
          const bool seen = std::any_of(out.begin(), out.end(), [&](const ConditionalRef& x) {
            return x.reference == c->reference;
          });
          if (!seen) out.push_back(std::move(*c));
        }
      } else {
        collect(m.value, out);
      }
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) collect(e, out);
  }
}

void set_string(rapidjson::Value& obj, const char* name, std::string_view value, Alloc& a) {
  rapidjson::Value v(value.data(), static_cast<rapidjson::SizeType>(value.size()), a);
  if (auto it = obj.FindMember(name); it != obj.MemberEnd()) {
    it->value = v;
  } else {
    obj.AddMember(rapidjson::Value(name, a), v, a);
  }
}

}  // namespace

std::optional<ConditionalRef> parse_conditional(std::string_view ref) {
  constexpr std::string_view kQuery = "?identifier=";
  const auto q = ref.find(kQuery);
  if (q == std::string_view::npos || q == 0) return std::nullopt;
  const std::string_view type = ref.substr(0, q);
  for (const char c : type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return std::nullopt;
  }
  const auto token = ref.substr(q + kQuery.size());
  if (token.find('&') != std::string_view::npos) return std::nullopt;  // not ours to guess
  const auto decoded_token = decoded(token);
  // The first bar: identifier systems are URIs without one, values (a pregnancy id) may have one.
  const auto bar = decoded_token.find('|');
  if (bar == std::string::npos || bar == 0 || bar + 1 == decoded_token.size()) {
    return std::nullopt;
  }
  return ConditionalRef{std::string(ref), std::string(type), decoded_token.substr(0, bar),
                        decoded_token.substr(bar + 1)};
}

std::vector<ConditionalRef> conditional_refs(const rapidjson::Value& bundle) {
  std::vector<ConditionalRef> out;
  const auto* entries = member(bundle, "entry");
  if (entries == nullptr || !entries->IsArray()) return out;
  for (const auto& e : entries->GetArray()) {
    if (const auto* res = member(e, "resource")) collect(*res, out);
  }
  return out;
}

int rewrite_references(rapidjson::Value& v, const std::map<std::string, std::string>& replace,
                       Alloc& alloc) {
  int n = 0;
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (m.value.IsString() && std::string_view(m.name.GetString()) == "reference") {
        const auto it = replace.find(std::string(m.value.GetString(), m.value.GetStringLength()));
        if (it != replace.end()) {
          m.value.SetString(it->second.data(), static_cast<rapidjson::SizeType>(it->second.size()),
                            alloc);
          ++n;
        }
      } else {
        n += rewrite_references(m.value, replace, alloc);
      }
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) n += rewrite_references(e, replace, alloc);
  }
  return n;
}

std::optional<std::vector<EntryInfo>> bundle_entries(const rapidjson::Value& bundle) {
  if (!bundle.IsObject() || string_member(bundle, "resourceType").value_or("") != "Bundle") {
    return std::nullopt;
  }
  const auto* entries = member(bundle, "entry");
  if (entries == nullptr || !entries->IsArray()) return std::nullopt;
  std::vector<EntryInfo> out;
  for (const auto& e : entries->GetArray()) {
    EntryInfo info;
    info.full_url = std::string(string_member(e, "fullUrl").value_or(""));
    if (const auto* req = member(e, "request")) {
      info.method = std::string(string_member(*req, "method").value_or(""));
    }
    if (const auto* res = member(e, "resource"); res && res->IsObject()) {
      info.type = std::string(string_member(*res, "resourceType").value_or(""));
      info.server_id = std::string(string_member(*res, "id").value_or(""));
      if (const auto* ids = member(*res, "identifier"); ids && ids->IsArray()) {
        for (const auto& id : ids->GetArray()) {
          const auto system = string_member(id, "system");
          const auto value = string_member(id, "value");
          if (!system || !value || system->empty() || value->empty()) continue;
          const bool facility_system =
              system->substr(0, kFacilitySystemPrefix.size()) == kFacilitySystemPrefix;
          if (info.id_system.empty() || facility_system) {
            info.id_system = std::string(*system);
            info.id_value = std::string(*value);
          }
          if (facility_system) break;
        }
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

int make_updates(rapidjson::Document& bundle, const std::vector<std::string>& ids) {
  if (!bundle.IsObject()) return 0;
  const auto found = bundle.FindMember("entry");
  if (found == bundle.MemberEnd() || !found->value.IsArray()) return 0;
  auto* entries = &found->value;
  auto& a = bundle.GetAllocator();
  std::map<std::string, std::string> replace;
  int changed = 0;
  for (rapidjson::SizeType i = 0; i < entries->Size() && i < ids.size(); ++i) {
    if (ids[i].empty()) continue;
    auto& e = (*entries)[i];
    if (!e.IsObject()) continue;
    auto res = e.FindMember("resource");
    if (res == e.MemberEnd() || !res->value.IsObject()) continue;
    const auto type = string_member(res->value, "resourceType");
    if (!type) continue;
    const std::string target = std::string(*type) + "/" + ids[i];
    set_string(res->value, "id", ids[i], a);
    rapidjson::Value request(rapidjson::kObjectType);
    request.AddMember("method", "PUT", a);
    request.AddMember("url", rapidjson::Value(target.c_str(), a), a);
    if (auto req = e.FindMember("request"); req != e.MemberEnd()) {
      req->value = request;
    } else {
      e.AddMember("request", request, a);
    }
    if (const auto full = string_member(e, "fullUrl")) replace.emplace(std::string(*full), target);
    ++changed;
  }
  if (!replace.empty()) rewrite_references(*entries, replace, a);
  return changed;
}

std::vector<std::string> known_server_ids(const std::vector<EntryInfo>& entries,
                                          const std::vector<store::ResourceRef>& resources) {
  std::vector<std::string> ids(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto by_url = std::find_if(resources.begin(), resources.end(), [&](const auto& r) {
      return !r.local.empty() && r.local == entries[i].full_url;
    });
    if (by_url != resources.end()) {
      ids[i] = by_url->server_id;
    } else if (i < resources.size() && resources[i].type == entries[i].type) {
      ids[i] = resources[i].server_id;
    }
  }
  return ids;
}

}  // namespace ilp::gateway::delivery
