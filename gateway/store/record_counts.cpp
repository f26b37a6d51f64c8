#include "gateway/store/record_counts.hpp"

#include <map>
#include <stdexcept>
#include <tuple>

namespace ilp::gateway::store {

Status parse_stored_status(std::string_view s) {
  const auto status = status_from_string(s);
  if (!status) throw std::runtime_error("unknown status '" + std::string(s) + "' in the database");
  return *status;
}

void RecordCounts::add(std::string_view facility, std::string_view kind, Status status,
                       std::int64_t n) {
  if (n == 0) return;
  deltas_.push_back({std::string(facility), std::string(kind), status, n});
}

void RecordCounts::move(std::string_view facility, std::string_view kind, Status from, Status to) {
  if (from == to) return;
  add(facility, kind, from, -1);
  add(facility, kind, to, 1);
}

void RecordCounts::flush(SqliteDb& db) {
  if (deltas_.empty()) return;
  // A batch of completions moves many records between the same few statuses: summed first,
  // one row write per (facility, kind, status).
  std::map<std::tuple<std::string_view, std::string_view, Status>, std::int64_t> sums;
  for (const auto& d : deltas_) sums[{d.facility, d.kind, d.status}] += d.n;
  for (const auto& [key, n] : sums) {
    if (n == 0) continue;
    const auto& [facility, kind, status] = key;
    db.query(
          "INSERT INTO record_counts (facility, kind, status, n) VALUES (?1, ?2, ?3, ?4) "
          "ON CONFLICT (facility, kind, status) DO UPDATE SET n = n + excluded.n")
        .bind_all(facility, kind, to_string(status), n)
        .run();
  }
  deltas_.clear();
}

}  // namespace ilp::gateway::store
