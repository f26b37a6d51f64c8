#include "gateway/delivery/attempt.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "gateway/delivery/conditional_update.hpp"
#include "gateway/delivery/messages.hpp"
#include "gateway/delivery/newborn_match.hpp"
#include "gateway/delivery/platform_response.hpp"
#include "gateway/delivery/rule_explain.hpp"
#include "gateway/util/log.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::delivery {

namespace {
// The facility's own identifier systems; references by these point at records of this gateway.
constexpr std::string_view kFacilitySystems = "http://sys-ids.kemkes.go.id/";
// Cache kind for "the record holding this identifier needs correction" (value: its tracking id).
const std::string kNeedsCorrectionPrefix = "needs_correction:";
}  // namespace

using store::Completion;
using store::Status;

struct Attempt::Reconciled {
  int found = 0;         // adopted from the platform
  int missing = 0;       // searched, not there
  int unsearchable = 0;  // no identifier to search by
  // Every resource that can be searched for is already there: a transaction is all or
  // nothing, so the earlier send landed and nothing needs to be created.
  bool all_there() const { return found > 0 && missing == 0; }
};

Attempt::Attempt(AttemptDeps& deps, std::shared_ptr<const config::Config> config,
                 store::Record record)
    : deps_(deps),
      config_(std::move(config)),
      record_(std::move(record)),
      backoff_(config_->retry, deps.uniform),
      now_ms_(deps.clock.now_ms()) {}

net::awaitable<Completion> Attempt::run() {
  Completion c = co_await decide();
  // What this attempt learnt is written with its result, in one commit (Completion).
  c.cache_puts = std::move(learned_);
  if (c.status == Status::kDelivered) remember_server_ids(c);
  if (c.status == Status::kNeedsCorrection) mark_needs_correction(c);
  // A store that cannot write now (disk full, I/O error) gets a few chances; if it still
  // fails, the record stays `sending` and recover() retries it after a restart.
  bool stored = false;
  for (int i = 0; i < 3 && !stored; ++i) {
    if (i > 0) {
      net::steady_timer pause(co_await net::this_coro::executor);
      pause.expires_after(std::chrono::milliseconds(250 << i));
      boost::system::error_code ec;
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    stored = co_await deps_.store.complete(c);
  }
  const auto status = std::string(store::to_string(c.status));
  deps_.metrics
      .counter("ilp_delivery_attempts_total", "Delivery attempts by resulting status",
               {{"facility", record_.facility}, {"outcome", status}})
      .inc();
  auto log = logger("delivery");
  const auto level = c.status == Status::kDelivered || c.status == Status::kWaiting
                         ? spdlog::level::info
                         : spdlog::level::warn;
  log->log(level, "{} {}: {}", record_.id, status, c.note);
  if (!stored) log->error("{} result could not be stored; retried after restart", record_.id);
  co_return c;
}

// Records sent later refer to these resources by identifier (a lab result to its visit's
// Encounter, an ANC contact to its pregnancy's EpisodeOfCare): remembering identifier → server
// id spares them a platform search, and the records waiting for one of these go now, not at
// their next re-check. Only the facility's own identifier systems are cached: a newborn's
// nik-ibu identifier is shared by twins and must always be searched.
void Attempt::remember_server_ids(Completion& c) const {
  const auto* mappings = config_->mappings.get();
  for (std::size_t i = 0; i < entries_.size() && i < ids_.size(); ++i) {
    const auto& e = entries_[i];
    if (ids_[i].empty() || e.id_value.empty()) continue;
    // No mapping refers to this type by identifier (a visit's Observations): nothing will look
    // its id up; a visit would write about ten random-key cache rows never read.
    if (mappings != nullptr && !mappings->referenced_by_identifier(e.type)) continue;
    const auto key = Resolver::cache_key(*config_, e.id_system, e.id_value);
    if (e.id_system == kMotherNikSystem) {
      c.wake_keys.push_back(e.type + "/" + key);  // a newborn: wake its records, never cache
      continue;
    }
    if (!e.id_system.starts_with(kFacilitySystems)) continue;
    // A stale "needs correction" mark for this identifier needs no clearing: references now
    // resolve from this entry and never get to the point where the mark is read.
    c.wake_keys.push_back(e.type + "/" + key);
    c.cache_puts.push_back({e.type, key, ids_[i]});
  }
}

// Records that refer to this one (by its facility identifiers) will say that it needs
// correction, with its tracking id, instead of only that it is not in SATUSEHAT.
void Attempt::mark_needs_correction(Completion& c) const {
  const auto* mappings = config_->mappings.get();
  for (const auto& e : entries_) {
    if (e.id_value.empty() || !e.id_system.starts_with(kFacilitySystems)) continue;
    if (mappings != nullptr && !mappings->referenced_by_identifier(e.type)) continue;
    c.cache_puts.push_back({kNeedsCorrectionPrefix + e.type,
                            Resolver::cache_key(*config_, e.id_system, e.id_value), record_.id});
  }
}

net::awaitable<Completion> Attempt::decide() {
  const config::Facility* facility = config_->facility(record_.facility);
  if (facility == nullptr) {
    co_return needs_correction(msg::unknown_facility(record_.facility), {},
                               "facility not in configuration");
  }
  const CallContext ctx{*config_, *facility};
  auto entries = mappers::parse_json_strict(record_.bundle_json, bundle_) ? std::nullopt
                                                                          : bundle_entries(bundle_);
  if (!entries || entries->empty()) {
    co_return needs_correction(msg::unreadable_bundle(), {}, "stored bundle unreadable");
  }
  entries_ = std::move(*entries);
  // Updates of resources earlier records created, told apart before make_updates rewrites urls.
  const auto updates = conditional_updates(bundle_);

  // Resources that already have server ids (a revision of a delivered record) are updated in
  // place: PUT with the id, references to them rewritten.
  ids_ = known_server_ids(entries_, record_.resources);
  had_updates_ = std::any_of(ids_.begin(), ids_.end(), [](const auto& id) { return !id.empty(); });
  make_updates(bundle_, ids_);

  // An earlier attempt may have reached the platform: look before sending anything again.
  maybe_sent_open_ = record_.maybe_sent;
  if (record_.maybe_sent) {
    std::optional<Completion> failed;
    const auto found = co_await reconcile(ctx, failed);
    if (failed) co_return std::move(*failed);
    // Everything found is proof only when the current revision is what may have been sent; if
    // an earlier revision was, the found resources are updated (PUT) with the current content.
    // maybe_sent stays set until delivered: a failure from here on must search again.
    if (found->all_there() && !had_updates_ && !record_.older_revision_maybe_sent) {
      co_return delivered("found on the platform after an uncertain send: " +
                          std::to_string(found->found) + " resources adopted, nothing re-sent");
    }
  }

  if (!updates.empty()) {
    std::optional<Completion> failed;
    co_await apply_updates(ctx, updates, failed);
    if (failed) co_return std::move(*failed);
  }

  Resolution res = co_await deps_.resolver.resolve(ctx, bundle_, record_.input_json);
  learned_ = std::move(res.learned);
  if (res.kind != Resolution::Kind::kResolved) {
    // An earlier record of this gateway that SATUSEHAT refused: say so, not just "not there".
    std::optional<std::string> blocked;
    if (res.kind == Resolution::Kind::kNotFound && res.type != "Patient" &&
        res.type != "Practitioner") {
      blocked = co_await deps_.store.cache_get(
          kNeedsCorrectionPrefix + res.type, Resolver::cache_key(*config_, res.system, res.value));
    }
    co_return not_resolved(res, blocked.value_or(""));
  }
  co_return co_await send(ctx, false);
}

net::awaitable<std::optional<Attempt::Reconciled>> Attempt::reconcile(
    const CallContext& ctx, std::optional<Completion>& failed) {
  Reconciled r;
  std::vector<std::string> adopted(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!ids_[i].empty()) continue;
    const EntryInfo& e = entries_[i];
    if (e.id_system.empty() || e.type.empty()) {
      ++r.unsearchable;
      continue;
    }
    const PlatformReply reply =
        co_await deps_.platform.search(ctx, e.type, e.id_system, e.id_value);
    const int status =
        reply.sent() && reply.http.ok() ? static_cast<int>(reply.http.response.result_int()) : 0;
    if (status < 200 || status >= 300) {
      failed = from_reply(reply, "search by identifier");
      co_return std::nullopt;
    }
    const auto matches = parse_search(reply.http.response.body(), e.type);
    if (!matches) {
      Classification c;
      c.reason = "search answer is not a Bundle";
      failed = transient(c);
      co_return std::nullopt;
    }
    if (matches->empty()) {
      ++r.missing;
      continue;
    }
    std::string id = matches->front().id;
    if (e.id_system == kMotherNikSystem) {
      // The mother's NIK finds all her babies: only this one's id may be adopted.
      const auto pick = pick_newborn_candidate(*matches, newborn_facts(entry_resource(i)));
      if (pick.kind == NewbornPick::Kind::kAmbiguous) {
        failed = newborn_ambiguous(newborn_field_path(pick.field, record_.kind));
        co_return std::nullopt;
      }
      if (pick.kind == NewbornPick::Kind::kNotThere) {
        ++r.missing;
        continue;
      }
      id = pick.id;
    }
    adopted[i] = ids_[i] = std::move(id);
    ++r.found;
  }
  if (r.unsearchable > 0) {
    logger("delivery")
        ->warn("{} {} resources have no identifier; they cannot be checked on the platform",
               record_.id, r.unsearchable);
  }
  make_updates(bundle_, adopted);
  co_return r;
}

// Each update is merged into the platform's current copy, found by identifier (again on every
// attempt: the copy may have changed since). One that is not there (the mother's ANC was at
// another puskesmas, whose episode has its own identifier system) is left out of the bundle,
// and the record's history says so; the rest of the record still goes.
net::awaitable<void> Attempt::apply_updates(const CallContext& ctx,
                                            const std::vector<ConditionalUpdate>& updates,
                                            std::optional<Completion>& failed) {
  for (auto u = updates.rbegin(); u != updates.rend(); ++u) {
    const PlatformReply reply = co_await deps_.platform.search(ctx, u->type, u->system, u->value);
    const int status =
        reply.sent() && reply.http.ok() ? static_cast<int>(reply.http.response.result_int()) : 0;
    if (status < 200 || status >= 300) {
      failed = from_reply(reply, "search by identifier");
      co_return;
    }
    auto& entries = bundle_["entry"];
    const auto existing = first_resource(reply.http.response.body(), u->type);
    if (!existing) {
      entries.Erase(entries.Begin() + static_cast<rapidjson::SizeType>(u->index));
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(u->index));
      ids_.erase(ids_.begin() + static_cast<std::ptrdiff_t>(u->index));
      left_out_.push_back(u->type + " " + u->value + " not on SATUSEHAT, not updated");
      continue;
    }
    const std::string id(mappers::string_member(*existing, "id").value_or(""));
    merge_update(entries[static_cast<rapidjson::SizeType>(u->index)]["resource"], *existing, id,
                 bundle_.GetAllocator());
    std::vector<std::string> one(entries_.size());
    one[u->index] = ids_[u->index] = id;
    make_updates(bundle_, one);
  }
}

net::awaitable<Completion> Attempt::send(const CallContext& ctx, bool after_duplicate) {
  const mappers::Mapping* mapping =
      config_->mappings ? config_->mappings->find(record_.kind) : nullptr;
  // `send: resource` mappings, and a FHIR resource posted on its own (POST /fhir/r4/{Type}, kind
  // "fhir-resource", stored as a one-entry Bundle): sent to /{Type}, not as a transaction.
  const bool single =
      entries_.size() == 1 &&
      ((mapping != nullptr && mapping->send_as_resources()) || record_.kind == "fhir-resource");
  PlatformReply reply;
  if (single) {
    const auto& entry = bundle_["entry"][0];
    const auto method = mappers::string_member(entry["request"], "method").value_or("POST");
    const auto url = mappers::string_member(entry["request"], "url").value_or("");
    reply = co_await deps_.platform.resource(ctx, method == "PUT", url,
                                             mappers::to_json(entry["resource"]));
  } else {
    reply = co_await deps_.platform.transaction(ctx, mappers::to_json(bundle_));
  }
  if (reply.token_error) co_return from_token_error(*reply.token_error);
  if (reply.circuit_open_until_ms) co_return circuit_open(*reply.circuit_open_until_ms);
  const Classification c = classify(reply.http, deps_.clock.now_ms());
  switch (c.verdict) {
    case Verdict::kDelivered: {
      int without_id = 0;
      if (single) {
        if (auto id = created_id(reply.http.response.body()); !id.empty()) ids_[0] = id;
        without_id = ids_[0].empty() ? 1 : 0;
      } else {
        const auto sids = parse_transaction_response(reply.http.response.body());
        for (std::size_t i = 0; i < ids_.size(); ++i) {
          if (sids && i < sids->size() && !(*sids)[i].id.empty()) ids_[i] = (*sids)[i].id;
          if (ids_[i].empty()) ++without_id;
        }
      }
      std::string note = c.reason + ", " + std::to_string(entries_.size()) + " resources";
      if (without_id > 0) {
        note += ", " + std::to_string(without_id) + " without a server id in the response";
      }
      co_return delivered(std::move(note));
    }
    case Verdict::kDuplicate: {
      if (after_duplicate) {
        co_return needs_correction(msg::duplicate_unresolved(), c.outcome,
                                   c.reason + " duplicate again after adopting existing ids");
      }
      std::optional<Completion> failed;
      const auto found = co_await reconcile(ctx, failed);
      if (failed) co_return std::move(*failed);
      if (found->found == 0) {
        co_return needs_correction(msg::duplicate_unresolved(), c.outcome,
                                   c.reason + " duplicate, nothing found by identifier");
      }
      if (found->all_there() && !had_updates_ && !record_.older_revision_maybe_sent) {
        co_return delivered("duplicate answer: " + std::to_string(found->found) +
                            " existing resources adopted");
      }
      co_return co_await send(ctx, true);
    }
    case Verdict::kNeedsCorrection: {
      std::string note = c.reason;
      if (!c.rule_numbers.empty()) note += ", rules " + msg::join_numbers(c.rule_numbers);
      co_return needs_correction(msg::validation_refused(c.http_status, c.rule_numbers),
                                 with_rules(c), std::move(note));
    }
    case Verdict::kBusinessRule:
      co_return needs_correction(msg::business_rule(record_.facility), c.outcome,
                                 c.reason + " business rule");
    case Verdict::kAuthRefresh:
      co_return transient(c, msg::token_rejected_by_fhir(record_.facility));
    case Verdict::kAmbiguous:
    case Verdict::kRetry:
      break;
  }
  co_return transient(c);
}

// ---- completions -------------------------------------------------------------------------

namespace {

mappers::Outcome outcome_of(std::string code, std::string severity, mappers::Text text,
                            const mappers::Outcome& platform = {}) {
  mappers::Outcome o;
  o.add(std::move(code), "", std::move(text));
  o.issues.back().severity = std::move(severity);
  o.append(platform);
  return o;
}

std::string seconds(std::int64_t ms) { return std::to_string((ms + 999) / 1000) + " s"; }

}  // namespace

Completion Attempt::base(Status status, std::string note) const {
  Completion c;
  c.id = record_.id;
  c.revision = record_.revision;
  c.status = status;
  c.now_ms = deps_.clock.now_ms();
  c.maybe_sent = maybe_sent_open_;
  c.note = std::move(note);
  return c;
}

Completion Attempt::delivered(std::string note) const {
  for (const auto& l : left_out_) note += "; " + l;
  Completion c = base(Status::kDelivered, std::move(note));
  c.maybe_sent = false;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (ids_[i].empty()) continue;
    const auto by_url =
        std::find_if(record_.resources.begin(), record_.resources.end(),
                     [&](const auto& r) { return r.local == entries_[i].full_url; });
    const store::ResourceRef* ref = by_url != record_.resources.end() ? &*by_url : nullptr;
    if (ref == nullptr && i < record_.resources.size() &&
        record_.resources[i].type == entries_[i].type) {
      ref = &record_.resources[i];
    }
    if (ref == nullptr) continue;
    store::ResourceRef out = *ref;
    out.server_id = ids_[i];
    c.server_ids.push_back(std::move(out));
  }
  return c;
}

// The platform's issues, preceded by what our rule table says of each rule number it quoted: the
// field (and the record field it came from) and the fix, in the clerk's language.
mappers::Outcome Attempt::with_rules(const Classification& c) const {
  if (c.rule_numbers.empty() || !config_ || !config_->profiles) return c.outcome;
  const auto* facility = config_->facility(record_.facility);
  const mappers::Mapping* mapping =
      config_->mappings ? config_->mappings->find(record_.kind) : nullptr;
  auto out = explain_rules(
      c.rule_numbers, *config_->profiles,
      input_field_finder(record_, mapping, facility != nullptr ? &facility->info : nullptr,
                         config_->platform.date_floor));
  out.append(c.outcome);
  return out;
}

Completion Attempt::needs_correction(mappers::Text text, const mappers::Outcome& platform,
                                     std::string note) const {
  Completion c = base(Status::kNeedsCorrection, std::move(note));
  c.last_error =
      mappers::outcome_to_storage(outcome_of("processing", "error", std::move(text), platform));
  return c;
}

Completion Attempt::newborn_ambiguous(const std::string& field_path) const {
  Completion c =
      base(Status::kNeedsCorrection, "several newborns match the mother's NIK; " + field_path +
                                         " does not tell which one was registered");
  mappers::Outcome o;
  o.add("multiple-matches", field_path, msg::newborn_not_told_apart(field_path));
  c.last_error = mappers::outcome_to_storage(o);
  return c;
}

const rapidjson::Value& Attempt::entry_resource(std::size_t i) const {
  static const rapidjson::Value kNone(rapidjson::kObjectType);
  const auto* entries = mappers::member(bundle_, "entry");
  if (entries == nullptr || !entries->IsArray() || i >= entries->Size()) return kNone;
  const auto* res = mappers::member((*entries)[static_cast<rapidjson::SizeType>(i)], "resource");
  return res != nullptr && res->IsObject() ? *res : kNone;
}

Completion Attempt::transient(const Classification& cls, std::optional<mappers::Text> text) {
  const int attempt_no = record_.attempts + 1;
  const bool ambiguous = cls.verdict == Verdict::kAmbiguous;
  const auto now = deps_.clock.now_ms();
  if (backoff_.gives_up(attempt_no, record_.created_ms, now)) {
    Completion c = base(Status::kDead, "gave up after " + std::to_string(attempt_no) +
                                           " attempts (" + cls.reason + ")");
    c.maybe_sent = maybe_sent_open_ || ambiguous;
    c.last_error = mappers::outcome_to_storage(
        outcome_of("exception", "error", msg::gave_up(attempt_no, cls.reason), cls.outcome));
    return c;
  }
  const auto delay = backoff_.delay_ms(attempt_no, cls.retry_after_ms);
  Completion c = base(Status::kRetrying, cls.reason + "; attempt " + std::to_string(attempt_no) +
                                             ", next in " + seconds(delay));
  c.next_attempt_at_ms = now + delay;
  c.maybe_sent = maybe_sent_open_ || ambiguous;
  if (ambiguous) c.note += "; may have been received, will check before re-sending";
  if (!text) {
    text = ambiguous ? msg::maybe_delivered(cls.reason, now + delay)
                     : msg::platform_unavailable(cls.reason, now + delay);
  }
  c.last_error = mappers::outcome_to_storage(
      outcome_of("transient", "warning", std::move(*text), cls.outcome));
  return c;
}

Completion Attempt::from_token_error(const TokenError& e) {
  const auto now = deps_.clock.now_ms();
  if (!e.auth_failure()) {
    // The login service is down: an ordinary transient failure, never before the hold-off.
    Classification c;
    c.reason = "login: " + e.reason;
    Completion out = transient(c, e.text);
    if (out.next_attempt_at_ms && *out.next_attempt_at_ms < e.retry_at_ms) {
      out.next_attempt_at_ms = e.retry_at_ms;
    }
    return out;
  }
  // Refused credentials are not the record's fault: no attempt is counted (only the age limit
  // applies), and the record comes back no sooner than SATUSEHAT allows another login.
  if (backoff_.too_old(record_.created_ms, now)) {
    Completion c = base(Status::kDead, "gave up: login " + e.reason + " past the age limit");
    c.count_attempt = false;
    c.last_error = mappers::outcome_to_storage(outcome_of("login", "error", e.text, e.platform));
    return c;
  }
  const std::int64_t hold = config_->platform.auth_failure_backoff_s * 1000;
  const std::int64_t earliest = std::max(e.retry_at_ms, now + hold);
  const auto spread = backoff_.jitter_ms(hold / 10);  // records refused together spread out
  Completion c =
      base(Status::kRetrying,
           "login " + e.reason + " (" +
               (e.kind == TokenError::Kind::kRateLimited ? "rate-limited" : "credentials refused") +
               "); next try not before " + msg::utc_time(earliest));
  c.count_attempt = false;
  c.next_attempt_at_ms = earliest + spread;
  c.last_error = mappers::outcome_to_storage(
      outcome_of(e.kind == TokenError::Kind::kRateLimited ? "throttled" : "login", "error", e.text,
                 e.platform));
  return c;
}

// Nothing was sent: the platform failed repeatedly and is being probed. Not an attempt of this
// record (it does not count toward max_attempts); it goes again once the circuit lets calls
// through, spread over a second so the backlog does not arrive as one burst.
Completion Attempt::circuit_open(std::int64_t until_ms) {
  const auto now = deps_.clock.now_ms();
  const std::int64_t at = std::max(until_ms, now) + backoff_.jitter_ms(1'000);
  Completion c = base(Status::kRetrying, "platform circuit open (repeated failures); next try in " +
                                             seconds(at - now));
  c.count_attempt = false;
  c.next_attempt_at_ms = at;
  c.last_error = mappers::outcome_to_storage(
      outcome_of("transient", "warning", msg::platform_unavailable("repeated failures", at)));
  return c;
}

Completion Attempt::from_reply(const PlatformReply& reply, std::string_view context) {
  if (reply.token_error) return from_token_error(*reply.token_error);
  if (reply.circuit_open_until_ms) return circuit_open(*reply.circuit_open_until_ms);
  Classification c = classify(reply.http, deps_.clock.now_ms());
  c.reason = std::string(context) + ": " + c.reason;
  switch (c.verdict) {
    case Verdict::kNeedsCorrection:
    case Verdict::kDuplicate:
      return needs_correction(msg::validation_refused(c.http_status, c.rule_numbers), with_rules(c),
                              c.reason);
    case Verdict::kBusinessRule:
      return needs_correction(msg::business_rule(record_.facility), c.outcome, c.reason);
    case Verdict::kAuthRefresh:
      return transient(c, msg::token_rejected_by_fhir(record_.facility));
    case Verdict::kAmbiguous:  // a search changes nothing: losing its answer is harmless
    case Verdict::kDelivered:  // a 2xx whose body was unusable
    case Verdict::kRetry:
      c.verdict = Verdict::kRetry;
      break;
  }
  return transient(c);
}

Completion Attempt::not_resolved(const Resolution& r, const std::string& blocked_by) {
  using Kind = Resolution::Kind;
  if (r.kind == Kind::kFailed) {
    if (!r.reason.empty()) {
      Classification c;
      c.reason = r.reason;
      return transient(c);
    }
    return from_reply(r.reply, r.type + " search");
  }
  if (r.kind == Kind::kAmbiguousMatch) {
    return needs_correction(msg::several_patients_for_mother(), {},
                            "several patients match the mother's NIK");
  }
  const auto now = deps_.clock.now_ms();
  const std::int64_t grace_ms = config_->delivery.wait_grace_hours * 3'600'000;
  const std::int64_t age = now - record_.created_ms;
  const bool final = age >= grace_ms;
  const auto text = r.type == "Practitioner" ? msg::practitioner_not_registered(final)
                    : r.type == "Patient"    ? msg::patient_not_registered(r.by_mother_nik, final)
                    : blocked_by.empty()
                        ? msg::earlier_record_not_delivered(r.type, final)
                        : msg::earlier_record_needs_correction(r.type, blocked_by, final);
  if (final) {
    return needs_correction(text, {},
                            r.type + " not registered in SATUSEHAT after the grace period");
  }
  // Check again after about as long as it has waited so far (at least retry.initial_ms, at
  // most 15 min), and once more right when the grace period ends.
  const std::int64_t step = std::clamp(age, config_->retry.initial_ms, kMaxRecheckMs);
  const std::int64_t delay = step / 2 + backoff_.jitter_ms(step / 2);
  const std::int64_t until = record_.created_ms + grace_ms;
  Completion c =
      base(Status::kWaiting, r.type + " not registered in SATUSEHAT yet; check again in " +
                                 seconds(std::min(now + delay, until) - now));
  c.count_attempt = false;
  c.next_attempt_at_ms = std::min(now + delay, until);
  // What delivery of which record wakes this one: an earlier record of this facility, or a
  // newborn registered by the mother's NIK (a patient by NIK comes from outside: no wake-up).
  if ((r.type != "Patient" && r.type != "Practitioner") || r.by_mother_nik) {
    c.waiting_on = r.type + "/" + Resolver::cache_key(*config_, r.system, r.value);
  }
  mappers::Text full{text.id + " " + msg::still_waiting(until).id,
                     text.en + " " + msg::still_waiting(until).en};
  c.last_error = mappers::outcome_to_storage(outcome_of("not-found", "warning", std::move(full)));
  return c;
}

}  // namespace ilp::gateway::delivery
