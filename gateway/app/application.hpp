#pragma once
// `ilp-gateway serve`: builds the running service from a validated config and runs it until
// SIGTERM/SIGINT. Owns the threads: network threads (both listeners), the store's thread and
// delivery's thread.

#include <memory>
#include <string>
#include <vector>

#include "gateway/config/config.hpp"

namespace ilp::gateway::app {

class Application {
 public:
  Application(std::string config_path, std::vector<std::string> overrides,
              std::shared_ptr<const config::Config> cfg);
  ~Application();

  // Blocks until a stop signal; returns the exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilp::gateway::app
