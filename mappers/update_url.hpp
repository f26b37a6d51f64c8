#pragma once
// The conditional-update URL an `update: by_identifier` resource is sent under
// (config/mappings/LANGUAGE.md): `Type?identifier=system|value`, which delivery turns into a
// search and a PUT of SATUSEHAT's copy (gateway/delivery/conditional_update).

#include <optional>
#include <string>
#include <string_view>

namespace ilp::mappers {

// From the resource body just written, the facility's own identifier (sys-ids) preferred, as
// delivery searches by it; the value percent-encoded where it would break the URL. nullopt when
// the body came out without a usable identifier.
std::optional<std::string> update_url(const std::string& type, std::string_view body_json);

}  // namespace ilp::mappers
