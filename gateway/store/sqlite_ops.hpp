#pragma once
// The store's operations as synchronous SQL on one connection. SqliteStore runs them on its
// thread, inside the transaction it manages; every method throws (SqliteError or another
// std::exception) on failure and leaves rolling back to the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/record_counts.hpp"
#include "gateway/store/sqlite_db.hpp"
#include "gateway/store/sqlite_pws.hpp"
#include "gateway/store/store.hpp"

namespace ilp::gateway::store {

// The claim query, for the test that its plan walks the queue's partial indexes.
const char* sqlite_claim_sql();

class SqliteOps {
 public:
  explicit SqliteOps(SqliteDb& db) : db_(db) {}

  // One outcome per item, items applied in order (so two items with one key behave as two
  // calls). Each item runs in its own savepoint: a failing item is rolled back and reported
  // kFailed while the others stand. Throws only when the whole transaction was lost.
  std::vector<IngestOutcome> ingest(const std::vector<IngestItem>& items);

  std::optional<Record> get(std::string_view id);
  std::optional<Record> find(std::string_view facility, std::string_view kind,
                             std::string_view record_id);
  // Throws std::invalid_argument for a cursor this store did not produce.
  ListPage list(const ListQuery& q);
  Stats stats();

  std::vector<Record> claim(std::int64_t now_ms, int limit);
  bool complete(const Completion& c);
  int recover(std::int64_t now_ms);
  int retry(const std::vector<std::string>& ids, std::optional<Status> by_status,
            std::int64_t now_ms);
  int retry_matching(const Store::RetryFilter& filter, std::int64_t now_ms);
  int prune(std::int64_t delivered_before_ms, int limit);
  int wake(const std::vector<std::string>& keys, std::int64_t now_ms);

  std::vector<pws::FactRow> pws_facts(const std::vector<std::string>& facilities,
                                      const std::vector<pws::Window>& windows);

  std::optional<std::string> cache_get(std::string_view kind, std::string_view key);
  void cache_put(std::string_view kind, std::string_view key, std::string_view value,
                 std::int64_t now_ms);

  // What this object keeps of the open transaction's writes (the record counts' deltas, the
  // persons PWS met), told of the transaction's fate by whoever runs it: savepoint_mark()
  // before a savepoint, rolled_back_to() after rolling back to it, before_commit() just before
  // COMMIT (writes the counts; throws like any statement), rolled_back() after ROLLBACK.
  std::size_t savepoint_mark() const { return counts_.mark(); }
  void rolled_back_to(std::size_t mark) {
    counts_.undo_to(mark);
    pws_persons_.clear();
  }
  void before_commit() { counts_.flush(db_); }
  void rolled_back() {
    counts_.discard();
    pws_persons_.clear();
  }

  // Writes a few bytes (check_writable, after a failed commit).
  void probe(std::int64_t now_ms);
  // PRAGMA max_page_count from a byte budget; 0 lifts the cap. Returns the cap in pages.
  std::int64_t set_size_limit(std::int64_t max_bytes);

 private:
  // The record's own part of complete(); false when it does not apply.
  bool complete_record(const Completion& c);
  IngestOutcome ingest_one(const IngestItem& item);
  Record full_record(std::int64_t seq, bool with_history);
  std::vector<ResourceRef> resources(std::int64_t seq);
  std::vector<HistoryEntry> history(std::int64_t seq);
  void add_history(std::int64_t seq, std::int64_t at_ms, Status status, std::string_view note);
  void write_server_ids(std::int64_t seq, const std::vector<ResourceRef>& ids);
  void write_resources(std::int64_t seq, const std::vector<ResourceRef>& refs, bool keep_ids);

  SqliteDb& db_;
  RecordCounts counts_;
  PwsPersonCache pws_persons_;
};

// The list cursor: opaque to clients; "<updated_ms>.<id>" of the last record of a page.
std::string encode_list_cursor(std::int64_t updated_ms, std::string_view id);
bool decode_list_cursor(std::string_view cursor, std::int64_t& updated_ms, std::string& id);

}  // namespace ilp::gateway::store
