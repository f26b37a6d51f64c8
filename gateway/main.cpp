// ilp-gateway: moves primary-care records from puskesmas systems into SATUSEHAT.
#include <iostream>
#include <stdexcept>

#include "gateway/cli/commands.hpp"

int main(int argc, char** argv) {
  namespace cli = ilp::gateway::cli;
  cli::Args args;
  try {
    args = cli::parse_args(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (args.command == "serve") return cli::serve(args);
  if (args.command == "check-config") return cli::check_config(args);
  if (args.command == "map") return cli::map(args);
  if (args.command == "queue") return cli::queue(args);
  if (args.command == "pws") return cli::pws(args);
  if (args.command == "migrate") return cli::migrate(args);
  if (args.command == "validate") return cli::validate(args);
  if (args.command == "--help" || args.command == "help" || args.command == "-h") {
    std::cout << cli::usage();
    return 0;
  }
  std::cerr << "unknown command \"" << args.command << "\"\n" << cli::usage();
  return 2;
}
