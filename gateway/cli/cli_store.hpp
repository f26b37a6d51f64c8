#pragma once
// The store as the offline subcommands (queue, pws) open it: straight from the file (or the
// PostgreSQL database), whether the gateway runs or not (SQLite serialises the writers), and
// waited on synchronously.

#include <future>
#include <memory>
#include <optional>

#include "gateway/config/config.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/pseudonym.hpp"

namespace ilp::gateway::cli {

// A store older than schema 4 is migrated by whichever opens it first: that needs the key, kept
// in `pseudonym` (which must outlive the store). nullptr after printing why it could not open.
// With store.postgres, the hub's database (the CLI takes no leases, it only reads and re-queues).
std::unique_ptr<store::Store> open_cli_store(const config::Config& cfg,
                                             std::optional<mappers::Pseudonymizer>& pseudonym);

// Runs an asynchronous store operation and waits for its answer.
template <class T, class Op>
T wait_for(Op op) {
  std::promise<T> p;
  auto f = p.get_future();
  op([&p](T v) { p.set_value(std::move(v)); });
  return f.get();
}

}  // namespace ilp::gateway::cli
