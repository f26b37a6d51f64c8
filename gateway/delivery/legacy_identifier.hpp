#pragma once
// Identifiers of records sent before issue 14 made them unique per kind. An Encounter was
// `<encounter system>|<visit_no>` for all five visit-like kinds and is now
// `…|<kind>-<visit_no>`; TB and ANC episodes were `<pregnancy_id>` / `<sitb_id>` and are now
// `anc-…` / `tb-…`. A record referring to something delivered before the upgrade must still
// find it under the old value (docs/delivery.md, "Upgrading").

#include <optional>
#include <string>
#include <string_view>

namespace ilp::gateway::delivery {

// The value the same resource had before the upgrade, for a reference to a resource `type`
// with identifier `value`; nullopt when the value carries no kind prefix of that type.
std::optional<std::string> legacy_identifier_value(std::string_view type, std::string_view value);

}  // namespace ilp::gateway::delivery
