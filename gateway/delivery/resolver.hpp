#pragma once
// NIK → IHS resolution before a bundle is sent (DESIGN.md §7, reference §3.3–3.4): every
// conditional reference `Patient?identifier=<nik system>|<nik>` (also `…/nik-ibu|…`) and
// `Practitioner?identifier=<nik system>|<nik>` becomes `Patient/<ihs>` / `Practitioner/<ihs>`.
//
// Ids come from the store's cache (key = a keyed pseudonym of "system|value": the NIK is never
// stored or logged in clear) or from a platform search, whose answer the attempt then stores in
// the cache with its completion (Resolution::learned). A newborn found by
// the mother's NIK is never cached: the mother's next baby shares the identifier. When such a
// search returns several babies, the record's birth date (then name) picks one, or the
// resolution is ambiguous.
//
// References to records sent earlier (`Encounter?identifier=<encounter system>|<visit_no>`,
// `EpisodeOfCare?identifier=…|<pregnancy_id>`) resolve the same way, by a search on the platform:
// found → `Encounter/<id>`; not found yet → the record waits (kNotFound) and is re-checked,
// because the visit often arrives after the lab result.

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/delivery/async_store.hpp"
#include "gateway/delivery/bundle_edit.hpp"
#include "gateway/delivery/coro.hpp"
#include "gateway/delivery/platform.hpp"
#include "gateway/delivery/platform_response.hpp"
#include "gateway/util/clock.hpp"

namespace ilp::gateway::delivery {

inline constexpr std::string_view kNikSystem = "https://fhir.kemkes.go.id/id/nik";
inline constexpr std::string_view kMotherNikSystem = "https://fhir.kemkes.go.id/id/nik-ibu";

struct Resolution {
  enum class Kind {
    kResolved,        // every conditional reference now points at a server id
    kNotFound,        // the platform does not know this person (yet)
    kAmbiguousMatch,  // several babies for one mother's NIK, nothing tells them apart
    kFailed,          // a search failed; `reply` (or `reason`) says how
  };
  Kind kind = Kind::kResolved;
  std::string type;    // what was not found / ambiguous (Patient, Encounter, …)
  std::string system;  // kNotFound: the identifier searched for
  std::string value;
  bool by_mother_nik = false;  // the unresolved reference used the mother's NIK
  PlatformReply reply;         // kFailed: the failed search
  std::string reason;          // kFailed with a 2xx: why the answer was unusable
  int from_cache = 0;
  int searched = 0;
  // Ids found by search, for the cache: stored with the attempt's completion (one commit).
  std::vector<store::Completion::CacheEntry> learned;
};

class Resolver {
 public:
  Resolver(AsyncStore& store, Platform& platform);

  // Rewrites `bundle` in place. `input_json` (the record's envelope) is read only to tell
  // newborns apart when a search by the mother's NIK finds several.
  net::awaitable<Resolution> resolve(const CallContext& ctx, rapidjson::Document& bundle,
                                     std::string_view input_json);

  // The NIK → IHS cache's (and the waiting records') name for an identifier: its keyed
  // pseudonym, never the identifier in clear nor a bare hash of it.
  static std::string cache_key(const config::Config& cfg, std::string_view system,
                               std::string_view value);

 private:
  // One search for `ref`'s type and system with `value`: the matches, or nullopt with `out`
  // filled as kFailed (the platform's reply, and why a 2xx answer was unusable).
  net::awaitable<std::optional<std::vector<SearchMatch>>> search(const CallContext& ctx,
                                                                 const ConditionalRef& ref,
                                                                 std::string_view value,
                                                                 Resolution& out);

  AsyncStore& store_;
  Platform& platform_;
};

}  // namespace ilp::gateway::delivery
