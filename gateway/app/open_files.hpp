#pragma once
// The open-files limit (RLIMIT_NOFILE) checked against the configured connection caps at
// start-up. Every connection is a descriptor; with the common default of 1024 and
// limits.connections 1024, accept() would fail with EMFILE long before the cap is reached.

#include <cstddef>
#include <string>

namespace ilp::gateway::app {

struct OpenFiles {
  std::size_t soft = 0;
  std::size_t hard = 0;
};

// Descriptors the service may need: both listeners' caps, delivery's connections and a margin
// for the store (database, WAL, shared memory, key), logs, DNS and reserve descriptors.
std::size_t open_files_needed(std::size_t ingest_connections, std::size_t admin_connections,
                              int delivery_concurrency);

// Raises the soft limit to `needed` (up to the hard limit). Returns the limits in force after.
// Throws std::runtime_error, with what to change, when the hard limit is below `needed`.
OpenFiles ensure_open_files(std::size_t needed);

}  // namespace ilp::gateway::app
