#include "tests/simulator/searchset.hpp"

#include "mappers/json.hpp"
#include "tests/simulator/fhir_json.hpp"

namespace ilp::sim {

std::string searchset_json(const std::vector<const rapidjson::Value*>& resources,
                           const std::string& fhir_base, const std::string& self) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("resourceType", "Bundle", a);
  d.AddMember("type", "searchset", a);
  d.AddMember("total", static_cast<std::uint64_t>(resources.size()), a);
  rapidjson::Value entries(rapidjson::kArrayType);
  for (const auto* r : resources) {
    rapidjson::Value e(rapidjson::kObjectType);
    const std::string full = fhir_base + "/" + std::string(str_or(*r, "resourceType")) + "/" +
                             std::string(str_or(*r, "id"));
    e.AddMember("fullUrl", json_str(full, a), a);
    e.AddMember("resource", rapidjson::Value(*r, a), a);
    entries.PushBack(e, a);
  }
  d.AddMember("entry", entries, a);
  rapidjson::Value links(rapidjson::kArrayType);
  rapidjson::Value self_link(rapidjson::kObjectType);
  self_link.AddMember("relation", "self", a);
  self_link.AddMember("url", json_str(self, a), a);
  links.PushBack(self_link, a);
  d.AddMember("link", links, a);
  return mappers::to_json(d);
}

}  // namespace ilp::sim
