#pragma once
// Small rapidjson helpers for FHIR resources: building values, walking references and
// identifiers, and the key the simulator uses to detect duplicate resources.

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ilp::sim {

using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

inline constexpr std::string_view kSysIds = "http://sys-ids.kemkes.go.id/";
inline constexpr std::string_view kNikSystem = "https://fhir.kemkes.go.id/id/nik";
inline constexpr std::string_view kNikIbuSystem = "https://fhir.kemkes.go.id/id/nik-ibu";
inline constexpr std::string_view kIhsSystem = "https://fhir.kemkes.go.id/id/ihs-number";
inline constexpr std::string_view kNakesSystem = "https://fhir.kemkes.go.id/id/nakes-his-number";

Value json_str(std::string_view s, Alloc& a);
// Adds `name` or replaces its value.
void set_member(Value& obj, std::string_view name, Value v, Alloc& a);
std::string_view str_or(const Value& obj, std::string_view name, std::string_view fallback = {});

// Calls `fn(path, value)` for every string member named "reference" below `v`; `path` is the
// FHIR path of the object holding it, starting with `prefix` ("Encounter.subject").
void for_each_reference(
    const Value& v, const std::string& prefix,
    const std::function<void(const std::string& path, std::string_view reference)>& fn);

// Rewrites every "reference" string equal to a key of `targets` into the mapped value
// (a transaction's urn:uuid fullUrls into "Type/id").
void rewrite_references(Value& v, const std::map<std::string, std::string, std::less<>>& targets,
                        Alloc& a);

struct IdentifierRef {
  std::string system;
  std::string value;
};
// The resource's own identifiers (Resource.identifier, array or single object).
std::vector<IdentifierRef> identifiers(const Value& resource);

// What makes two resources of one type "the same" for SATUSEHAT's duplicate rule here: the set
// of their facility identifiers (systems under http://sys-ids.kemkes.go.id/). A set rather than
// any single identifier, because some identifiers are shared on purpose: all items of one
// prescription carry the same prescription/{org} identifier next to their own
// prescription-item/{org} one (reference §4.7). Empty when the resource has none.
std::string duplicate_key(const Value& resource);

// Sets id, meta.versionId and meta.lastUpdated (other meta such as profile is kept).
void stamp(rapidjson::Document& doc, std::string_view id, std::string_view version_id,
           std::string_view last_updated);

// "Type/id" (optionally "/_history/vid") split into type and id; false for anything else.
bool split_reference(std::string_view ref, std::string& type, std::string& id);

}  // namespace ilp::sim
