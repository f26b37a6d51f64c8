// Schema step 8: the envelope and bundle leave the records row for the payloads table, on a
// store that holds records (revised, delivered and pruned among them). Step 9: the queue's
// partial indexes without IN lists, still used by the claim.

#include <sqlite3.h>

#include <catch2/catch.hpp>

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
  testing::exec_sql(path, R"sql(
BEGIN;
ALTER TABLE records ADD COLUMN input_json TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN bundle_json TEXT NOT NULL DEFAULT '';
UPDATE records SET (input_json, bundle_json) =
  (SELECT input_json, bundle_json FROM payloads WHERE record_seq = records.seq);
DROP TABLE payloads;
PRAGMA user_version = 7;
COMMIT;
)sql");
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

// The detail lines of EXPLAIN QUERY PLAN for the claim, on the store file at `path`.
std::string claim_plan(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const std::string sql = std::string("EXPLAIN QUERY PLAN ") + sqlite_claim_sql();
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  INFO(sqlite3_errmsg(db));
  REQUIRE(rc == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    out += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    out += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
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

}  // namespace ilp::gateway::store
