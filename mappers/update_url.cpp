#include "mappers/update_url.hpp"

#include "mappers/json.hpp"

namespace ilp::mappers {
namespace {

// An identifier value as a query parameter: a value may hold a space, '&', '#' or '%' (a
// pregnancy id typed as "KH 2025/31"), which would break the URL, so those bytes and any outside
// printable ASCII are percent-encoded; delivery decodes them before it searches.
std::string query_escaped(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '%' || c == '&' || c == '#' || c == '+') {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> update_url(const std::string& type, std::string_view body_json) {
  rapidjson::Document body;
  if (parse_json_strict(body_json, body)) return std::nullopt;
  const auto* ids = member(body, "identifier");
  if (ids == nullptr || !ids->IsArray()) return std::nullopt;
  std::optional<std::string> url;
  for (const auto& id : ids->GetArray()) {
    const auto system = string_member(id, "system");
    const auto value = string_member(id, "value");
    if (!system || !value || system->empty() || value->empty()) continue;
    const bool own = system->starts_with("http://sys-ids.kemkes.go.id/");
    if (url && !own) continue;
    url = type + "?identifier=" + std::string(*system) + "|" + query_escaped(*value);
    if (own) break;
  }
  return url;
}

}  // namespace ilp::mappers
