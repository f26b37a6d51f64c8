#include <iostream>

#include "gateway/cli/commands.hpp"

namespace ilp::gateway::cli {

std::shared_ptr<const config::Config> load_config_or_report(const Args& args) {
  try {
    return config::load(args.config, {args.overrides, false});
  } catch (const config::ConfigError& e) {
    std::cerr << e.what();
    return nullptr;
  }
}

}  // namespace ilp::gateway::cli
