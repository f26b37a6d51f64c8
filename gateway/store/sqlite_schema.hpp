#pragma once
// The SQLite schema and its migrations, versioned by PRAGMA user_version.

#include <string>

#include "gateway/store/sqlite_db.hpp"
#include "mappers/pseudonym.hpp"

namespace ilp::gateway::store {

// The schema version this build writes.
inline constexpr int kSchemaVersion = 9;

// Brings the database to kSchemaVersion in one transaction (all steps or none). Throws
// std::runtime_error when the file was written by a newer gateway or a step fails.
// `pseudonym` rekeys the patient keys of a store older than schema 4; a store that has none
// (a new one) needs none.
// True when the SQLite file at `path` exists, is at schema 4 or later (pseudonyms are keyed) and
// holds at least one record. Opens it without creating anything; false when it cannot be read
// (opening the store proper then reports why).
bool holds_pseudonymised_records(const std::string& path);

void migrate_schema(SqliteDb& db, const mappers::Pseudonymizer* pseudonym = nullptr);

}  // namespace ilp::gateway::store
