#pragma once
// The admin listener (DESIGN.md §9): probes, Prometheus metrics, config reload, the queue
// operations the CLI also offers, and the web console (§9.2, console_api.hpp). Everything but
// /healthz, /readyz, the console's static files and its login needs the admin token as a
// bearer token, or a console session cookie — with the session's CSRF token in X-CSRF-Token on
// anything but GET. Console actions (retry, retry all, try-out) go to the audit log.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "gateway/api/audit_log.hpp"
#include "gateway/api/auth_gate.hpp"
#include "gateway/api/console_api.hpp"
#include "gateway/api/console_sessions.hpp"
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

  // Runs on the header alone (http::Precheck): the admin token, throttled per address.
  std::optional<http::Response> precheck(const http::Request& header,
                                         const boost::asio::ip::address& peer);
  void handle(http::Request&& req, const boost::asio::ip::address& peer, http::Respond respond);
  void handle(http::Request&& req, http::Respond respond) {
    handle(std::move(req), boost::asio::ip::address{}, std::move(respond));
  }
  ConsoleSessions& sessions() { return sessions_; }
  // Tells /readyz that delivery has stopped for good (the delivery thread died).
  void set_delivery_alive(std::function<bool()> alive) { delivery_alive_ = std::move(alive); }

 private:
  std::optional<http::Response> token_problem(const http::Request& req, mappers::Lang lang) const;
  // The session's answer for a request without a bearer token: nullopt when its session is
  // live (and, for a POST, its CSRF token right), else the 401/403.
  std::optional<http::Response> session_problem(const http::Request& req, mappers::Lang lang);
  // Who the audit log says acted: the session's handle, or "token".
  std::string who(const http::Request& req);
  void audit(const http::Request& req, const boost::asio::ip::address& peer, std::string action,
             std::vector<std::pair<std::string, std::string>> detail, std::int64_t count);
  void overview(http::Respond respond);
  void count(const std::map<std::string, std::string>& query, mappers::Lang lang,
             http::Respond respond);
  void try_mapping(const http::Request& req, const boost::asio::ip::address& peer,
                   mappers::Lang lang, http::Respond respond);
  void retry(const http::Request& req, const boost::asio::ip::address& peer, mappers::Lang lang,
             http::Respond respond);
  void record_detail(const std::string& id, const std::map<std::string, std::string>& query,
                     mappers::Lang lang, http::Respond respond);
  void audit_tail(const std::map<std::string, std::string>& query, mappers::Lang lang,
                  http::Respond respond);
  void readyz(http::Respond respond);
  void record_queue_gauges(const store::Stats& s);
  void queue(const std::string& path, http::Request&& req, const boost::asio::ip::address& peer,
             http::Respond respond);
  // GET /api/v1/pws (DESIGN.md §9.1).
  void pws_report(const std::map<std::string, std::string>& query, mappers::Lang lang,
                  http::Respond respond);
  // The ilp_pws_month gauges of facility `i` onwards, then `done` (on the executor).
  void pws_gauges(std::shared_ptr<const config::Config> cfg, std::size_t i,
                  std::function<void()> done);

  const config::Holder& config_;
  store::Store& store_;
  const Clock& clock_;
  Metrics& metrics_;
  boost::asio::any_io_executor executor_;
  std::function<std::vector<std::string>()> reload_;
  std::function<void()> notify_delivery_;
  std::function<bool()> delivery_alive_;
  AuthGate auth_gate_;
  ConsoleSessions sessions_;
  AuditLog audit_;
  ConsoleApi console_;
};

}  // namespace ilp::gateway::api
