#include "gateway/delivery/platform_response.hpp"

#include <rapidjson/document.h>

#include <cctype>

#include "mappers/json.hpp"

namespace ilp::gateway::delivery {
namespace {

using mappers::member;
using mappers::string_member;

bool is_bundle(const rapidjson::Document& d) {
  if (!d.IsObject()) return false;
  const auto rt = string_member(d, "resourceType");
  return rt && *rt == "Bundle";
}

bool looks_like_type(std::string_view s) {
  if (s.empty() || !std::isupper(static_cast<unsigned char>(s.front()))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<SearchMatch>> parse_search(std::string_view body, std::string_view type) {
  rapidjson::Document d;
  if (mappers::parse_json_strict(body, d) || !is_bundle(d)) return std::nullopt;
  std::vector<SearchMatch> out;
  const auto* entries = member(d, "entry");
  if (entries == nullptr || !entries->IsArray()) return out;  // "total": 0 and no entry
  for (const auto& e : entries->GetArray()) {
    const auto* res = member(e, "resource");
    if (res == nullptr || !res->IsObject()) continue;
    if (const auto* search = member(e, "search")) {
      // FHIR: only "match" entries answer the query ("include"/"outcome" do not).
      const auto mode = string_member(*search, "mode");
      if (mode && *mode != "match") continue;
    }
    const auto rt = string_member(*res, "resourceType");
    if (!type.empty() && rt && *rt != type) continue;
    const auto id = string_member(*res, "id");
    if (!id || id->empty()) continue;
    SearchMatch m;
    m.id = std::string(*id);
    m.birth_date = std::string(string_member(*res, "birthDate").value_or(""));
    m.gender = std::string(string_member(*res, "gender").value_or(""));
    if (const auto* order = member(*res, "multipleBirthInteger"); order && order->IsInt()) {
      m.birth_order = order->GetInt();
    }
    if (const auto* names = member(*res, "name"); names && names->IsArray()) {
      for (const auto& n : names->GetArray()) {
        if (const auto text = string_member(n, "text")) m.names.emplace_back(*text);
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<ServerId> parse_location(std::string_view location) {
  auto s = location;
  if (const auto h = s.find("/_history"); h != std::string_view::npos) s = s.substr(0, h);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  const auto last = s.rfind('/');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const auto id = s.substr(last + 1);
  auto head = s.substr(0, last);
  const auto prev = head.rfind('/');
  const auto type = prev == std::string_view::npos ? head : head.substr(prev + 1);
  if (id.empty() || !looks_like_type(type)) return std::nullopt;
  return ServerId{std::string(type), std::string(id)};
}

std::optional<std::vector<ServerId>> parse_transaction_response(std::string_view body) {
  rapidjson::Document d;
  if (mappers::parse_json_strict(body, d) || !is_bundle(d)) return std::nullopt;
  std::vector<ServerId> out;
  const auto* entries = member(d, "entry");
  if (entries == nullptr || !entries->IsArray()) return out;
  for (const auto& e : entries->GetArray()) {
    ServerId sid;
    if (const auto* response = member(e, "response")) {
      if (const auto loc = string_member(*response, "location")) {
        if (auto parsed = parse_location(*loc)) sid = std::move(*parsed);
      }
      if (sid.id.empty()) {
        // SATUSEHAT's non-standard extras (reference §4.18).
        sid.id = std::string(string_member(*response, "resourceID").value_or(""));
        sid.type = std::string(string_member(*response, "resourceType").value_or(""));
      }
    }
    if (sid.id.empty()) {
      // A server returning representations (Prefer: return=representation).
      if (const auto* res = member(e, "resource")) {
        sid.id = std::string(string_member(*res, "id").value_or(""));
        sid.type = std::string(string_member(*res, "resourceType").value_or(""));
      }
    }
    out.push_back(std::move(sid));
  }
  return out;
}

std::string created_id(std::string_view body) {
  rapidjson::Document d;
  if (mappers::parse_json_strict(body, d) || !d.IsObject()) return {};
  if (auto id = mappers::string_member(d, "id")) return std::string(*id);
  for (const char* path : {"data.patient_id", "create_patient.data.patient_id"}) {
    const auto* v = mappers::at_path(d, path);
    if (v != nullptr && v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  }
  return {};
}

}  // namespace ilp::gateway::delivery
