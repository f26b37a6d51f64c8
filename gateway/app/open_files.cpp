#include "gateway/app/open_files.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ilp::gateway::app {

namespace {
// Store files, log files, DNS sockets, the servers' reserve descriptors, the platform client's
// idle pool, and whatever a library opens on its own.
constexpr std::size_t kMargin = 64;
}  // namespace

std::size_t open_files_needed(std::size_t ingest_connections, std::size_t admin_connections,
                              int delivery_concurrency) {
  return ingest_connections + admin_connections +
         2 * static_cast<std::size_t>(std::max(delivery_concurrency, 1)) + kMargin;
}

OpenFiles ensure_open_files(std::size_t needed) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    throw std::runtime_error(std::string("cannot read the open-files limit: ") +
                             std::strerror(errno));
  }
  const auto as_size = [](rlim_t v) {
    return v == RLIM_INFINITY ? static_cast<std::size_t>(-1) : static_cast<std::size_t>(v);
  };
  if (as_size(rl.rlim_cur) < needed) {
    if (as_size(rl.rlim_max) < needed) {
      throw std::runtime_error(
          "the configured connection limits need about " + std::to_string(needed) +
          " open files, but this process may open at most " + std::to_string(as_size(rl.rlim_max)) +
          " (hard limit, ulimit -Hn). Raise it (systemd: LimitNOFILE=" + std::to_string(needed) +
          "; a shell: ulimit -n " + std::to_string(needed) +
          " as root) or lower limits.connections / limits.admin_connections.");
    }
    rl.rlim_cur = static_cast<rlim_t>(needed);
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      throw std::runtime_error(std::string("cannot raise the open-files limit: ") +
                               std::strerror(errno));
    }
  }
  return {as_size(rl.rlim_cur), as_size(rl.rlim_max)};
}

}  // namespace ilp::gateway::app
