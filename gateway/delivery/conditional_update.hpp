#pragma once
// Updates of resources an earlier record created (the mapping's `update: by_identifier`): the
// childbirth record closes the pregnancy's ANC EpisodeOfCare, the last nifas visit closes the
// PNC one. The mapper writes such an entry as a FHIR conditional update,
// `PUT Type?identifier=system|value`, with only what it knows (status finished, period.end, the
// closing statusHistory step). SATUSEHAT's support for conditional update is not documented
// (reference §2.1 lists only `PUT /{Type}/{id}`, with the id in the body), and a full-resource
// PUT of the partial body would erase what the platform holds (the episode's start, its
// history). So delivery finds the resource by identifier, merges the entry into the platform's
// copy and sends a plain `PUT Type/<id>`. Pure functions over RapidJSON; the search is the
// caller's.

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ilp::gateway::delivery {

struct ConditionalUpdate {
  std::size_t index = 0;  // bundle entry
  std::string type;
  std::string system;
  std::string value;
};

// The entries whose request is `PUT Type?identifier=system|value`, in bundle order.
std::vector<ConditionalUpdate> conditional_updates(const rapidjson::Value& bundle);

// The first resource of `type` in a searchset Bundle, copied into its own document; nullopt
// when there is none (or the answer is not a Bundle).
std::optional<rapidjson::Document> first_resource(std::string_view searchset_json,
                                                  std::string_view type);

// Turns `patch` (the entry's resource) into the platform's copy `existing` with the patch
// applied as a JSON merge patch (RFC 7386: objects merged member by member, anything else
// replaced, null removes) — except `statusHistory`, which is a history: the patch's steps are
// appended, each only once, so a re-sent update does not repeat them. `meta` is dropped (the
// server's own bookkeeping) and `id` set to `id`.
void merge_update(rapidjson::Value& patch, const rapidjson::Value& existing, std::string_view id,
                  rapidjson::Document::AllocatorType& alloc);

}  // namespace ilp::gateway::delivery
