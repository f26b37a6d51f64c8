#include "gateway/store/sqlite_schema.hpp"

#include <stdexcept>
#include <string>

#include "gateway/store/pseudonym_rekey.hpp"

namespace ilp::gateway::store {
namespace {

// Step n brings user_version from n to n + 1. Never edit a released step; append one.
//
// records: `seq` is the rowid (AUTOINCREMENT, so never reused) and the acceptance order;
// `id` is the public tracking id. Child tables reference `seq`, which keeps them compact.
// `inflight_revision` is the revision an unfinished attempt is sending (NULL when none): a
// record revised during an attempt is not claimed again until that attempt completes, so two
// attempts of one record never run at once.
constexpr const char* kSteps[] = {
    R"sql(
CREATE TABLE records (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  id                 TEXT    NOT NULL UNIQUE,
  facility           TEXT    NOT NULL,
  kind               TEXT    NOT NULL,
  record_id          TEXT    NOT NULL,
  revision           INTEGER NOT NULL,
  status             TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'delivered',
                       'retrying', 'waiting', 'needs_correction', 'superseded', 'dead')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    INTEGER,
  patient_key        TEXT    NOT NULL DEFAULT '',
  delivered_revision INTEGER NOT NULL DEFAULT 0,
  maybe_sent         INTEGER NOT NULL DEFAULT 0,
  inflight_revision  INTEGER,
  created_ms         INTEGER NOT NULL,
  updated_ms         INTEGER NOT NULL,
  content_hash       TEXT    NOT NULL,
  -- Large values last: reading a column stored after an overflowing value walks its pages.
  last_error         TEXT    NOT NULL DEFAULT '',
  input_json         TEXT    NOT NULL,
  bundle_json        TEXT    NOT NULL,
  UNIQUE (facility, kind, record_id)
);
-- list by status, recover, retry by status.
CREATE INDEX records_status ON records (status, updated_ms, id);
-- list by facility (and status).
CREATE INDEX records_facility ON records (facility, status, updated_ms, id);
-- list: newest change first, keyset pagination.
CREATE INDEX records_updated ON records (updated_ms, id);
-- claim: the claimable statuses in acceptance order, due time covered, so records that are
-- not due cost an index step each and no table read.
CREATE INDEX records_claimable ON records (seq, next_attempt_at, inflight_revision, patient_key)
  WHERE status IN ('queued', 'retrying', 'waiting');
-- claim: "an older record of this patient is still on its way" is one probe here.
CREATE INDEX records_patient_blocking ON records (patient_key, seq)
  WHERE status IN ('queued', 'sending', 'retrying');
-- recover: attempts that were running.
CREATE INDEX records_inflight ON records (inflight_revision)
  WHERE inflight_revision IS NOT NULL;

-- stats() without scanning records: counts kept by triggers in the same transaction.
CREATE TABLE record_counts (
  facility TEXT    NOT NULL,
  kind     TEXT    NOT NULL,
  status   TEXT    NOT NULL,
  n        INTEGER NOT NULL,
  PRIMARY KEY (facility, kind, status)
) WITHOUT ROWID;
CREATE TRIGGER records_count_insert AFTER INSERT ON records BEGIN
  INSERT INTO record_counts (facility, kind, status, n)
    VALUES (NEW.facility, NEW.kind, NEW.status, 1)
    ON CONFLICT (facility, kind, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER records_count_update AFTER UPDATE OF facility, kind, status ON records
WHEN OLD.status IS NOT NEW.status OR OLD.facility IS NOT NEW.facility
  OR OLD.kind IS NOT NEW.kind BEGIN
  UPDATE record_counts SET n = n - 1
    WHERE facility = OLD.facility AND kind = OLD.kind AND status = OLD.status;
  INSERT INTO record_counts (facility, kind, status, n)
    VALUES (NEW.facility, NEW.kind, NEW.status, 1)
    ON CONFLICT (facility, kind, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER records_count_delete AFTER DELETE ON records BEGIN
  UPDATE record_counts SET n = n - 1
    WHERE facility = OLD.facility AND kind = OLD.kind AND status = OLD.status;
END;

CREATE TABLE resources (
  record_seq INTEGER NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
  name       TEXT    NOT NULL,
  type       TEXT    NOT NULL,
  local      TEXT    NOT NULL,
  server_id  TEXT    NOT NULL DEFAULT '',
  position   INTEGER NOT NULL DEFAULT 0,  -- order in the bundle, for people reading the status
  PRIMARY KEY (record_seq, name)
) WITHOUT ROWID;

CREATE TABLE history (
  record_seq INTEGER NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
  at_ms      INTEGER NOT NULL,
  status     TEXT    NOT NULL,
  note       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX history_record ON history (record_seq);

CREATE TABLE ihs_cache (
  kind       TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;

-- check_writable() rewrites its single row.
CREATE TABLE probe (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  at_ms INTEGER NOT NULL
);
)sql",
    // 2: the probe writes as much as a batch of records would (/readyz must fail on a disk too
    // full for ingest, not only on one too full for a few bytes).
    R"sql(
ALTER TABLE probe ADD COLUMN room BLOB;
)sql",
    // 3: a record waiting for an earlier record (its visit's Encounter) names it, so delivering
    // that record wakes exactly its dependants.
    R"sql(
ALTER TABLE records ADD COLUMN waiting_on TEXT NOT NULL DEFAULT '';
CREATE INDEX records_waiting_on ON records (waiting_on) WHERE waiting_on != '';
)sql",
    // 4: keyed pseudonyms (issue 14; then rekey_patient_keys() rewrites records.patient_key).
    // The cache's keys were bare SHA-256 of NIKs and visit numbers and cannot be rekeyed
    // without them: it is emptied and refills from the platform's answers. A waiting record
    // names what it waits for by such a key: it is made due so its next attempt names it
    // anew. Retention purges the cache by age (updated_ms).
    R"sql(
DELETE FROM ihs_cache;
CREATE INDEX ihs_cache_updated ON ihs_cache (updated_ms);
UPDATE records SET waiting_on = '', next_attempt_at = 0
  WHERE status = 'waiting' AND waiting_on != '';
)sql",
    // 5: PWS facts (issue 17; gateway/store/sqlite_pws.hpp). A record keeps the facts of its
    // current revision in pws_pending (NULL: nothing to count) until that revision is
    // delivered; then they replace the record's rows in pws_records and pws_facts. Records
    // delivered before this step are not counted (their facts were never extracted).
    R"sql(
ALTER TABLE records ADD COLUMN pws_pending TEXT;
CREATE TABLE pws_persons (
  person      INTEGER PRIMARY KEY,
  patient_key TEXT    NOT NULL UNIQUE,
  village     TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE pws_records (
  record_seq       INTEGER PRIMARY KEY,
  person           INTEGER NOT NULL,
  facility         TEXT    NOT NULL,
  day              INTEGER NOT NULL,
  events           INTEGER NOT NULL,  -- bit n set: an event n row is in pws_facts
  address_village  TEXT    NOT NULL DEFAULT '',
  location_village TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX pws_records_person ON pws_records (person, day);
CREATE TABLE pws_facts (
  record_seq INTEGER NOT NULL,
  facility   TEXT    NOT NULL,
  event      INTEGER NOT NULL,
  day        INTEGER NOT NULL,
  person     INTEGER NOT NULL,
  value      INTEGER NOT NULL,
  episode    TEXT    NOT NULL
);
CREATE INDEX pws_facts_window ON pws_facts (facility, event, day);
)sql",
    // 6: PWS tables keyed for their writes (issue 17, write cost). pws_facts and pws_records
    // become WITHOUT ROWID tables whose keys are the indexes they had (one B-tree each instead
    // of a table and an index); pws_records is keyed by person, found from records.pws_person;
    // pws_persons keeps the record that decided the village, so a delivery compares with it
    // instead of re-reading the person's records.
    R"sql(
ALTER TABLE records ADD COLUMN pws_person INTEGER;
UPDATE records SET pws_person = (SELECT person FROM pws_records WHERE record_seq = records.seq)
  WHERE seq IN (SELECT record_seq FROM pws_records);
CREATE TABLE pws_records_6 (
  person           INTEGER NOT NULL,
  record_seq       INTEGER NOT NULL,
  facility         TEXT    NOT NULL,
  day              INTEGER NOT NULL,
  events           INTEGER NOT NULL,  -- bit n set: an event n row is in pws_facts
  address_village  TEXT    NOT NULL DEFAULT '',
  location_village TEXT    NOT NULL DEFAULT '',
  PRIMARY KEY (person, record_seq)
) WITHOUT ROWID;
INSERT INTO pws_records_6 SELECT person, record_seq, facility, day, events, address_village,
  location_village FROM pws_records;
DROP TABLE pws_records;
ALTER TABLE pws_records_6 RENAME TO pws_records;
CREATE TABLE pws_facts_6 (
  facility   TEXT    NOT NULL,
  event      INTEGER NOT NULL,
  day        INTEGER NOT NULL,
  record_seq INTEGER NOT NULL,
  value      INTEGER NOT NULL,
  episode    TEXT    NOT NULL,
  person     INTEGER NOT NULL,
  PRIMARY KEY (facility, event, day, record_seq, value, episode)
) WITHOUT ROWID;
INSERT OR IGNORE INTO pws_facts_6 SELECT facility, event, day, record_seq, value, episode, person
  FROM pws_facts;
DROP TABLE pws_facts;
ALTER TABLE pws_facts_6 RENAME TO pws_facts;
ALTER TABLE pws_persons ADD COLUMN village_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pws_persons ADD COLUMN village_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pws_persons ADD COLUMN village_address INTEGER NOT NULL DEFAULT 0;
UPDATE pws_persons SET (village_address, village_day, village_seq) = (
  SELECT address_village != '', day, record_seq FROM pws_records r
  WHERE r.person = pws_persons.person AND (address_village != '' OR location_village != '')
  ORDER BY address_village != '' DESC, day DESC, record_seq DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM pws_records r WHERE r.person = pws_persons.person
  AND (address_village != '' OR location_village != ''));
)sql",
    // 7: the console's record browser (issue 19): a page filtered by facility or kind alone
    // walks an index in list order instead of sorting every match, and a record id (the
    // facility's business key) is looked up without naming its facility and kind.
    R"sql(
CREATE INDEX IF NOT EXISTS records_facility_updated ON records (facility, updated_ms, id);
CREATE INDEX IF NOT EXISTS records_kind_updated ON records (kind, updated_ms, id);
CREATE INDEX IF NOT EXISTS records_record_id ON records (record_id);
)sql",
    // 8: the queue row made narrow (issue 16): the envelope and the bundle, written once per
    // revision and read once per attempt, move to their own table. Every claim and completion
    // rewrites the records row; with ~8 KB of payload in it that meant rewriting its overflow
    // pages twice per delivery, now a row of a few hundred bytes.
    R"sql(
CREATE TABLE payloads (
  record_seq  INTEGER PRIMARY KEY,
  input_json  TEXT    NOT NULL,
  bundle_json TEXT    NOT NULL
);
INSERT INTO payloads (record_seq, input_json, bundle_json)
  SELECT seq, input_json, bundle_json FROM records;
ALTER TABLE records DROP COLUMN input_json;
ALTER TABLE records DROP COLUMN bundle_json;
)sql",
    // 9: the queue's partial indexes test the status with = … OR … instead of IN (…) (issue 16).
    // SQLite evaluates an IN list through a temporary B-tree built each time the statement
    // runs; every claim and completion UPDATE evaluates both conditions for the old and the new
    // row, four such B-trees per statement (measured: a quarter of a claim plus a completion).
    // The queries that use these indexes spell the condition the same way (sqlite_ops.cpp).
    R"sql(
DROP INDEX IF EXISTS records_claimable;
CREATE INDEX records_claimable ON records (seq, next_attempt_at, inflight_revision, patient_key)
  WHERE status = 'queued' OR status = 'retrying' OR status = 'waiting';
DROP INDEX IF EXISTS records_patient_blocking;
CREATE INDEX records_patient_blocking ON records (patient_key, seq)
  WHERE status = 'queued' OR status = 'sending' OR status = 'retrying';
)sql",
};

constexpr int kStepCount = static_cast<int>(sizeof(kSteps) / sizeof(kSteps[0]));
static_assert(kStepCount == kSchemaVersion, "one migration step per schema version");

int user_version(SqliteDb& db) {
  auto q = db.query("PRAGMA user_version");
  return q.step() ? q.int32(0) : 0;
}

}  // namespace

bool holds_pseudonymised_records(const std::string& path) {
  sqlite3* db = nullptr;
  const bool opened =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK;
  bool keyed = false;
  if (opened) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    int version = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    st = nullptr;
    if (version >= 4 &&
        sqlite3_prepare_v2(db, "SELECT 1 FROM records LIMIT 1", -1, &st, nullptr) == SQLITE_OK) {
      keyed = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);  // also after a failed open, which still allocates a handle
  return keyed;
}

void migrate_schema(SqliteDb& db, const mappers::Pseudonymizer* pseudonym) {
  try {
    db.exec("BEGIN IMMEDIATE");
    int version = user_version(db);
    if (version > kSchemaVersion) {
      db.exec("ROLLBACK");
      throw std::runtime_error("store: database '" + db.path() + "' has schema version " +
                               std::to_string(version) + ", newer than this gateway's (" +
                               std::to_string(kSchemaVersion) + "); use a newer gateway");
    }
    for (; version < kSchemaVersion; ++version) {
      db.exec(kSteps[version]);
      if (version == 3) {
        if (pseudonym == nullptr) {
          auto q = db.query("SELECT 1 FROM records LIMIT 1");
          if (q.step()) throw SqliteError(SQLITE_MISUSE, "the pseudonym key is needed to migrate");
        } else {
          rekey_patient_keys(db, *pseudonym);
          rekey_person_record_ids(db, *pseudonym);
        }
      }
      db.exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
    }
    db.exec("COMMIT");
  } catch (const SqliteError& e) {
    if (db.in_transaction()) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw std::runtime_error("store: cannot prepare the schema of '" + db.path() +
                             "': " + e.what());
  }
  db.clear_statements();
}

}  // namespace ilp::gateway::store
