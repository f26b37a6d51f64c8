#pragma once
// satusehat-sim's network side: the listener, the request pipeline with fault injection
// (outage, latency, every-Nth 429, error rate, dropped answers) and the routing to the
// platform (OAuth, FHIR) or the /_sim admin endpoints.
//
// Single-threaded: construct, start and stop on the io_context's one thread; every handler and
// timer runs there too, so no state needs a lock. Latency is a steady_timer, never a sleep.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gateway/http/server.hpp"
#include "gateway/util/clock.hpp"
#include "tests/simulator/admin_api.hpp"
#include "tests/simulator/fault_injector.hpp"
#include "tests/simulator/options.hpp"
#include "tests/simulator/platform.hpp"

namespace spdlog {
class logger;
}

namespace ilp::sim {

class SimServer {
 public:
  SimServer(gateway::http::net::io_context& ioc, Options options, Seed seed);
  ~SimServer();

  // Binds --listen and applies the fault flags. Returns "HOST:PORT" actually bound.
  // Throws std::runtime_error when the address cannot be bound.
  std::string start();
  void stop();

 private:
  using Request = gateway::http::Request;
  using Response = gateway::http::Response;
  using Respond = gateway::http::Respond;

  std::unique_ptr<gateway::http::Server> make_server();
  void handle(Request&& req, Respond respond);
  void serve(const Request& req, const Target& target, bool fhir, const std::string& endpoint,
             Respond& respond);
  void finish(const std::string& endpoint, Response res, Respond& respond);
  Response server_error(gateway::http::bhttp::status status, const Request& req);
  void apply_faults(const Faults& f);
  void reopen();

  gateway::http::net::io_context& ioc_;
  Options options_;
  gateway::SystemClock clock_;
  Platform platform_;
  FaultInjector faults_;
  AdminApi admin_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<gateway::http::Server> server_;  // null while a refuse outage holds the port
  std::vector<std::unique_ptr<gateway::http::Server>> retired_;
  std::string bound_;  // "HOST:PORT", reused when the listener reopens
  gateway::http::net::steady_timer reopen_timer_;
  bool stopped_ = false;
};

}  // namespace ilp::sim
