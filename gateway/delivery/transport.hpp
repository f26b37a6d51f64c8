#pragma once
// The boundary between delivery and the network: everything delivery sends to the platform
// (token endpoint included) goes through one Transport. HttpTransport is the real one; tests
// script a fake.

#include <chrono>
#include <memory>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/delivery/coro.hpp"
#include "gateway/http/client.hpp"
#include "gateway/http/url.hpp"

namespace ilp::gateway::delivery {

using Request = http::bhttp::request<http::bhttp::string_body>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends `req` (target already set) to `base`'s origin. Never throws: failures come back in
  // ClientResult::ec, with request_sent telling whether the platform may have seen it. The
  // caller keeps `base` alive until the returned awaitable completes. Runs on the caller's
  // executor; not thread-safe (delivery uses one thread).
  virtual net::awaitable<http::ClientResult> send(const http::Url& base, Request req) = 0;
};

// http::Client underneath: keep-alive pool per origin, TLS verified against the system store
// or platform.ca_file. The client is created on the first send, on that coroutine's executor,
// so a transport can be built before the delivery thread exists.
class HttpTransport final : public Transport {
 public:
  // Loads the CA file once to fail at startup (not at the first record) when it is unusable:
  // throws std::runtime_error then.
  explicit HttpTransport(http::ClientOptions options);
  HttpTransport(const std::string& ca_file, std::chrono::milliseconds timeout);
  static std::unique_ptr<HttpTransport> from_config(const config::Config& cfg);
  ~HttpTransport() override;

  net::awaitable<http::ClientResult> send(const http::Url& base, Request req) override;

 private:
  http::ClientOptions options_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace ilp::gateway::delivery
