#pragma once
// One delivery attempt of one claimed record, from the stored bundle to store.complete():
//
//   facility → known server ids become PUTs (revision of a delivered record) → if the last
//   attempt may have reached the platform, search by identifier first and adopt what is there
//   → NIK → IHS → POST the transaction → classify → complete.
//
// The outcome is always a Completion (statuses of DESIGN.md §3.3); nothing here throws on the
// data path. History notes and logs carry no PHI: HTTP statuses, rule numbers, counts.

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/delivery/async_store.hpp"
#include "gateway/delivery/backoff.hpp"
#include "gateway/delivery/bundle_edit.hpp"
#include "gateway/delivery/classify.hpp"
#include "gateway/delivery/conditional_update.hpp"
#include "gateway/delivery/coro.hpp"
#include "gateway/delivery/platform.hpp"
#include "gateway/delivery/resolver.hpp"
#include "gateway/store/store.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::delivery {

// The long-lived parts an attempt uses; owned by Delivery, used on its thread only.
struct AttemptDeps {
  AsyncStore& store;
  Platform& platform;
  Resolver& resolver;
  const Clock& clock;
  Metrics& metrics;
  Backoff::Uniform uniform;
};

class Attempt {
 public:
  // A record waiting for a person to be registered is checked again at most this far apart.
  static constexpr std::int64_t kMaxRecheckMs = 15 * 60'000;

  Attempt(AttemptDeps& deps, std::shared_ptr<const config::Config> config, store::Record record);

  // Decides and stores the result. Returns the completion that was stored (for logs/tests).
  net::awaitable<store::Completion> run();

 private:
  struct Reconciled;

  net::awaitable<store::Completion> decide();
  net::awaitable<store::Completion> send(const CallContext& ctx, bool after_duplicate);
  net::awaitable<void> apply_updates(const CallContext& ctx,
                                     const std::vector<ConditionalUpdate>& updates,
                                     std::optional<store::Completion>& failed);
  net::awaitable<std::optional<Reconciled>> reconcile(const CallContext& ctx,
                                                      std::optional<store::Completion>& failed);

  // Completions.
  store::Completion base(store::Status status, std::string note) const;
  store::Completion delivered(std::string note) const;
  // Several newborns for the mother's NIK after an uncertain send; `field_path` names what
  // did not tell them apart.
  store::Completion newborn_ambiguous(const std::string& field_path) const;
  const rapidjson::Value& entry_resource(std::size_t i) const;
  store::Completion needs_correction(mappers::Text text, const mappers::Outcome& platform,
                                     std::string note) const;
  mappers::Outcome with_rules(const Classification& c) const;
  store::Completion transient(const Classification& c, std::optional<mappers::Text> text = {});
  store::Completion from_token_error(const TokenError& e);
  store::Completion from_reply(const PlatformReply& reply, std::string_view context);
  store::Completion circuit_open(std::int64_t until_ms);
  // Add to a delivered / needs-correction completion what later records look up.
  void remember_server_ids(store::Completion& c) const;
  void mark_needs_correction(store::Completion& c) const;
  // `blocked_by`: tracking id of this gateway's record that holds the missing reference and
  // ended needs_correction ("" when none is known).
  store::Completion not_resolved(const Resolution& r, const std::string& blocked_by = "");

  AttemptDeps& deps_;
  std::shared_ptr<const config::Config> config_;
  store::Record record_;
  Backoff backoff_;
  std::int64_t now_ms_ = 0;

  rapidjson::Document bundle_;
  std::vector<EntryInfo> entries_;
  std::vector<std::string> ids_;       // server id per entry, known or adopted; empty = POST
  bool had_updates_ = false;           // entries already existed before this attempt (revision)
  bool maybe_sent_open_ = false;       // an earlier send may have landed and is not yet ruled out
  std::vector<std::string> left_out_;  // updates of resources the platform does not have
  std::vector<store::Completion::CacheEntry> learned_;  // by the resolver's searches
};

}  // namespace ilp::gateway::delivery
