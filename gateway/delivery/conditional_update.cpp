#include "gateway/delivery/conditional_update.hpp"

#include "gateway/delivery/bundle_edit.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::delivery {
namespace {

using Alloc = rapidjson::Document::AllocatorType;
using mappers::member;
using mappers::string_member;

// RFC 7386 MergePatch(target, patch) for one object level, recursively.
void merge_object(rapidjson::Value& target, const rapidjson::Value& patch, Alloc& a) {
  for (const auto& m : patch.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    auto it = target.FindMember(m.name);
    if (m.value.IsNull()) {
      if (it != target.MemberEnd()) target.RemoveMember(it);
      continue;
    }
    if (name == "statusHistory" && m.value.IsArray() && it != target.MemberEnd() &&
        it->value.IsArray()) {
      for (const auto& step : m.value.GetArray()) {
        bool seen = false;
        for (const auto& old : it->value.GetArray()) seen = seen || old == step;
        if (!seen) it->value.PushBack(rapidjson::Value(step, a), a);
      }
      continue;
    }
    if (m.value.IsObject() && it != target.MemberEnd() && it->value.IsObject()) {
      merge_object(it->value, m.value, a);
      continue;
    }
    rapidjson::Value copy(m.value, a);
    if (it != target.MemberEnd()) {
      it->value = copy;
    } else {
      target.AddMember(rapidjson::Value(m.name, a), copy, a);
    }
  }
}

}  // namespace

std::vector<ConditionalUpdate> conditional_updates(const rapidjson::Value& bundle) {
  std::vector<ConditionalUpdate> out;
  const auto* entries = member(bundle, "entry");
  if (entries == nullptr || !entries->IsArray()) return out;
  for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
    const auto* request = member((*entries)[i], "request");
    if (request == nullptr) continue;
    const auto method = string_member(*request, "method");
    const auto url = string_member(*request, "url");
    if (!method || *method != "PUT" || !url) continue;
    auto c = parse_conditional(*url);
    if (!c) continue;
    out.push_back({i, std::move(c->type), std::move(c->system), std::move(c->value)});
  }
  return out;
}

std::optional<rapidjson::Document> first_resource(std::string_view searchset_json,
                                                  std::string_view type) {
  rapidjson::Document doc;
  if (mappers::parse_json_strict(searchset_json, doc)) return std::nullopt;
  if (string_member(doc, "resourceType").value_or("") != "Bundle") return std::nullopt;
  const auto* entries = member(doc, "entry");
  if (entries == nullptr || !entries->IsArray()) return std::nullopt;
  for (const auto& e : entries->GetArray()) {
    const auto* res = member(e, "resource");
    if (res == nullptr || string_member(*res, "resourceType").value_or("") != type) continue;
    if (string_member(*res, "id").value_or("").empty()) continue;
    rapidjson::Document out;
    out.CopyFrom(*res, out.GetAllocator());
    return out;
  }
  return std::nullopt;
}

void merge_update(rapidjson::Value& patch, const rapidjson::Value& existing, std::string_view id,
                  Alloc& alloc) {
  rapidjson::Value merged(existing, alloc);
  if (!merged.IsObject()) merged.SetObject();
  merged.RemoveMember("meta");
  if (patch.IsObject()) merge_object(merged, patch, alloc);
  rapidjson::Value v(id.data(), static_cast<rapidjson::SizeType>(id.size()), alloc);
  if (auto it = merged.FindMember("id"); it != merged.MemberEnd()) {
    it->value = v;
  } else {
    merged.AddMember("id", v, alloc);
  }
  patch = merged;
}

}  // namespace ilp::gateway::delivery
