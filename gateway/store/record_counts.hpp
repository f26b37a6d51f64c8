#pragma once
// The per (facility, kind, status) record counts behind stats(), kept by the writer in C++
// instead of by triggers (schema step 10). A trigger ran two statements on record_counts for
// every status change, about half of what a claim plus a completion cost in SQL; here every
// change is a delta in memory and the transaction writes one row per (facility, kind, status)
// it touched, just before it commits.
//
// Deltas follow the transaction's savepoints: mark() before a savepoint, undo_to() after
// rolling back to it; discard() when the transaction is rolled back as a whole.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/sqlite_db.hpp"
#include "gateway/store/store.hpp"

namespace ilp::gateway::store {

class RecordCounts {
 public:
  void add(std::string_view facility, std::string_view kind, Status status, std::int64_t n);
  // A record of (facility, kind) went from `from` to `to`; nothing when they are equal.
  void move(std::string_view facility, std::string_view kind, Status from, Status to);
  // Adds the counts of the records matching `where` (SQL after "FROM records", parameters
  // bound by `bind`) as moving from their status to `to`: for updates of many rows at once,
  // queried before the update runs.
  template <class Bind>
  void move_matching(SqliteDb& db, const std::string& where, Bind bind, Status to);

  std::size_t mark() const { return deltas_.size(); }
  void undo_to(std::size_t mark) { deltas_.resize(mark); }
  void discard() { deltas_.clear(); }
  // Writes the summed deltas into record_counts (inside the caller's transaction) and clears
  // them. Throws on failure, like any statement of the transaction.
  void flush(SqliteDb& db);

 private:
  struct Delta {
    std::string facility;
    std::string kind;
    Status status;
    std::int64_t n;
  };
  std::vector<Delta> deltas_;
};

Status parse_stored_status(std::string_view s);

template <class Bind>
void RecordCounts::move_matching(SqliteDb& db, const std::string& where, Bind bind, Status to) {
  auto q = db.query("SELECT facility, kind, status, count(*) FROM records " + where +
                    " GROUP BY facility, kind, status");
  bind(q);
  while (q.step()) {
    const auto facility = q.text(0);
    const auto kind = q.text(1);
    const auto from = parse_stored_status(q.text(2));
    if (from == to) continue;
    const auto n = q.int64(3);
    add(facility, kind, from, -n);
    add(facility, kind, to, n);
  }
}

}  // namespace ilp::gateway::store
