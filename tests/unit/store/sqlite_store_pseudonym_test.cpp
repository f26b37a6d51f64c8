// Keyed pseudonyms (issue 14): the per-installation key file, and the migration of a store
// whose patient keys, cache keys and FHIR record ids were bare SHA-256 of NIKs.
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "gateway/store/pseudonym_key.hpp"
#include "gateway/store/sqlite_schema.hpp"
#include "mappers/sha256.hpp"
#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::kT0;
using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("the pseudonym key is created once, 32 bytes and 0600 under umask 022, then reused",
          "[unit]") {
  const mode_t old = ::umask(022);
  TempDir dir;
  const auto path = (dir.path() / "var" / "pseudonym.key").string();
  const auto first = open_pseudonym_key(path);
  ::umask(old);
  CHECK(first.created);
  CHECK(mode_of(path) == 0600);
  CHECK(std::filesystem::file_size(path) == 32);
  CHECK(first.key != mappers::PseudonymKey{});
  // No temporary file is left beside it.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path() / "var"),
                      std::filesystem::directory_iterator{}) == 1);

  const auto again = open_pseudonym_key(path);
  CHECK_FALSE(again.created);
  CHECK(again.key == first.key);
}

TEST_CASE("a pseudonym key readable by others, of the wrong size or unreadable stops the start",
          "[unit]") {
  TempDir dir;
  const auto path = (dir.path() / "pseudonym.key").string();
  open_pseudonym_key(path);

  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  CHECK_THROWS_WITH(open_pseudonym_key(path),
                    Catch::Contains("chmod 600") && Catch::Contains("readable by other users"));
  REQUIRE(::chmod(path.c_str(), 0600) == 0);

  std::filesystem::resize_file(path, 16);
  CHECK_THROWS_WITH(open_pseudonym_key(path), Catch::Contains("exactly 32 bytes"));

  std::filesystem::remove(path);
  std::filesystem::create_directory(path);
  CHECK_THROWS_WITH(open_pseudonym_key(path), Catch::Contains("not a regular file"));
}

// ---- migration from schema 3 ----

constexpr const char* kNik = "3204010101900001";
constexpr const char* kOtherNik = "3204010101900002";
constexpr const char* kNikSystem = "https://fhir.kemkes.go.id/id/nik";

// The schema-3 tables as a gateway before issue 14 wrote them (what the migration reads).
constexpr const char* kSchema3 = R"sql(
CREATE TABLE records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, facility TEXT NOT NULL,
  kind TEXT NOT NULL, record_id TEXT NOT NULL, revision INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'delivered', 'retrying',
    'waiting', 'needs_correction', 'superseded', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER,
  patient_key TEXT NOT NULL DEFAULT '', delivered_revision INTEGER NOT NULL DEFAULT 0,
  maybe_sent INTEGER NOT NULL DEFAULT 0, inflight_revision INTEGER,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, content_hash TEXT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '', input_json TEXT NOT NULL, bundle_json TEXT NOT NULL,
  waiting_on TEXT NOT NULL DEFAULT '', UNIQUE (facility, kind, record_id));
CREATE INDEX records_claimable ON records (seq, next_attempt_at, inflight_revision, patient_key)
  WHERE status IN ('queued', 'retrying', 'waiting');
CREATE INDEX records_patient_blocking ON records (patient_key, seq)
  WHERE status IN ('queued', 'sending', 'retrying');
CREATE INDEX records_waiting_on ON records (waiting_on) WHERE waiting_on != '';
CREATE TABLE record_counts (facility TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
  n INTEGER NOT NULL, PRIMARY KEY (facility, kind, status)) WITHOUT ROWID;
CREATE TABLE resources (record_seq INTEGER NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
  name TEXT NOT NULL, type TEXT NOT NULL, local TEXT NOT NULL,
  server_id TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (record_seq, name)) WITHOUT ROWID;
CREATE TABLE history (record_seq INTEGER NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
  at_ms INTEGER NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE TABLE ihs_cache (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  updated_ms INTEGER NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
CREATE TABLE probe (id INTEGER PRIMARY KEY CHECK (id = 1), at_ms INTEGER NOT NULL, room BLOB);
PRAGMA user_version = 3;
)sql";

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  // The first column of the first row, "" when none.
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string q(const std::string& s) { return "'" + s + "'"; }

void add_record(RawDb& db, const std::string& id, const std::string& kind,
                const std::string& record_id, const std::string& status,
                const std::string& patient_key, const std::string& input_json,
                const std::string& waiting_on = "") {
  db.exec(
      "INSERT INTO records (id, facility, kind, record_id, revision, status, patient_key, "
      "created_ms, updated_ms, content_hash, input_json, bundle_json, waiting_on, "
      "next_attempt_at) VALUES (" +
      q(id) + ", 'pkm-sukamaju', " + q(kind) + ", " + q(record_id) + ", 1, " + q(status) + ", " +
      q(patient_key) + ", " + std::to_string(kT0) + ", " + std::to_string(kT0) + ", 'h-" + id +
      "', " + q(input_json) + ", '{}', " + q(waiting_on) + ", " +
      (status == "waiting" ? std::to_string(kT0 + 86'400'000) : "NULL") + ")");
}

std::string visit_input(const std::string& nik) {
  return R"({"kind":"visit","record_id":"RJ-1","data":{"patient":{"nik":")" + nik +
         R"(","name":"Siti"}}})";
}

TEST_CASE("a schema-3 store is migrated to keyed pseudonyms in one step at first open", "[unit]") {
  TempDir dir;
  const auto& key = mappers::Pseudonymizer::for_tests();
  const std::string old_key = mappers::sha256_hex(std::string("nik:") + kNik);
  const std::string old_other = mappers::sha256_hex(std::string("nik:") + kOtherNik);
  const std::string old_fhir_id = std::string(kNikSystem) + "|sha256:" + mappers::sha256_hex(kNik);
  const std::string old_pruned_fhir_id =
      std::string(kNikSystem) + "|sha256:" + mappers::sha256_hex(kOtherNik);
  {
    RawDb db(dir.db());
    db.exec(kSchema3);
    // Pending, with the NIK still in its input: recomputed.
    add_record(db, "T-A", "visit", "RJ-1", "queued", old_key, visit_input(kNik));
    // Delivered and pruned, same patient: follows the recomputed key.
    add_record(db, "T-B", "visit", "RJ-0", "delivered", old_key, "");
    // Pending, but nothing in the input gives the key back: keyed one-to-one.
    add_record(db, "T-C", "visit", "RJ-2", "queued", old_other, R"({"data":{}})");
    // FHIR pass-through Patient posted without X-Record-Id, input kept / pruned.
    add_record(db, "T-D", "fhir-resource", old_fhir_id, "needs_correction", old_key,
               R"({"resourceType":"Patient","identifier":[{"system":")" + std::string(kNikSystem) +
                   R"(","value":")" + kNik + R"("}]})");
    add_record(db, "T-E", "fhir-resource", old_pruned_fhir_id, "delivered", old_other, "");
    // Waiting on an earlier record by a bare-hash key.
    add_record(db, "T-F", "lab", "LAB-1", "waiting", old_other, R"({"data":{}})",
               "Encounter/" + mappers::sha256_hex("http://sys/encounter|V-1"));
    db.exec("INSERT INTO ihs_cache VALUES ('Patient', " +
            q(mappers::sha256_hex(std::string(kNikSystem) + "|" + kNik)) + ", 'P100', " +
            std::to_string(kT0) + ")");
  }

  {
    auto o = options(dir);
    o.pseudonymizer = &key;
    SqliteStore store(o);
    Sync s(store);
    // Per-patient order holds across the upgrade: a new record of the NIK of T-A, keyed as
    // ingest keys it now, waits behind T-A.
    const auto fresh =
        s.ingest(make_item("RJ-3", "v3", key(std::string("nik:") + kNik), kT0 + 1000)).id;
    const auto claimed = s.claim(kT0 + 2000, 10);
    std::vector<std::string> ids;
    for (const auto& r : claimed) ids.push_back(r.id);
    CHECK(std::find(ids.begin(), ids.end(), "T-A") != ids.end());
    CHECK(std::find(ids.begin(), ids.end(), fresh) == ids.end());
  }

  RawDb db(dir.db());
  CHECK(db.text("PRAGMA user_version") == std::to_string(kSchemaVersion));
  const auto key_of = [&](const char* id) {
    return db.text(std::string("SELECT patient_key FROM records WHERE id = '") + id + "'");
  };
  const std::string new_key = key(std::string("nik:") + kNik);
  CHECK(key_of("T-A") == new_key);
  CHECK(key_of("T-B") == new_key);
  CHECK(key_of("T-D") == new_key);
  CHECK(key_of("T-C") == key("sha256:" + old_other));
  CHECK(key_of("T-E") == key_of("T-C"));
  CHECK(key_of("T-F") == key_of("T-C"));

  // A resubmission of the Patient makes the same record id as before the upgrade.
  CHECK(db.text("SELECT record_id FROM records WHERE id = 'T-D'") ==
        std::string(kNikSystem) +
            "|hmac:" + key(mappers::person_record_id_input(kNikSystem, kNik)));
  CHECK(db.text("SELECT record_id FROM records WHERE id = 'T-E'") ==
        std::string(kNikSystem) + "|hmac:" + key("sha256:" + mappers::sha256_hex(kOtherNik)));

  // Nothing reversible is left: no bare hash anywhere, the cache is empty, the waiting record
  // is due so that its next attempt names what it waits for anew.
  CHECK(db.text("SELECT count(*) FROM records WHERE patient_key IN (" + q(old_key) + ", " +
                q(old_other) + ") OR record_id LIKE '%|sha256:%'") == "0");
  CHECK(db.text("SELECT count(*) FROM ihs_cache") == "0");
  CHECK(db.text("SELECT waiting_on || '/' || next_attempt_at FROM records WHERE id = 'T-F'") ==
        "/0");
}

TEST_CASE("a schema-3 store with records is not migrated without the pseudonym key", "[unit]") {
  TempDir dir;
  {
    RawDb db(dir.db());
    db.exec(kSchema3);
    add_record(db, "T-A", "visit", "RJ-1", "queued", mappers::sha256_hex("nik:1"), "{}");
  }
  CHECK_THROWS_WITH(SqliteStore(options(dir)), Catch::Contains("pseudonym key"));
  RawDb db(dir.db());
  CHECK(db.text("PRAGMA user_version") == "3");  // all steps or none
}

}  // namespace
}  // namespace ilp::gateway::store
