#include <iostream>

#include "gateway/app/application.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/util/log.hpp"

namespace ilp::gateway::cli {

int serve(const Args& args) {
  std::shared_ptr<const config::Config> cfg;
  try {
    cfg = config::load(args.config, {args.overrides, true});
  } catch (const config::ConfigError& e) {
    std::cerr << "ilp-gateway: configuration has " << e.problems().size() << " problem(s):\n";
    for (const auto& p : e.problems()) std::cerr << "  " << p << "\n";
    return 2;
  }
  configure_logging(cfg->log.level, cfg->log.format);
  try {
    app::Application application(args.config, args.overrides, cfg);
    return application.run();
  } catch (const std::exception& e) {
    logger("main")->critical("cannot start: {}", e.what());
    return 1;
  }
}

}  // namespace ilp::gateway::cli
