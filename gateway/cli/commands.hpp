#pragma once
// Subcommands of ilp-gateway. Each returns the process exit code.

#include "gateway/cli/args.hpp"

namespace ilp::gateway::cli {

int check_config(const Args& args);
int map(const Args& args);
int pws(const Args& args);
int queue(const Args& args);
int serve(const Args& args);
int validate(const Args& args);

}  // namespace ilp::gateway::cli
