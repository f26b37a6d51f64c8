#include "tests/simulator/sim_server.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "gateway/util/log.hpp"
#include "tests/simulator/fhir_api.hpp"
#include "tests/simulator/resource_types.hpp"

namespace ilp::sim {
namespace {

namespace bhttp = gateway::http::bhttp;

bool under(std::string_view path, std::string_view prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.rfind(prefix, 0) == 0 && path[prefix.size()] == '/');
}

// "METHOD /path" with ids collapsed, so the statistics have one line per endpoint and garbage
// paths cannot grow them without bound.
std::string endpoint_key(const gateway::http::Request& req, const std::string& path) {
  std::string key = req.method() == bhttp::verb::unknown ? std::string("OTHER")
                                                         : std::string(req.method_string());
  key += ' ';
  if (path == kTokenPath) return key + std::string(kTokenPath);
  if (!under(path, kFhirPrefix)) return key + "(unknown path)";
  key += kFhirPrefix;
  std::string_view rest = std::string_view(path).substr(kFhirPrefix.size());
  if (rest.empty()) return key;
  rest.remove_prefix(1);
  const auto slash = rest.find('/');
  const auto type = rest.substr(0, slash);
  if (!is_known_type(type)) return key + "/(unknown type)";
  key += "/" + std::string(type);
  if (slash == std::string_view::npos) return key;
  if (rest.find('/', slash + 1) != std::string_view::npos) return key + "/(unknown path)";
  return key + "/{id}";
}

std::string to_host_port(const gateway::http::tcp::endpoint& ep) {
  const auto addr = ep.address();
  const std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return host + ":" + std::to_string(ep.port());
}

}  // namespace

SimServer::SimServer(gateway::http::net::io_context& ioc, Options options, Seed seed)
    : ioc_(ioc),
      options_(std::move(options)),
      platform_(options_, std::move(seed), clock_),
      faults_(platform_.rng(), clock_),
      admin_(platform_, faults_, [this](const Faults& f) { apply_faults(f); }),
      log_(gateway::named_logger("sim")),
      reopen_timer_(ioc) {}

SimServer::~SimServer() { stop(); }

std::unique_ptr<gateway::http::Server> SimServer::make_server() {
  gateway::http::ServerLimits limits;
  limits.body_bytes = options_.max_body;
  return std::make_unique<gateway::http::Server>(
      ioc_, "satusehat-sim", limits,
      [this](Request&& req, Respond respond) { handle(std::move(req), std::move(respond)); },
      [this](bhttp::status status, const Request& req) { return server_error(status, req); });
}

std::string SimServer::start() {
  server_ = make_server();
  bound_ = to_host_port(server_->listen(options_.listen));
  apply_faults(options_.faults);
  return bound_;
}

void SimServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  reopen_timer_.cancel();
  if (server_) server_->stop();
}

void SimServer::apply_faults(const Faults& f) {
  faults_.replace(f);
  platform_.tokens().set_expiry_fault(f.token_ttl_s);
  reopen_timer_.cancel();
  if (f.outage_for_s && f.outage() == OutageMode::kRefuse) {
    // Connection refused for the window: close the port, reopen the same one afterwards.
    if (server_) {
      server_->stop();
      retired_.push_back(std::move(server_));
    }
    reopen_timer_.expires_after(std::chrono::milliseconds(faults_.outage_remaining_ms()));
    reopen_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) reopen();
    });
    log_->warn("outage: port {} closed for {} ms", bound_, faults_.outage_remaining_ms());
  } else if (!server_ && !stopped_) {
    reopen();
  }
  log_->info("fault set replaced");
}

void SimServer::reopen() {
  if (stopped_) return;
  retired_.clear();
  try {
    auto s = make_server();
    s->listen(bound_);
    server_ = std::move(s);
    log_->info("port {} open again", bound_);
  } catch (const std::exception& e) {
    // Another process may hold the port for a moment (TIME_WAIT is covered by SO_REUSEADDR).
    log_->error("cannot reopen {}: {}; retrying", bound_, e.what());
    reopen_timer_.expires_after(std::chrono::milliseconds(100));
    reopen_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) reopen();
    });
  }
}

void SimServer::handle(Request&& req, Respond respond) {
  auto target = parse_target(req.target());
  if (under(target.path, kAdminPrefix)) return respond(admin_.handle(req, target));

  const bool oauth = under(target.path, "/oauth2/v1");
  const bool fhir = under(target.path, kFhirPrefix);
  auto endpoint = endpoint_key(req, target.path);
  if (!oauth && !fhir) {
    return finish(endpoint, issue_response(404, "error", "not-found", "unknown path"), respond);
  }
  if (faults_.outage_active()) {
    platform_.stats().outage_rejections++;
    return finish(endpoint, text_response(503), respond);
  }
  const auto delay = faults_.latency();
  if (delay.count() <= 0) return serve(req, target, fhir, endpoint, respond);

  auto timer = std::make_shared<gateway::http::net::steady_timer>(ioc_, delay);
  auto shared = std::make_shared<Request>(std::move(req));
  timer->async_wait([this, timer, shared, target = std::move(target), fhir,
                     endpoint = std::move(endpoint),
                     respond = std::move(respond)](boost::system::error_code ec) mutable {
    if (ec) return respond(text_response(503));
    serve(*shared, target, fhir, endpoint, respond);
  });
}

void SimServer::serve(const Request& req, const Target& target, bool fhir,
                      const std::string& endpoint, Respond& respond) {
  if (fhir && faults_.rate_limited()) {
    // SATUSEHAT's 429 body is not documented (reference §5.2, §9): plain text, no JSON promised.
    auto res = text_response(429);
    if (const auto& after = faults_.faults().retry_after_s) {
      res.set(bhttp::field::retry_after, std::to_string(*after));
    }
    platform_.stats().rate_limited++;
    return finish(endpoint, std::move(res), respond);
  }
  if (const auto status = faults_.injected_error()) {
    platform_.stats().injected_errors++;
    return finish(endpoint, text_response(static_cast<unsigned>(*status)), respond);
  }
  auto res = fhir ? platform_.fhir(req, target) : platform_.oauth(req, target);
  if (faults_.drop_after_process()) {
    platform_.stats().dropped_connections++;
    res.set(gateway::http::kDropConnectionField, "1");
  }
  finish(endpoint, std::move(res), respond);
}

void SimServer::finish(const std::string& endpoint, Response res, Respond& respond) {
  const auto status = res.result_int();
  platform_.stats().record(endpoint, status);
  // The endpoint key, never the query: queries carry NIKs.
  log_->info("{} -> {}{}", endpoint, status,
             res.find(gateway::http::kDropConnectionField) != res.end() ? " (dropped)" : "");
  respond(std::move(res));
}

gateway::http::Response SimServer::server_error(bhttp::status status, const Request& req) {
  const auto target = parse_target(req.target());
  const auto code = static_cast<unsigned>(status);
  std::string text = "malformed HTTP request";
  if (status == bhttp::status::payload_too_large) {
    text = "request body is larger than " + std::to_string(options_.max_body) + " bytes";
  } else if (status == bhttp::status::request_header_fields_too_large) {
    text = "request headers are too large";
  }
  auto res = issue_response(code, "error", code == 413 ? "too-long" : "structure", text);
  if (!under(target.path, kAdminPrefix)) {
    const auto endpoint = endpoint_key(req, target.path);
    platform_.stats().record(endpoint, code);
    log_->info("{} -> {}", endpoint, code);
  }
  return res;
}

}  // namespace ilp::sim
