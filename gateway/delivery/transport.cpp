#include "gateway/delivery/transport.hpp"

#include <boost/asio/this_coro.hpp>
#include <exception>

#include "gateway/util/log.hpp"

namespace ilp::gateway::delivery {

HttpTransport::HttpTransport(http::ClientOptions options) : options_(std::move(options)) {
  // Only a URL that says https:// uses TLS, but a bad ca_file is a configuration error either
  // way, and finding it now beats finding it when SATUSEHAT is switched to https.
  if (!options_.ca_file.empty()) http::make_tls_context(options_.ca_file);
}

namespace {
http::ClientOptions options_for(const std::string& ca_file, std::chrono::milliseconds timeout,
                                std::size_t max_idle = http::ClientOptions{}.max_idle_per_origin) {
  http::ClientOptions o;
  o.timeout = timeout;
  o.ca_file = ca_file;
  o.max_idle_per_origin = max_idle;
  return o;
}
}  // namespace

HttpTransport::HttpTransport(const std::string& ca_file, std::chrono::milliseconds timeout)
    : HttpTransport(options_for(ca_file, timeout)) {}

std::unique_ptr<HttpTransport> HttpTransport::from_config(const config::Config& cfg) {
  // Every attempt in flight hands its connection back: with fewer idle places than attempts,
  // the rest were closed and opened again (at concurrency 16, one new connection for every four
  // bundles). The largest delivery.concurrency a reload may set is kept, idle connections age
  // out after a few seconds anyway.
  return std::make_unique<HttpTransport>(
      options_for(cfg.platform.ca_file, std::chrono::milliseconds(cfg.platform.timeout_ms),
                  static_cast<std::size_t>(config::Delivery::kMaxConcurrency)));
}

HttpTransport::~HttpTransport() = default;

net::awaitable<http::ClientResult> HttpTransport::send(const http::Url& base, Request req) {
  if (!client_) {
    client_ = std::make_unique<http::Client>(co_await net::this_coro::executor, options_);
  }
  http::ClientResult result;
  try {
    result = co_await client_->send(base, std::move(req));
  } catch (const std::exception& e) {
    // The client reports network errors as values; anything thrown (a TLS context that cannot
    // be built, allocation) must still not cross into the delivery flow as an exception.
    logger("delivery")->error("transport failure: {}", e.what());
    result = {};
    result.ec = make_error_code(boost::system::errc::io_error);
  }
  co_return result;
}

}  // namespace ilp::gateway::delivery
