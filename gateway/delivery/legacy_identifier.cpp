#include "gateway/delivery/legacy_identifier.hpp"

#include <array>

namespace ilp::gateway::delivery {
namespace {

// The kinds whose templates write these identifiers (config/mappings/*.yaml).
constexpr std::array<std::string_view, 5> kEncounterKinds = {"visit-", "anc-", "immunization-",
                                                             "growth-", "screening-"};
constexpr std::array<std::string_view, 2> kEpisodeKinds = {"anc-", "tb-"};

template <std::size_t N>
std::optional<std::string> strip(const std::array<std::string_view, N>& prefixes,
                                 std::string_view value) {
  for (const auto p : prefixes) {
    if (value.size() > p.size() && value.starts_with(p)) return std::string(value.substr(p.size()));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> legacy_identifier_value(std::string_view type, std::string_view value) {
  if (type == "Encounter") return strip(kEncounterKinds, value);
  if (type == "EpisodeOfCare") return strip(kEpisodeKinds, value);
  return std::nullopt;
}

}  // namespace ilp::gateway::delivery
