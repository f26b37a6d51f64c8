#pragma once
// `ilp-gateway migrate --to-postgres` (DESIGN.md §12, issue 18): a puskesmas's SQLite store moved
// into an EMPTY PostgreSQL store, so it can become (part of) a hub.
//
// Everything the store knows goes over as it is: records with their tracking ids, revisions,
// statuses, attempts, acceptance order (seq), server ids, history, payloads, the NIK → IHS
// cache, the pseudonymised patient keys and the PWS facts. Patient keys and cache keys are
// pseudonyms made with the store's key file, so the hub's instances must use that same file
// (the CLI says so). Records that were being sent go over as `retrying` with maybe_sent: the
// hub searches SATUSEHAT before sending them again, as after a crash, so nothing is lost or
// sent twice.
//
// All of it is one PostgreSQL transaction, committed only after the copied rows were counted
// against the source: either the whole store is there, or nothing is. The SQLite file is opened
// read-only and read in one snapshot; if a running gateway changed it meanwhile, nothing is
// committed (records accepted after the snapshot would otherwise stay behind).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gateway/store/pg/pg_connection.hpp"
#include "gateway/store/store.hpp"

namespace ilp::gateway::store::pg {

struct ImportCounts {
  std::int64_t records = 0;
  std::vector<std::pair<Status, std::int64_t>> by_status;  // as they are in PostgreSQL
  std::int64_t in_flight = 0;  // were being sent: now `retrying`, checked at the platform first
  std::int64_t history = 0;    // history entries (the in-flight ones' new entries included)
  std::int64_t resources = 0;
  std::int64_t cache = 0;  // NIK → IHS cache entries
  std::int64_t pws_persons = 0;
  std::int64_t pws_records = 0;
  std::int64_t pws_facts = 0;
};

struct ImportOutcome {
  enum class Kind {
    kMoved,    // committed: `counts` says what
    kRefused,  // nothing copied, for a reason the user can act on (`message`)
    kFailed,   // nothing copied: a database error (`message`)
  };
  Kind kind = Kind::kFailed;
  std::string message;
  ImportCounts counts;
};

// Copies the SQLite store at `sqlite_path` (at this build's schema version; an older one is
// refused with what to do) into the database of `target`, creating its schema when missing.
// Refuses a database that already holds records, cache entries or PWS persons.
ImportOutcome import_sqlite_store(const std::string& sqlite_path, PgConnection& target,
                                  std::int64_t now_ms);

}  // namespace ilp::gateway::store::pg
