#pragma once
// The durable record store: the contract between ingest, delivery, the status API and the CLI.
//
// Every operation is asynchronous. Implementations own their I/O thread(s); callbacks run on
// that thread, so a caller on a network thread must post the result back to its own executor
// and must never block inside a callback. An implementation may batch the operations queued
// at one moment into a single transaction (group commit): a callback reporting success means
// the change is durable (fsynced). SQLite is the embedded implementation; PostgreSQL can
// satisfy the same interface.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/pws/report.hpp"
#include "gateway/store/read_result.hpp"
#include "gateway/store/shared_login.hpp"

namespace ilp::gateway::store {

enum class Status {
  kQueued,
  kSending,
  kDelivered,
  kRetrying,
  kWaiting,
  kNeedsCorrection,
  kSuperseded,
  kDead,
};
std::string_view to_string(Status s);
std::optional<Status> status_from_string(std::string_view s);
inline constexpr Status kAllStatuses[] = {
    Status::kQueued,  Status::kSending,         Status::kDelivered,  Status::kRetrying,
    Status::kWaiting, Status::kNeedsCorrection, Status::kSuperseded, Status::kDead};

// One resource of a record's bundle: `local` is its urn:uuid in the bundle, `server_id` the id
// the platform assigned (empty until delivered).
struct ResourceRef {
  std::string name;  // mapping's resource name, e.g. "encounter", "systolic", "diagnosis.0"
  std::string type;  // FHIR type
  std::string local;
  std::string server_id;
};

struct HistoryEntry {
  std::int64_t at_ms = 0;
  Status status = Status::kQueued;
  std::string note;  // no PHI: statuses, counts, HTTP codes, rule numbers
};

struct Record {
  std::string id;  // tracking id
  std::string facility;
  std::string kind;
  std::string record_id;
  int revision = 1;
  Status status = Status::kQueued;
  int attempts = 0;
  std::optional<std::int64_t> next_attempt_at_ms;
  std::string last_error;  // mappers::outcome_to_storage() form; empty when none
  std::string content_hash;
  std::string input_json;   // the envelope as received (may be pruned after delivery)
  std::string bundle_json;  // the mapped transaction Bundle for `revision`
  // Records with the same key are delivered in acceptance order (a hash, never a NIK).
  std::string patient_key;
  int delivered_revision = 0;  // 0 = never delivered; otherwise the last revision delivered
  bool maybe_sent = false;     // an attempt may have reached the platform (crash or timeout)
  // ...and that attempt was on an EARLIER revision: what the platform holds (if anything) is
  // older content, so finding it there is no proof the current revision arrived.
  bool older_revision_maybe_sent = false;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t seq = 0;  // acceptance order, monotonic per store
  std::vector<ResourceRef> resources;
  std::vector<HistoryEntry> history;  // filled by get(), not by list()/claim()
};

// A mapped, validated record ready to be made durable.
struct IngestItem {
  std::string facility;
  std::string kind;
  std::string record_id;
  std::string content_hash;  // of the canonical input; equal hash = same content
  std::string input_json;
  std::string bundle_json;
  std::string patient_key;
  std::vector<ResourceRef> resources;  // server_id empty
  std::int64_t now_ms = 0;
  std::string note;  // added to the acceptance history entry (no PHI); usually empty
  // The revision's PWS facts (pws::encode), counted once it is delivered; nullopt: it counts for
  // nothing (and a delivered earlier revision's facts are withdrawn when this one is delivered).
  std::optional<std::string> pws_facts;
};

struct IngestOutcome {
  enum class Kind {
    kCreated,    // new key: 202
    kUnchanged,  // same key, same content: 200, nothing written
    kRevised,    // same key, new content: 202 with the new revision
    kFailed,     // storage failed: 503, nothing written for this item
  };
  Kind kind = Kind::kFailed;
  std::string id;
  int revision = 0;
  Status status = Status::kQueued;
  std::string error;  // for kFailed (technical, for logs)
};

struct ListQuery {
  std::string facility;  // empty: any
  std::optional<Status> status;
  std::string kind;
  std::optional<std::int64_t> since_ms;  // updated at or after
  std::optional<std::int64_t> until_ms;  // updated before
  std::string record_id;                 // empty: any (the facility's own id, a business key)
  int limit = 100;
  std::string cursor;  // opaque, from the previous page
};

// True for a cursor of the shape list() hands out (ListPage::next_cursor), so a client's
// garbage is refused before it reaches the store.
bool is_list_cursor(std::string_view cursor);

struct ListPage {
  std::vector<Record> records;  // no input/bundle/history
  std::string next_cursor;      // empty when this is the last page
};

struct Stats {
  struct Row {
    std::string facility;
    std::string kind;
    Status status;
    std::int64_t count;
  };
  std::vector<Row> rows;
  std::optional<std::int64_t> oldest_pending_ms;  // created_ms of the oldest not-final record
  std::int64_t pending = 0;                       // queued + sending + retrying + waiting
};

// What delivery reports back after an attempt.
struct Completion {
  std::string id;
  int revision = 0;  // the revision that was attempted
  Status status = Status::kDelivered;
  std::optional<std::int64_t> next_attempt_at_ms;
  std::string last_error;  // storage form; empty clears it
  bool count_attempt = true;
  bool maybe_sent = false;
  // Server ids by resource name (delivered, or adopted after a duplicate answer).
  std::vector<ResourceRef> server_ids;
  std::string note;  // history note (no PHI)
  std::int64_t now_ms = 0;
  // kWaiting for an earlier record: the key of what it waits for (Resolver::cache_key of the
  // identifier), so wake() can find it when that record is delivered.
  std::string waiting_on;
  // Written in the completion's own transaction and only if it applies (cache_put() and
  // wake() each, without a commit of their own): what the attempt learnt (patient NIK → IHS,
  // identifier → server id, "needs correction" marks), and the waiting_on keys of the records
  // that may go now. A delivered visit teaches about ten entries; one commit, not ten.
  struct CacheEntry {
    std::string kind;
    std::string key;
    std::string value;
  };
  std::vector<CacheEntry> cache_puts;
  std::vector<std::string> wake_keys;
};

class Store {
 public:
  virtual ~Store() = default;

  // Group-committed: the callback fires after the transaction holding these items is durable
  // (or failed as a whole). One outcome per item, in order.
  virtual void ingest(std::vector<IngestItem> items,
                      std::function<void(std::vector<IngestOutcome>)> done) = 0;

  // Reads: found, not found (get/find only), or failed; a failure is never reported as absent.
  virtual void get(std::string id, std::function<void(ReadResult<Record>)> done) = 0;
  virtual void find(std::string facility, std::string kind, std::string record_id,
                    std::function<void(ReadResult<Record>)> done) = 0;
  virtual void list(ListQuery q, std::function<void(ReadResult<ListPage>)> done) = 0;
  virtual void stats(std::function<void(ReadResult<Stats>)> done) = 0;

  // Claims up to `limit` records due at `now_ms` (queued/retrying/waiting with next_attempt_at
  // unset or <= now) and marks them `sending` (maybe_sent stays as it was). Records of one
  // patient_key are claimed oldest first, and never while an older record of that key is
  // queued, sending or retrying.
  virtual void claim(std::int64_t now_ms, int limit,
                     std::function<void(std::vector<Record>)> done) = 0;
  // Applies an attempt's result. If the record was revised since the claim, the server ids are
  // kept but the status stays as the new revision left it.
  virtual void complete(Completion c, std::function<void(bool ok)> done) = 0;
  // complete(), then, if it applied, claim() of up to `limit` records due at `claim_now_ms`:
  // delivery refills the slot an attempt frees. A store that can does both in one transaction,
  // so a delivered record costs one commit instead of a completion's and a claim's; and the
  // claim sees the completion (the patient's next record may go at once). The default makes
  // the two calls one after the other.
  struct CompletedAndClaimed {
    bool ok = false;  // as complete()'s
    std::vector<Record> claimed;
  };
  virtual void complete_and_claim(Completion c, std::int64_t claim_now_ms, int limit,
                                  std::function<void(CompletedAndClaimed)> done) {
    complete(std::move(c), [this, claim_now_ms, limit, done = std::move(done)](bool ok) mutable {
      if (!ok || limit <= 0) {
        done(CompletedAndClaimed{ok, {}});
        return;
      }
      claim(claim_now_ms, limit, [done = std::move(done)](std::vector<Record> claimed) mutable {
        done(CompletedAndClaimed{true, std::move(claimed)});
      });
    });
  }
  // After a restart: records left `sending` become `retrying` with maybe_sent set.
  virtual void recover(std::int64_t now_ms, std::function<void(int count)> done) = 0;
  // Puts records back to `queued`, due now, attempts reset. By ids, or by status when ids is
  // empty. Returns how many changed.
  virtual void retry(std::vector<std::string> ids, std::optional<Status> by_status,
                     std::int64_t now_ms, std::function<void(int count)> done) = 0;

  // Puts the records in `filter.status` (of `facility` and `kind` when not empty) back to
  // `queued` like retry(); the console's "retry all that match". Returns how many changed.
  struct RetryFilter {
    Status status = Status::kNeedsCorrection;
    std::string facility;
    std::string kind;
  };
  virtual void retry_matching(RetryFilter filter, std::int64_t now_ms,
                              std::function<void(int count)> done) = 0;

  // NIK → IHS cache. `kind` is "Patient" or "Practitioner"; `key` is a hash of the identifier.
  virtual void cache_get(std::string kind, std::string key,
                         std::function<void(std::optional<std::string>)> done) = 0;
  virtual void cache_put(std::string kind, std::string key, std::string value, std::int64_t now_ms,
                         std::function<void(bool ok)> done) = 0;

  // Retention (PHI minimisation): empties the input and bundle of up to `limit` records that
  // were delivered before `delivered_before_ms`. Status, history, server ids and the content
  // hash (idempotency) stay. Up to `limit` NIK → IHS cache entries last learned before then go
  // too. Returns how many records and cache entries were pruned.
  virtual void prune(std::int64_t delivered_before_ms, int limit,
                     std::function<void(int count)> done) = 0;

  // Makes the records waiting on any of `keys` (Completion::waiting_on) due at `now_ms`.
  virtual void wake(std::vector<std::string> keys, std::int64_t now_ms,
                    std::function<void(int count)> done) = 0;

  // The PWS facts of delivered records in `windows`, for these facilities (gateway/pws/report).
  virtual void pws_facts(std::vector<std::string> facilities, std::vector<pws::Window> windows,
                         std::function<void(ReadResult<std::vector<pws::FactRow>>)> done) = 0;

  // How many gateway instances share this store and so the platform's per-facility rate (the
  // PostgreSQL hub counts those whose heartbeat is within a lease); each sends at its share.
  // Any thread. The embedded store has one.
  virtual int instances() const { return 1; }

  // Logins shared by the instances of one database (shared_login.hpp). The embedded store has
  // one instance and nothing to share: the token cache then logs in on its own.
  virtual bool shares_logins() const { return false; }
  // nullopt: the shared state could not be read or written; the caller logs in on its own.
  virtual void login_begin(LoginAsk ask, std::function<void(std::optional<SharedLogin>)> done) {
    (void)ask;
    done(std::nullopt);
  }
  virtual void login_done(LoginDone result, std::function<void(bool ok)> done) {
    (void)result;
    done(false);
  }

  // /readyz, on every probe: whether a write committed now would succeed (see the
  // implementation for how; it must be cheap, a probe comes every few seconds).
  virtual void check_writable(std::function<void(bool ok)> done) = 0;
};

}  // namespace ilp::gateway::store
