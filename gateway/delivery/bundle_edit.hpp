#pragma once
// Edits delivery makes to a stored transaction Bundle before sending it. Pure functions over a
// RapidJSON DOM; every accessor checks types, so an odd bundle is reported, never asserted on.

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/store.hpp"

namespace ilp::gateway::delivery {

// A conditional reference the platform cannot take as is: `Type?identifier=system|value`
// (reference §3.3). The mapper writes them for patients and practitioners known by NIK.
struct ConditionalRef {
  std::string reference;  // exactly as written in the bundle
  std::string type;       // "Patient", "Practitioner", or an earlier record's ("Encounter", …)
  std::string system;     // "https://fhir.kemkes.go.id/id/nik", ".../nik-ibu"
  std::string value;
};

// `Type?identifier=system|value` taken apart (percent-decoded); nullopt for anything else.
std::optional<ConditionalRef> parse_conditional(std::string_view ref);

// The distinct conditional references by identifier in the bundle (`Type?identifier=sys|val`:
// people by NIK, and earlier records such as the visit's Encounter), in order of first
// appearance.
std::vector<ConditionalRef> conditional_refs(const rapidjson::Value& bundle);

// Replaces every `"reference": X` (at any depth) whose X is a key of `replace`. Returns how many.
int rewrite_references(rapidjson::Value& v, const std::map<std::string, std::string>& replace,
                       rapidjson::Document::AllocatorType& alloc);

struct EntryInfo {
  std::string full_url;
  std::string type;    // resource.resourceType
  std::string method;  // request.method
  // The identifier to find this resource by on the platform (the facility's own system,
  // "http://sys-ids.kemkes.go.id/…", preferred); empty when the resource has none.
  std::string id_system;
  std::string id_value;
  std::string server_id;  // resource.id when the entry already carries one
};
// nullopt when `bundle` is not a Bundle with an entry array.
std::optional<std::vector<EntryInfo>> bundle_entries(const rapidjson::Value& bundle);

// Turns entry i into an update of server resource ids[i] (empty: left alone): request becomes
// `PUT Type/<id>`, resource.id = <id> (reference §2.1: PUT needs the id in the body), and every
// reference to the entry's fullUrl becomes `Type/<id>`. Returns how many entries changed.
int make_updates(rapidjson::Document& bundle, const std::vector<std::string>& ids);

// The server ids a record already has, one per bundle entry (empty where none): matched by
// fullUrl = ResourceRef::local, else by position when the types agree.
std::vector<std::string> known_server_ids(const std::vector<EntryInfo>& entries,
                                          const std::vector<store::ResourceRef>& resources);

}  // namespace ilp::gateway::delivery
