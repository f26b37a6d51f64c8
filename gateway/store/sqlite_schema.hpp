#pragma once
// The SQLite schema and its migrations, versioned by PRAGMA user_version.

#include "gateway/store/sqlite_db.hpp"

namespace ilp::gateway::store {

// The schema version this build writes.
inline constexpr int kSchemaVersion = 3;

// Brings the database to kSchemaVersion in one transaction (all steps or none). Throws
// std::runtime_error when the file was written by a newer gateway or a step fails.
void migrate_schema(SqliteDb& db);

}  // namespace ilp::gateway::store
