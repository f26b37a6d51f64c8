#include "tests/simulator/episode_rules.hpp"

#include "mappers/json.hpp"
#include "tests/simulator/fhir_json.hpp"

namespace ilp::sim {
namespace {

using mappers::member;

// The patient of an active PNC episode, or "" for any other resource.
std::string active_pnc_patient(const rapidjson::Value& r) {
  if (str_or(r, "resourceType") != "EpisodeOfCare" || str_or(r, "status") != "active") return {};
  const auto* types = member(r, "type");
  if (types == nullptr || !types->IsArray()) return {};
  bool pnc = false;
  for (const auto& t : types->GetArray()) {
    const auto* codings = member(t, "coding");
    if (codings == nullptr || !codings->IsArray()) continue;
    for (const auto& c : codings->GetArray()) pnc = pnc || str_or(c, "code") == "PNC";
  }
  const auto* patient = member(r, "patient");
  return pnc && patient != nullptr ? std::string(str_or(*patient, "reference")) : std::string();
}

}  // namespace

std::vector<std::string> active_episode_conflicts(
    const ResourceStore& store, const std::vector<const rapidjson::Value*>& resources,
    const std::vector<std::string>& ids) {
  std::vector<std::string> out(resources.size());
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const std::string patient = active_pnc_patient(*resources[i]);
    if (patient.empty()) continue;
    for (const auto* other : store.all_of_type("EpisodeOfCare")) {
      // A PUT of an episode in this same bundle replaces the stored copy: judge the new one.
      bool replaced = false;
      for (const auto& id : ids) replaced = replaced || id == other->id;
      if (!replaced && active_pnc_patient(other->doc) == patient) out[i] = other->id;
    }
    for (std::size_t j = 0; j < i && out[i].empty(); ++j) {
      if (active_pnc_patient(*resources[j]) == patient) out[i] = ids[j];
    }
  }
  return out;
}

}  // namespace ilp::sim
