#pragma once
// Rules about EpisodeOfCare that span resources, which the per-resource validator cannot see.
//
// One active PNC (nifas) episode per patient: issue 15 states it as a SATUSEHAT rule; its rule
// number and error text are not in reference/satusehat.md, so the simulator answers 400 with a
// text of its own (not the duplicate family: a client must not adopt the other episode as its
// own). The ANC episode has no such rule here: two pregnancies do not overlap, but a late close
// of the previous one is common and the platform's stance is unknown.

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "tests/simulator/resource_store.hpp"

namespace ilp::sim {

inline constexpr std::string_view kActiveEpisodeText =
    "Active EpisodeOfCare of this type already exists for the patient";

// `resources` are the bundle's entries after reference rewriting, with their ids (PUTs keep the
// id of the resource they replace). Returns, per entry, the id of the other active episode it
// conflicts with, or "" when none.
std::vector<std::string> active_episode_conflicts(
    const ResourceStore& store, const std::vector<const rapidjson::Value*>& resources,
    const std::vector<std::string>& ids);

}  // namespace ilp::sim
