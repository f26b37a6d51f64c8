// Schema step 8: the envelope and bundle leave the records row for the payloads table, on a
// store that holds records (revised, delivered and pruned among them). Step 9: the queue's
// partial indexes without IN lists, still used by the claim. Step 10: no count triggers, the
// counts recounted, the status CHECK without an IN list and still refusing unknown statuses.

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <map>

#include "gateway/store/sqlite_ops.hpp"
#include "gateway/store/sqlite_schema.hpp"
#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::delivered;
using testing::failed_with;
using testing::kT0;
using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;

std::string sql_text(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(st, 0);
    if (!out.empty()) out += ",";
    out += t != nullptr ? reinterpret_cast<const char*>(t) : "NULL";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Puts a schema-8 store's payloads back in the records row, as schema 7 kept them.
void back_to_schema_7(const std::string& path) {
  testing::exec_sql(path, std::string("BEGIN;") + testing::kUndoSchemaStep8 +
                              "PRAGMA user_version = 7;\nCOMMIT;");
}

}  // namespace

TEST_CASE("schema step 8 moves every record's envelope and bundle out of the queue row intact",
          "[unit]") {
  TempDir dir;
  std::string revised_id, delivered_id;
  {
    SqliteStore store(options(dir));
    Sync s(store);
    revised_id = s.ingest(make_item("R1", "v1", "p1")).id;
    REQUIRE(s.ingest(make_item("R1", "v2", "p1")).kind == IngestOutcome::Kind::kRevised);
    delivered_id = s.ingest(make_item("R2", "v1", "p2")).id;
    auto claimed = s.claim(kT0 + 10, 10);
    REQUIRE(claimed.size() == 2);
    for (const auto& r : claimed) {
      REQUIRE(s.complete(r.id == delivered_id ? delivered(r, kT0 + 20)
                                              : failed_with(r, Status::kRetrying, kT0 + 20)));
    }
  }
  const auto before_revised = [&] {
    SqliteStore store(options(dir));
    return *Sync(store).get(revised_id);
  }();
  back_to_schema_7(dir.db());
  CHECK(sql_text(dir.db(),
                 "SELECT count(*) FROM pragma_table_info('records') "
                 "WHERE name IN ('input_json', 'bundle_json')") == "2");

  SqliteStore store(options(dir));
  Sync s(store);
  CHECK(sql_text(dir.db(), "PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(sql_text(dir.db(),
                 "SELECT count(*) FROM pragma_table_info('records') "
                 "WHERE name IN ('input_json', 'bundle_json')") == "0");
  const auto revised = s.get(revised_id);
  REQUIRE(revised);
  CHECK(revised->revision == 2);
  CHECK(revised->input_json == before_revised.input_json);
  CHECK(revised->bundle_json == before_revised.bundle_json);
  CHECK(revised->bundle_json.find("Bundle") != std::string::npos);
  const auto done = s.get(delivered_id);
  REQUIRE(done);
  CHECK(done->status == Status::kDelivered);
  CHECK_FALSE(done->bundle_json.empty());
  // Work goes on after the migration: the revised record is claimed with its bundle.
  const auto claimed = s.claim(kT0 + 30, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].bundle_json == before_revised.bundle_json);
}

namespace {

// Column `column` of every row `sql` returns on the store file at `path`, one per line.
std::string column_lines(const std::string& path, const std::string& sql, int column) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  INFO(sqlite3_errmsg(db));
  REQUIRE(rc == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    out += reinterpret_cast<const char*>(sqlite3_column_text(st, column));
    out += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// The detail lines of EXPLAIN QUERY PLAN for the claim.
std::string claim_plan(const std::string& path) {
  return column_lines(path, std::string("EXPLAIN QUERY PLAN ") + sqlite_claim_sql(), 3);
}

}  // namespace

TEST_CASE(
    "schema step 9 rebuilds the queue's partial indexes without IN lists, and the claim "
    "still walks them",
    "[unit]") {
  TempDir dir;
  std::string id;
  {
    SqliteStore store(options(dir));
    id = Sync(store).ingest(make_item("Q1", "v1", "p1")).id;
  }
  // Back to step 8's indexes.
  testing::exec_sql(dir.db(), R"sql(
DROP INDEX records_claimable;
CREATE INDEX records_claimable ON records (seq, next_attempt_at, inflight_revision, patient_key)
  WHERE status IN ('queued', 'retrying', 'waiting');
DROP INDEX records_patient_blocking;
CREATE INDEX records_patient_blocking ON records (patient_key, seq)
  WHERE status IN ('queued', 'sending', 'retrying');
PRAGMA user_version = 8;
)sql");
  const char* index_sql =
      "SELECT sql FROM sqlite_master WHERE name IN ('records_claimable', "
      "'records_patient_blocking') ORDER BY name";
  REQUIRE(sql_text(dir.db(), index_sql).find(" IN (") != std::string::npos);

  SqliteStore store(options(dir));
  Sync s(store);
  CHECK(sql_text(dir.db(), "PRAGMA user_version") == std::to_string(kSchemaVersion));
  const auto indexes = sql_text(dir.db(), index_sql);
  INFO(indexes);
  CHECK(indexes.find(" IN (") == std::string::npos);
  CHECK(indexes.find("status = 'sending'") != std::string::npos);
  // The claim walks records_claimable in seq order and probes records_patient_blocking: no
  // scan, no sort.
  const auto plan = claim_plan(dir.db());
  INFO(plan);
  CHECK(plan.find("records_claimable") != std::string::npos);
  CHECK(plan.find("records_patient_blocking") != std::string::npos);
  CHECK(plan.find("TEMP B-TREE") == std::string::npos);
  const auto claimed = s.claim(kT0 + 30, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == id);
}

namespace {

// The bytecode of `sql` on the store file at `path`, one opcode per line.
std::string opcodes(const std::string& path, const std::string& sql) {
  return column_lines(path, "EXPLAIN " + sql, 1);
}

}  // namespace

TEST_CASE(
    "schema step 10 drops the count triggers, recounts, and rewrites the status CHECK without "
    "an IN list",
    "[unit]") {
  TempDir dir;
  std::string queued_id;
  {
    SqliteStore store(options(dir));
    Sync s(store);
    queued_id = s.ingest(make_item("Q1", "v1", "p1")).id;
    s.ingest(make_item("D1", "v1", "p2"));
    auto claimed = s.claim(kT0 + 10, 10);
    REQUIRE(claimed.size() == 2);
    for (const auto& r : claimed) {
      if (r.id != queued_id) REQUIRE(s.complete(delivered(r, kT0 + 20)));
    }
  }
  // Back to step 9: the triggers of step 1, the CHECK as step 1 wrote it, and counts that are
  // wrong (the recount must not trust them).
  testing::exec_sql(dir.db(), R"sql(
BEGIN;
CREATE TRIGGER records_count_insert AFTER INSERT ON records BEGIN
  INSERT INTO record_counts (facility, kind, status, n)
    VALUES (NEW.facility, NEW.kind, NEW.status, 1)
    ON CONFLICT (facility, kind, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER records_count_update AFTER UPDATE OF facility, kind, status ON records
WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE record_counts SET n = n - 1
    WHERE facility = OLD.facility AND kind = OLD.kind AND status = OLD.status;
END;
CREATE TRIGGER records_count_delete AFTER DELETE ON records BEGIN
  UPDATE record_counts SET n = n - 1
    WHERE facility = OLD.facility AND kind = OLD.kind AND status = OLD.status;
END;
UPDATE record_counts SET n = 7;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
  'CHECK (status = ''queued'' OR status = ''sending'' OR status = ''delivered'' OR status = ''retrying'' OR status = ''waiting'' OR status = ''needs_correction'' OR status = ''superseded'' OR status = ''dead'')',
  'CHECK (status IN (''queued'', ''sending'', ''delivered'',
                       ''retrying'', ''waiting'', ''needs_correction'', ''superseded'', ''dead''))')
  WHERE type = 'table' AND name = 'records';
PRAGMA writable_schema = OFF;
PRAGMA user_version = 9;
COMMIT;
)sql");
  const char* table_sql = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'records'";
  REQUIRE(sql_text(dir.db(), table_sql).find("CHECK (status IN (") != std::string::npos);
  const std::string set_status = "UPDATE records SET status = 'delivered' WHERE seq = 1";
  REQUIRE(opcodes(dir.db(), set_status).find("OpenEphemeral") != std::string::npos);

  SqliteStore store(options(dir));
  Sync s(store);
  CHECK(sql_text(dir.db(), "PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(sql_text(dir.db(), "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'") == "0");
  const auto table = sql_text(dir.db(), table_sql);
  INFO(table);
  CHECK(table.find(" IN (") == std::string::npos);
  CHECK(table.find("CHECK (status = 'queued' OR status = 'sending' OR status = 'delivered' OR "
                   "status = 'retrying' OR status = 'waiting' OR status = 'needs_correction' OR "
                   "status = 'superseded' OR status = 'dead')") != std::string::npos);
  // No temporary B-tree when a status is set, and the CHECK still refuses what is not one.
  CHECK(opcodes(dir.db(), set_status).find("OpenEphemeral") == std::string::npos);
  CHECK(sql_text(dir.db(), "PRAGMA integrity_check") == "ok");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.db().c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    CHECK(sqlite3_exec(db, "UPDATE records SET status = 'lost' WHERE seq = 1", nullptr, nullptr,
                       nullptr) == SQLITE_CONSTRAINT);
    sqlite3_close(db);
  }
  // Recounted from the records: one left sending, one delivered.
  const auto st = s.stats();
  std::map<Status, std::int64_t> by_status;
  for (const auto& row : st.rows) by_status[row.status] += row.count;
  CHECK(by_status ==
        std::map<Status, std::int64_t>{{Status::kSending, 1}, {Status::kDelivered, 1}});
  // Counting goes on without the triggers.
  s.ingest(make_item("N1", "v1", "p3"));
  CHECK(s.stats().pending == 2);
}

}  // namespace ilp::gateway::store
