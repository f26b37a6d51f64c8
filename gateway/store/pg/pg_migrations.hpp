#pragma once
// Versioned schema migrations for the PostgreSQL store (DESIGN.md §12, issue 18): applied at
// start-up by whichever instance gets there first, under an advisory lock, so several gateway
// instances starting together never run one migration twice; each migration commits with its
// version number in one transaction, so a crash half-way leaves the schema at a whole version.
// A database newer than the binary is refused, not "downgraded": an older gateway must not
// write into a schema it does not know.

#include <string>
#include <vector>

#include "gateway/store/pg/pg_connection.hpp"

namespace ilp::gateway::store::pg {

struct Migration {
  int version = 0;  // 1, 2, 3, … in order, no gaps
  std::string sql;  // one or more statements
};

struct MigrationOutcome {
  enum class Kind {
    kUpToDate,  // nothing to do, or everything pending applied
    kNewer,     // the database's version is above the binary's: refused
    kFailed,    // a statement failed; `error` says which version and why
  };
  Kind kind = Kind::kUpToDate;
  int from = 0;  // the version found
  int to = 0;    // the version left
  std::string error;
};

// The lock key: "ILPGWSCH" as a number, shared by every instance of every version.
inline constexpr long long kSchemaLockKey = 0x494c5047'57534348LL;

MigrationOutcome migrate(PgConnection& conn, const std::vector<Migration>& migrations);

}  // namespace ilp::gateway::store::pg
