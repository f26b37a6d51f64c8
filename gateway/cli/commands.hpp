#pragma once
// Subcommands of ilp-gateway. Each returns the process exit code.

#include <memory>

#include "gateway/cli/args.hpp"
#include "gateway/config/config.hpp"

namespace ilp::gateway::cli {

int check_config(const Args& args);
int map(const Args& args);
int migrate(const Args& args);
int pws(const Args& args);
int queue(const Args& args);
int serve(const Args& args);
int validate(const Args& args);

// The configuration of --config and --set for the offline commands (map, pws, queue); nullptr,
// with the problems printed on stderr, when it does not load.
std::shared_ptr<const config::Config> load_config_or_report(const Args& args);

}  // namespace ilp::gateway::cli
