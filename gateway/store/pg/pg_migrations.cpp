#include "gateway/store/pg/pg_migrations.hpp"

namespace ilp::gateway::store::pg {
namespace {

// Session-level lock, released on every path (also when the connection drops: then the server
// releases it).
class SchemaLock {
 public:
  explicit SchemaLock(PgConnection& c) : c_(c) {
    ok_ = c_.exec("SELECT pg_advisory_lock($1)", {std::to_string(kSchemaLockKey)}).ok();
  }
  ~SchemaLock() {
    if (ok_) c_.exec("SELECT pg_advisory_unlock($1)", {std::to_string(kSchemaLockKey)});
  }
  SchemaLock(const SchemaLock&) = delete;
  SchemaLock& operator=(const SchemaLock&) = delete;
  bool ok() const { return ok_; }

 private:
  PgConnection& c_;
  bool ok_ = false;
};

MigrationOutcome failed(int from, int to, std::string what, const PgResult& r) {
  return {MigrationOutcome::Kind::kFailed, from, to,
          std::move(what) + ": " + r.error() + " (SQLSTATE " + r.sqlstate() + ")"};
}

}  // namespace

MigrationOutcome migrate(PgConnection& conn, const std::vector<Migration>& migrations) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  SchemaLock lock(conn);
  if (!lock.ok()) return {MigrationOutcome::Kind::kFailed, 0, 0, "schema lock not taken"};
  if (auto r = conn.exec("CREATE TABLE IF NOT EXISTS ilp_schema (version integer NOT NULL, "
                         "applied_at timestamptz NOT NULL DEFAULT now())");
      !r.ok()) {
    return failed(0, 0, "schema table", r);
  }
  const auto found = conn.exec("SELECT coalesce(max(version), 0) FROM ilp_schema");
  if (!found.ok()) return failed(0, 0, "schema version", found);
  const int from = static_cast<int>(found.integer(0, 0).value_or(0));
  if (from > latest) {
    return {MigrationOutcome::Kind::kNewer, from, from,
            "the database has schema version " + std::to_string(from) + ", this gateway knows " +
                std::to_string(latest) + ": upgrade the gateway, do not point an older one at it"};
  }
  int at = from;
  for (const auto& m : migrations) {
    if (m.version <= at) continue;
    if (m.version != at + 1) {
      return {MigrationOutcome::Kind::kFailed, from, at,
              "migration " + std::to_string(at + 1) + " is missing"};
    }
    const std::string label = "migration " + std::to_string(m.version);
    if (auto r = conn.exec("BEGIN"); !r.ok()) return failed(from, at, label, r);
    auto r = conn.exec(m.sql);
    if (r.ok()) {
      r = conn.exec("INSERT INTO ilp_schema (version) VALUES ($1)", {std::to_string(m.version)});
    }
    if (r.ok()) r = conn.exec("COMMIT");
    if (!r.ok()) {
      conn.exec("ROLLBACK");
      return failed(from, at, label, r);
    }
    at = m.version;
  }
  return {MigrationOutcome::Kind::kUpToDate, from, at, {}};
}

}  // namespace ilp::gateway::store::pg
