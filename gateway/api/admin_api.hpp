#pragma once
// The admin listener (DESIGN.md §9): probes, Prometheus metrics, config reload and the queue
// operations the CLI also offers. Everything but /healthz and /readyz needs the admin token.

#include <functional>
#include <string>

#include "gateway/config/holder.hpp"
#include "gateway/http/server.hpp"
#include "gateway/store/store.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::api {

class AdminApi {
 public:
  // `reload` loads and swaps a new config; returns the problems (empty = reloaded).
  // `notify_delivery` wakes delivery after a retry.
  AdminApi(const config::Holder& config, store::Store& store, const Clock& clock, Metrics& metrics,
           boost::asio::any_io_executor executor, std::function<std::vector<std::string>()> reload,
           std::function<void()> notify_delivery);

  void handle(http::Request&& req, http::Respond respond);

 private:
  void readyz(http::Respond respond);
  void record_queue_gauges(const store::Stats& s);
  void queue(const std::string& path, http::Request&& req, http::Respond respond);

  const config::Holder& config_;
  store::Store& store_;
  const Clock& clock_;
  Metrics& metrics_;
  boost::asio::any_io_executor executor_;
  std::function<std::vector<std::string>()> reload_;
  std::function<void()> notify_delivery_;
};

}  // namespace ilp::gateway::api
