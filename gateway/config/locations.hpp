#pragma once
// facilities.yaml `locations`: the rooms of a puskesmas and the pustu and posyandu of the
// villages it serves (DESIGN.md §5). Internal to gateway/config.

#include <yaml-cpp/yaml.h>

#include <string>

#include "gateway/config/yaml_reader.hpp"
#include "mappers/facility.hpp"

namespace ilp::gateway::config {

// Reads `list` into `facility.locations`, reporting every problem through `r`: unknown keys,
// a missing code or id, a code used twice, an unknown type, a village code that is not ten
// digits, a pustu or posyandu without one, a posyandu without a practitioner, a practitioner
// block a record could not carry, a `part_of` naming no location of this facility, and a
// `part_of` chain that comes back on itself. `where` prefixes the messages ("facility \"k\": ").
void read_locations(Reader& r, const YAML::Node& list, mappers::Facility& facility,
                    const std::string& where);

}  // namespace ilp::gateway::config
