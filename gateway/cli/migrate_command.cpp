// `ilp-gateway migrate --to-postgres CONN` (DESIGN.md §12): the SQLite store of --config moved
// into an empty PostgreSQL database (gateway/store/pg/sqlite_import.hpp), for a puskesmas
// gateway that becomes part of a hub (docs/hub.md). The SQLite store is only read.
// Exit 0 moved; 1 refused (the target is not empty, the source is missing, older or still in
// use; nothing copied); 2 usage or config; 3 a database error (nothing copied).
#include <filesystem>
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/terminal_text.hpp"
#include "gateway/store/pg/pg_connection.hpp"
#include "gateway/store/pg/sqlite_import.hpp"
#include "gateway/util/clock.hpp"

namespace ilp::gateway::cli {

int migrate(const Args& args) {
  const auto target = args.option("--to-postgres");
  if (!target || target->empty() || !args.positional.empty()) {
    std::cerr << "usage: ilp-gateway migrate [--config FILE] --to-postgres CONNINFO\n";
    return 2;
  }
  if (target->find("password") != std::string::npos) {
    std::cerr << "error: --to-postgres must not hold the password: give it as PGPASSWORD or in "
                 "~/.pgpass (docs/hub.md)\n";
    return 2;
  }
  const auto cfg = load_config_or_report(args);
  if (!cfg) return 2;
  const auto& sqlite = cfg->store.sqlite;
  const auto& key = cfg->store.pseudonym_key;
  std::error_code ec;
  if (key.empty() || !std::filesystem::is_regular_file(key, ec)) {
    // The hub could not match new records to the patients moved in without it.
    std::cerr << "error: the store's pseudonym key " << terminal_safe(key)
              << " is missing: restore it from the store's backup first (docs/security.md); "
                 "nothing was copied\n";
    return 1;
  }
  std::string error;
  auto conn = store::pg::PgConnection::connect(*target, error);
  if (!conn) {
    std::cerr << "error: cannot connect to PostgreSQL: " << terminal_safe(error)
              << "\n(nothing was copied)\n";
    return 3;
  }
  SystemClock clock;
  const auto out = store::pg::import_sqlite_store(sqlite, *conn, clock.now_ms());
  if (out.kind != store::pg::ImportOutcome::Kind::kMoved) {
    std::cerr << "error: " << terminal_safe(out.message) << "\n";
    if (out.kind == store::pg::ImportOutcome::Kind::kFailed) {
      std::cerr << "(nothing was copied: the PostgreSQL transaction was rolled back)\n";
      return 3;
    }
    return 1;
  }
  const auto& c = out.counts;
  std::cout << "moved " << c.records << " record(s) from " << terminal_safe(sqlite)
            << " to PostgreSQL\n";
  for (const auto& [status, n] : c.by_status) {
    std::cout << "  " << store::to_string(status) << ": " << n << "\n";
  }
  if (c.in_flight > 0) {
    std::cout << c.in_flight
              << " record(s) were being sent: they are retrying, and the hub checks SATUSEHAT "
                 "for them before sending again\n";
  }
  std::cout << "history entries: " << c.history << "\nresources: " << c.resources
            << "\ncached IHS ids: " << c.cache << "\nPWS persons: " << c.pws_persons
            << ", PWS records: " << c.pws_records << ", PWS facts: " << c.pws_facts << "\n"
            << "the SQLite store was not changed; keep its gateway stopped.\n"
            << "every hub instance must use this store's pseudonym key: copy " << terminal_safe(key)
            << " to each (store.pseudonym_key, mode 0600)\n";
  return 0;
}

}  // namespace ilp::gateway::cli
