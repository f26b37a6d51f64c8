#include "gateway/cli/cli_store.hpp"

#include <unistd.h>

#include <iostream>

#include "gateway/cli/terminal_text.hpp"
#include "gateway/store/pg/pg_store.hpp"
#include "gateway/store/pseudonym_key.hpp"

namespace ilp::gateway::cli {

std::unique_ptr<store::Store> open_cli_store(const config::Config& cfg,
                                             std::optional<mappers::Pseudonymizer>& pseudonym) {
  try {
    if (!cfg.store.postgres.empty()) {
      store::pg::PgStore::Options options;
      options.conninfo = cfg.store.postgres;
      options.instance_id = "cli:" + std::to_string(getpid());
      // No heartbeat: the CLI holds no leases and must not count as an instance sharing the
      // platform's rate (the hub's instances would slow down for a lease).
      options.heartbeat_ms = 0;
      return std::make_unique<store::pg::PgStore>(options);
    }
    pseudonym.emplace(
        store::open_store_pseudonym_key(cfg.store.pseudonym_key, cfg.store.sqlite).key);
    store::SqliteStore::Options options;
    options.path = cfg.store.sqlite;
    options.pseudonymizer = &*pseudonym;
    return std::make_unique<store::SqliteStore>(options);
  } catch (const std::exception& e) {
    std::cerr << "error: the store could not be opened: " << terminal_safe(e.what()) << "\n";
    return nullptr;
  }
}

}  // namespace ilp::gateway::cli
