// satusehat-sim: composition root. Parses flags, loads the seed, starts the simulator on one
// io_context thread, prints "listening on HOST:PORT", exits 0 on SIGINT/SIGTERM.

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <exception>
#include <iostream>

#include "gateway/util/log.hpp"
#include "tests/simulator/options.hpp"
#include "tests/simulator/seed.hpp"
#include "tests/simulator/sim_server.hpp"

int main(int argc, char** argv) {
  using namespace ilp;
  auto parsed = sim::parse_options(argc, argv);
  if (!parsed.options) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message << std::endl;
    return parsed.exit_code;
  }
  const auto& options = *parsed.options;
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  auto log = gateway::named_logger("sim");
  try {
    auto seed = sim::load_seed(options.seed_path);
    boost::asio::io_context ioc(1);
    sim::SimServer server(ioc, options, std::move(seed));
    const auto bound = server.start();

    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec) return;
      log->info("signal {}: shutting down", sig);
      server.stop();
      ioc.stop();
    });
    // Scripts and tests wait for exactly this line; flush so they see it at once.
    std::cout << "listening on " << bound << std::endl;
    log->info("satusehat-sim listening on {} (seed {})", bound, options.seed_path);
    ioc.run();
  } catch (const std::exception& e) {
    log->error("{}", e.what());
    return 1;
  }
  return 0;
}
