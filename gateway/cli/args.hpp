#pragma once
// Command-line parsing shared by every subcommand: --config, repeatable --set, the rest.

#include <optional>
#include <string>
#include <vector>

namespace ilp::gateway::cli {

struct Args {
  std::string command;
  std::string config = "config/gateway.yaml";
  std::vector<std::string> overrides;  // --set key=value
  std::vector<std::string> options;    // other --flags (with their values)
  std::vector<std::string> positional;

  // Value of --name VALUE / --name=VALUE among `options`.
  std::optional<std::string> option(const std::string& name) const;
  bool flag(const std::string& name) const;
};

// Throws std::invalid_argument with a message for the user.
Args parse_args(int argc, char** argv);

std::string usage();

}  // namespace ilp::gateway::cli
