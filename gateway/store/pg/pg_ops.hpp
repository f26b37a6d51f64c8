#pragma once
// The store's operations as synchronous SQL on one PostgreSQL connection: the same meaning as
// SqliteOps (store.hpp says what each does), plus what several instances on one database need:
// claims with FOR UPDATE SKIP LOCKED, leases with a fencing token, their heartbeat and the
// reaper. PgStore runs these on its thread inside the transaction it manages; every method
// throws PgError on failure and leaves rolling back to the caller.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/pg/pg_connection.hpp"
#include "gateway/store/store.hpp"

namespace ilp::gateway::store::pg {

class PgError : public std::runtime_error {
 public:
  PgError(const std::string& what, std::string sqlstate)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// The fencing tokens of this instance's claims, by tracking id. PgStore owns them, so they
// outlive a connection: after a reconnect (pg_terminate_backend, a server restart) the instance
// still completes what it claimed. Only tokens held here are renewed by the heartbeat: a claim
// whose commit was lost with the connection, or whose completion could not be stored, is not
// kept alive by a living instance but runs out and is reaped (search before re-sending).
// Used on the store thread; the mutex covers a failure reported while the store stops.
class LeaseTokens {
 public:
  std::optional<std::int64_t> find(std::string_view id) const;
  void claimed(const std::string& id, std::int64_t token);  // in the open transaction
  void completed(const std::string& id);                    // in the open transaction
  void commit();    // the claims hold, the completed ones are done
  void rollback();  // the claims are void, the completions never happened
  // A completion could not be stored: its token still completes (a retry), but is no longer
  // renewed, so if no retry succeeds the lease runs out and the reaper returns the record.
  void stop_renewing(const std::string& id);
  // The renewed tokens, as a PostgreSQL array literal.
  std::string renewed_array() const;
  // After a renewal: tokens the database no longer carries (reaped, claimed again) go.
  void keep_only(const std::set<std::int64_t>& carried);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::int64_t, std::less<>> held_;
  std::map<std::string, std::int64_t, std::less<>> unrenewed_;  // subset of held_
  std::map<std::string, std::int64_t, std::less<>> pending_;
  std::set<std::string, std::less<>> completing_;
};

class PgOps {
 public:
  // `instance` names this gateway in lease_owner; a claim's lease lasts `lease_ms`.
  PgOps(PgConnection& conn, std::string instance, std::int64_t lease_ms, LeaseTokens& tokens)
      : c_(conn), instance_(std::move(instance)), lease_ms_(lease_ms), tokens_(tokens) {}

  // Each item in its own savepoint: a failing item is reported kFailed, the others stand.
  std::vector<IngestOutcome> ingest(const std::vector<IngestItem>& items);
  std::optional<Record> get(std::string_view id);
  std::optional<Record> find(std::string_view facility, std::string_view kind,
                             std::string_view record_id);
  ListPage list(const ListQuery& q);  // std::invalid_argument for a foreign cursor
  Stats stats();

  std::vector<Record> claim(std::int64_t now_ms, int limit);
  // False when the record is unknown, the revision impossible, or this instance's lease on it
  // is gone (reaped and claimed again: a late write from a stale owner changes nothing).
  bool complete(const Completion& c);
  // The reaper: attempts whose lease ran out (their instance died or stalled) become
  // `retrying` with maybe_sent, as SqliteOps::recover does after a restart. One instance at a
  // time (a transaction-level advisory lock); the others return 0 at once.
  int reap(std::int64_t now_ms);
  // The heartbeat: this instance's leases last lease_ms from `now_ms` again, and it is seen;
  // returns the instances seen within a lease (this one included).
  int renew(std::int64_t now_ms);
  int retry(const std::vector<std::string>& ids, std::optional<Status> by_status,
            std::int64_t now_ms);
  int retry_matching(const Store::RetryFilter& f, std::int64_t now_ms);
  int prune(std::int64_t delivered_before_ms, int limit);
  int wake(const std::vector<std::string>& keys, std::int64_t now_ms);
  std::vector<pws::FactRow> pws_facts(const std::vector<std::string>& facilities,
                                      const std::vector<pws::Window>& windows);
  std::optional<std::string> cache_get(std::string_view kind, std::string_view key);
  void cache_put(std::string_view kind, std::string_view key, std::string_view value,
                 std::int64_t now_ms);
  void probe(std::int64_t now_ms);

  // A transaction was rolled back: the tokens its claims took are void.
  void forget_uncommitted() { tokens_.rollback(); }
  // It committed: they hold.
  void keep_committed() { tokens_.commit(); }

  using Params = std::vector<std::optional<std::string>>;
  PgResult must(std::string_view sql, const Params& params = {});

 private:
  // The record's own part of complete(), fenced; false when it does not apply.
  bool complete_record(const Completion& c);
  IngestOutcome ingest_one(const IngestItem& item);
  Record full_record(std::int64_t seq, bool with_history);
  std::vector<ResourceRef> resources(std::int64_t seq);
  std::vector<HistoryEntry> history(std::int64_t seq);
  void add_history(std::int64_t seq, std::int64_t at_ms, Status status, std::string_view note);
  void write_resources(std::int64_t seq, const std::vector<ResourceRef>& refs, bool keep_ids);
  void count_delivered(std::int64_t seq);
  void pws_apply(std::int64_t seq, std::string_view patient_key, std::string_view facility,
                 std::string_view encoded);
  void pws_place(std::int64_t person);

  PgConnection& c_;
  std::string instance_;
  std::int64_t lease_ms_;
  LeaseTokens& tokens_;
};

}  // namespace ilp::gateway::store::pg
