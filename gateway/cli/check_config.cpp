#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/config/config.hpp"

namespace ilp::gateway::cli {

int check_config(const Args& args) {
  try {
    auto cfg = config::load(args.config, {args.overrides, true});
    std::cout << "OK " << args.config << ": " << cfg->facilities.size() << " facilities";
    for (const auto& f : cfg->facilities) {
      std::cout << "\n  " << f.info.key << " (" << f.info.name << ", organization "
                << f.info.organization_id << ", " << f.info.timezone << ", "
                << f.info.locations.size() << " locations, secret from " << f.secret_source << ")";
    }
    std::cout << "\n  store " << cfg->store.sqlite << "\n  platform " << cfg->platform.fhir_url
              << "\n";
    return 0;
  } catch (const config::ConfigError& e) {
    std::cerr << "configuration has " << e.problems().size() << " problem(s):\n";
    for (const auto& p : e.problems()) std::cerr << "  " << p << "\n";
    return 1;
  }
}

}  // namespace ilp::gateway::cli
