#pragma once
// HTTP/1.1 client for talking to the platform: C++20 coroutines, keep-alive connections pooled
// per origin, TLS always verified (system CA store or a configured CA file; plain HTTP only for
// http:// URLs). Not thread-safe: use one Client per executor (strand or single-threaded
// io_context).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/http/url.hpp"

namespace ilp::gateway::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;

struct ClientOptions {
  std::chrono::milliseconds timeout{30'000};  // whole exchange: connect, write, read
  std::size_t max_idle_per_origin = 8;
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  std::string ca_file;  // empty: system default verify paths
};

struct ClientResult {
  boost::system::error_code ec;  // set when no complete response was read
  // True once the whole request was written: after that an error is ambiguous (the server may
  // have processed it), which delivery must resolve before re-sending.
  bool request_sent = false;
  bhttp::response<bhttp::string_body> response;
  bool ok() const { return !ec; }
};

// Builds the TLS context: TLS 1.2+, peer verification on, CA from `ca_file` or the system store.
// Throws std::runtime_error when the CA file cannot be loaded.
std::shared_ptr<net::ssl::context> make_tls_context(const std::string& ca_file);

class Client {
 public:
  Client(net::any_io_executor ex, ClientOptions options);
  ~Client();

  // Sends `req` to `base`'s origin (the target must already be set). Sets Host and
  // User-Agent. Never throws for network errors: they come back in ClientResult::ec.
  net::awaitable<ClientResult> send(const Url& base, bhttp::request<bhttp::string_body> req);

  // Drops pooled connections (e.g. after the platform changed).
  void clear_pool();

 private:
  struct Conn;
  net::awaitable<std::unique_ptr<Conn>> connect(const Url& base, boost::system::error_code& ec);

  net::any_io_executor ex_;
  ClientOptions options_;
  std::shared_ptr<net::ssl::context> tls_;
  std::map<std::string, std::vector<std::unique_ptr<Conn>>> idle_;
};

// Blocking convenience for tests and the CLI: runs a private io_context on this thread.
ClientResult fetch(const std::string& method, const std::string& url, const std::string& body = {},
                   const std::vector<std::pair<std::string, std::string>>& headers = {},
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000),
                   const std::string& ca_file = {});

}  // namespace ilp::gateway::http
