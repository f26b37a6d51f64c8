#include "gateway/store/pg/sqlite_import.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>

#include "gateway/store/pg/pg_migrations.hpp"
#include "gateway/store/pg/pg_ops.hpp"
#include "gateway/store/pg/pg_schema.hpp"
#include "gateway/store/sqlite_db.hpp"
#include "gateway/store/sqlite_schema.hpp"

namespace ilp::gateway::store::pg {
namespace {

using Params = std::vector<std::optional<std::string>>;

std::optional<std::string> N(std::int64_t v) { return std::to_string(v); }
std::optional<std::string> N(std::optional<std::int64_t> v) {
  return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}

// A refusal the user can act on; nothing was copied.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Rows for one table, sent as multi-row INSERTs of bounded size (the parameter count and the
// bytes held in memory), each value cast to its column's type. `before` is flushed first: a
// table whose rows reference it (payloads → records) never gets ahead of it.
class RowBatch {
 public:
  RowBatch(PgConnection& c, std::string head, std::vector<std::string> types,
           RowBatch* before = nullptr)
      : c_(c), head_(std::move(head)), types_(std::move(types)), before_(before) {}

  void add(Params row) {
    for (auto& v : row) {
      if (v) bytes_ += v->size();
      params_.push_back(std::move(v));
    }
    ++rows_;
    ++total_;
    if (params_.size() + types_.size() > kMaxParams || bytes_ > kMaxBytes) flush();
  }

  void flush() {
    if (before_ != nullptr) before_->flush();
    if (rows_ == 0) return;
    std::string sql = head_ + " VALUES ";
    std::size_t n = 0;
    for (std::size_t r = 0; r < rows_; ++r) {
      sql += r == 0 ? "(" : ", (";
      for (std::size_t k = 0; k < types_.size(); ++k) {
        if (k > 0) sql += ", ";
        sql += "$" + std::to_string(++n) + "::" + types_[k];
      }
      sql += ")";
    }
    const auto res = c_.exec(sql, params_);
    if (!res.ok())
      throw PgError(res.error() + " (SQLSTATE " + res.sqlstate() + ")", res.sqlstate());
    params_.clear();
    rows_ = 0;
    bytes_ = 0;
  }

  std::int64_t total() const { return total_; }

 private:
  static constexpr std::size_t kMaxParams = 30'000;     // PostgreSQL allows 65,535
  static constexpr std::size_t kMaxBytes = 16u << 20u;  // payloads: ~16 MB per statement
  PgConnection& c_;
  std::string head_;
  std::vector<std::string> types_;
  RowBatch* before_;
  Params params_;
  std::size_t rows_ = 0;
  std::size_t bytes_ = 0;
  std::int64_t total_ = 0;
};

PgResult must(PgConnection& c, std::string_view sql) {
  auto r = c.exec(sql);
  if (!r.ok()) throw PgError(r.error() + " (SQLSTATE " + r.sqlstate() + ")", r.sqlstate());
  return r;
}

std::int64_t count_of(PgConnection& c, const char* table) {
  return must(c, std::string("SELECT count(*) FROM ") + table).integer(0, 0).value_or(-1);
}

std::int64_t sqlite_data_version(SqliteDb& db) {
  auto q = db.query("PRAGMA data_version");
  return q.step() ? q.int64(0) : -1;
}

void refuse_unless_empty(PgConnection& c) {
  const auto records = count_of(c, "records");
  const auto cache = count_of(c, "ihs_cache");
  const auto persons = count_of(c, "pws_persons");
  if (records == 0 && cache == 0 && persons == 0) return;
  throw Refused("the PostgreSQL database is not empty: it holds " + std::to_string(records) +
                " record(s), " + std::to_string(cache) + " cached IHS id(s) and " +
                std::to_string(persons) +
                " PWS person(s). migrate --to-postgres copies into an empty database only, so "
                "that no record is mixed up with another store's; nothing was copied. Create a "
                "new database (createdb) and name it in --to-postgres");
}

struct InFlight {
  std::int64_t seq;
  Status status;
  std::string note;
};

// records and payloads; the in-flight ones become what recover() makes of them after a restart.
void copy_records(SqliteDb& src, PgConnection& dst, std::int64_t now_ms, ImportCounts& counts,
                  std::vector<InFlight>& in_flight) {
  RowBatch records(
      dst,
      "INSERT INTO records (seq, id, facility, kind, record_id, revision, status, "
      "attempts, next_attempt_at, patient_key, delivered_revision, maybe_sent, "
      "waiting_on, created_ms, updated_ms, content_hash, last_error)",
      {"bigint", "text", "text", "text", "text", "integer", "text", "integer", "bigint", "text",
       "integer", "smallint", "text", "bigint", "bigint", "text", "text"});
  RowBatch payloads(dst, "INSERT INTO payloads (record_seq, input_json, bundle_json, pws_pending)",
                    {"bigint", "text", "text", "text"}, &records);
  std::map<Status, std::int64_t> by_status;
  auto q = src.query(
      "SELECT seq, id, facility, kind, record_id, revision, status, attempts, next_attempt_at, "
      "patient_key, delivered_revision, maybe_sent, inflight_revision, created_ms, updated_ms, "
      "content_hash, last_error, coalesce(p.input_json, ''), coalesce(p.bundle_json, ''), "
      "waiting_on, pws_pending "
      "FROM records LEFT JOIN payloads p ON p.record_seq = records.seq ORDER BY seq");
  while (q.step()) {
    const auto seq = q.int64(0);
    const auto parsed = status_from_string(q.text(6));
    if (!parsed) throw std::runtime_error("record seq " + std::to_string(seq) + ": bad status");
    Status status = *parsed;
    auto next_attempt = q.opt_int64(8);
    auto maybe_sent = q.int64(11);
    auto updated = q.int64(14);
    const auto inflight_revision = q.opt_int64(12);
    if (status == Status::kSending) {
      status = Status::kRetrying;
      maybe_sent = maybe_sent == 2 ? 2 : 1;
      next_attempt = now_ms;
      updated = now_ms;
      in_flight.push_back({seq, status,
                           "moved to PostgreSQL during an attempt; will check the platform "
                           "before re-sending"});
    } else if (inflight_revision) {
      // Revised while an attempt on the old revision ran: that attempt may have arrived.
      maybe_sent = 2;
      updated = now_ms;
      in_flight.push_back({seq, status,
                           "moved to PostgreSQL during an attempt on revision " +
                               std::to_string(*inflight_revision) +
                               "; will check the platform before sending"});
    }
    ++by_status[status];
    records.add({N(seq), q.text(1), q.text(2), q.text(3), q.text(4), N(q.int64(5)),
                 std::string(to_string(status)), N(q.int64(7)), N(next_attempt), q.text(9),
                 N(q.int64(10)), N(maybe_sent), q.text(19), N(q.int64(13)), N(updated), q.text(15),
                 q.text(16)});
    payloads.add({N(seq), q.text(17), q.text(18),
                  q.is_null(20) ? std::nullopt : std::optional<std::string>(q.text(20))});
  }
  payloads.flush();
  counts.records = records.total();
  counts.in_flight = static_cast<std::int64_t>(in_flight.size());
  for (const auto& [s, n] : by_status) counts.by_status.emplace_back(s, n);
}

void copy_children(SqliteDb& src, PgConnection& dst, std::int64_t now_ms,
                   const std::vector<InFlight>& in_flight, ImportCounts& counts) {
  {
    // Positions renumbered per record in bundle order: PostgreSQL keys resources by position.
    RowBatch rows(dst, "INSERT INTO resources (record_seq, position, name, type, local, server_id)",
                  {"bigint", "integer", "text", "text", "text", "text"});
    auto q = src.query(
        "SELECT record_seq, name, type, local, server_id FROM resources "
        "ORDER BY record_seq, position, name");
    std::int64_t last = -1;
    std::int64_t position = 0;
    while (q.step()) {
      const auto seq = q.int64(0);
      position = seq == last ? position + 1 : 0;
      last = seq;
      rows.add({N(seq), N(position), q.text(1), q.text(2), q.text(3), q.text(4)});
    }
    rows.flush();
    counts.resources = rows.total();
  }
  {
    // In the order they were written (history.id orders a record's entries in PostgreSQL);
    // the in-flight records' new entries come last.
    RowBatch rows(dst, "INSERT INTO history (record_seq, at_ms, status, note)",
                  {"bigint", "bigint", "text", "text"});
    auto q = src.query("SELECT record_seq, at_ms, status, note FROM history ORDER BY rowid");
    while (q.step()) rows.add({N(q.int64(0)), N(q.int64(1)), q.text(2), q.text(3)});
    for (const auto& f : in_flight) {
      rows.add({N(f.seq), N(now_ms), std::string(to_string(f.status)), f.note});
    }
    rows.flush();
    counts.history = rows.total();
  }
  {
    RowBatch rows(dst, "INSERT INTO ihs_cache (kind, key, value, updated_ms)",
                  {"text", "text", "text", "bigint"});
    auto q = src.query("SELECT kind, key, value, updated_ms FROM ihs_cache");
    while (q.step()) rows.add({q.text(0), q.text(1), q.text(2), N(q.int64(3))});
    rows.flush();
    counts.cache = rows.total();
  }
  {
    RowBatch rows(dst, "INSERT INTO pws_persons (person, patient_key, village)",
                  {"bigint", "text", "text"});
    auto q = src.query("SELECT person, patient_key, village FROM pws_persons ORDER BY person");
    while (q.step()) rows.add({N(q.int64(0)), q.text(1), q.text(2)});
    rows.flush();
    counts.pws_persons = rows.total();
  }
  {
    RowBatch rows(dst,
                  "INSERT INTO pws_records (record_seq, person, facility, day, events, "
                  "address_village, location_village)",
                  {"bigint", "bigint", "text", "integer", "bigint", "text", "text"});
    auto q = src.query(
        "SELECT record_seq, person, facility, day, events, address_village, location_village "
        "FROM pws_records");
    while (q.step()) {
      rows.add({N(q.int64(0)), N(q.int64(1)), q.text(2), N(q.int64(3)), N(q.int64(4)), q.text(5),
                q.text(6)});
    }
    rows.flush();
    counts.pws_records = rows.total();
  }
  {
    RowBatch rows(dst,
                  "INSERT INTO pws_facts (record_seq, facility, event, day, person, value, "
                  "episode)",
                  {"bigint", "text", "integer", "integer", "bigint", "bigint", "text"});
    auto q =
        src.query("SELECT record_seq, facility, event, day, person, value, episode FROM pws_facts");
    while (q.step()) {
      rows.add({N(q.int64(0)), q.text(1), N(q.int64(2)), N(q.int64(3)), N(q.int64(4)),
                N(q.int64(5)), q.text(6)});
    }
    rows.flush();
    counts.pws_facts = rows.total();
  }
}

// What was written is what was read, table by table, before anything commits.
void check_counts(PgConnection& dst, const ImportCounts& c) {
  const std::pair<const char*, std::int64_t> expected[] = {
      {"records", c.records},         {"payloads", c.records},   {"resources", c.resources},
      {"history", c.history},         {"ihs_cache", c.cache},    {"pws_persons", c.pws_persons},
      {"pws_records", c.pws_records}, {"pws_facts", c.pws_facts}};
  for (const auto& [table, n] : expected) {
    const auto found = count_of(dst, table);
    if (found != n) {
      throw std::runtime_error(std::string("after copying, PostgreSQL's ") + table + " holds " +
                               std::to_string(found) + " row(s) where " + std::to_string(n) +
                               " were read");
    }
  }
}

}  // namespace

ImportOutcome import_sqlite_store(const std::string& sqlite_path, PgConnection& target,
                                  std::int64_t now_ms) {
  ImportOutcome out;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(sqlite_path, ec)) {
    out.kind = ImportOutcome::Kind::kRefused;
    out.message = "there is no SQLite store at " + sqlite_path + ": nothing to move";
    return out;
  }
  bool in_pg_transaction = false;
  try {
    SqliteDb src(sqlite_path, 5000, SqliteDb::Mode::kReadOnly);
    const auto version = [&] {
      auto q = src.query("PRAGMA user_version");
      return q.step() ? q.int32(0) : 0;
    }();
    if (version != kSchemaVersion) {
      throw Refused(
          "the SQLite store has schema version " + std::to_string(version) +
          " and this gateway moves version " + std::to_string(kSchemaVersion) + " only: " +
          (version < kSchemaVersion
               ? "start this version of the gateway on it once (it upgrades the store), stop "
                 "it, then run migrate again"
               : "use the gateway version that wrote it"));
    }
    const auto migrated = migrate(target, store_migrations());
    if (migrated.kind == MigrationOutcome::Kind::kNewer) throw Refused(migrated.error);
    if (migrated.kind == MigrationOutcome::Kind::kFailed) {
      throw std::runtime_error("the PostgreSQL schema could not be created: " + migrated.error);
    }

    must(target, "BEGIN");
    in_pg_transaction = true;
    // No instance writes while the store moves in (an instance started by mistake waits).
    must(target,
         "LOCK TABLE records, payloads, resources, history, ihs_cache, pws_persons, pws_records, "
         "pws_facts IN ACCESS EXCLUSIVE MODE");
    refuse_unless_empty(target);

    const auto before = sqlite_data_version(src);
    src.exec("BEGIN");  // one read snapshot of the whole store
    std::vector<InFlight> in_flight;
    copy_records(src, target, now_ms, out.counts, in_flight);
    copy_children(src, target, now_ms, in_flight, out.counts);
    src.exec("COMMIT");
    src.clear_statements();
    if (sqlite_data_version(src) != before) {
      throw Refused(
          "the SQLite store changed while it was copied: a gateway is still running on it. Stop "
          "it (and keep it stopped), then run migrate again; nothing was copied");
    }
    // New rows continue after the moved ones: the acceptance order carries on.
    must(target,
         "SELECT setval(pg_get_serial_sequence('records', 'seq'), "
         "coalesce((SELECT max(seq) FROM records), 1), (SELECT count(*) > 0 FROM records))");
    must(target,
         "SELECT setval(pg_get_serial_sequence('pws_persons', 'person'), "
         "coalesce((SELECT max(person) FROM pws_persons), 1), "
         "(SELECT count(*) > 0 FROM pws_persons))");
    check_counts(target, out.counts);
    must(target, "COMMIT");
    in_pg_transaction = false;
    out.kind = ImportOutcome::Kind::kMoved;
    return out;
  } catch (const Refused& e) {
    out.kind = ImportOutcome::Kind::kRefused;
    out.message = e.what();
  } catch (const std::exception& e) {
    out.kind = ImportOutcome::Kind::kFailed;
    out.message = e.what();
  }
  if (in_pg_transaction) target.exec("ROLLBACK");
  out.counts = {};
  return out;
}

}  // namespace ilp::gateway::store::pg
