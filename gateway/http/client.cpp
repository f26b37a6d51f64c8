#include "gateway/http/client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <stdexcept>

#include "gateway/http/request_parser.hpp"

namespace ilp::gateway::http {

namespace beast = boost::beast;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {
constexpr auto kUserAgent = "ilp-gateway/0.1";
// A pooled connection idle longer than this is not reused: servers close idle keep-alive
// connections on their own schedule, and a request written into a connection the server is
// closing becomes an ambiguous failure.
constexpr auto kMaxIdle = std::chrono::seconds(4);
}  // namespace

std::shared_ptr<net::ssl::context> make_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                   net::ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(net::ssl::verify_peer);
  error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    throw std::runtime_error("cannot load CA certificates" +
                             (ca_file.empty() ? std::string() : " from " + ca_file) + ": " +
                             ec.message());
  }
  return ctx;
}

struct Client::Conn {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  // Bounded like the server's (request_parser.hpp): a response header or trailer field past
  // Beast's 16-bit field size would otherwise throw out of the read; this way it is an error.
  beast::flat_buffer buffer{kMaxBufferedBytes};
  std::chrono::steady_clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

Client::Client(net::any_io_executor ex, ClientOptions options)
    : ex_(std::move(ex)), options_(std::move(options)) {}

Client::~Client() = default;

void Client::clear_pool() { idle_.clear(); }

net::awaitable<std::unique_ptr<Client::Conn>> Client::connect(const Url& base, error_code& ec) {
  auto conn = std::make_unique<Conn>();
  tcp::resolver resolver(ex_);
  auto results = co_await resolver.async_resolve(base.host, base.port,
                                                 net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return nullptr;
  if (base.tls) {
    if (!tls_) {
      // No exception may leave a coroutine: an unusable CA file is an error result.
      try {
        tls_ = make_tls_context(options_.ca_file);
      } catch (const std::exception&) {
        ec = make_error_code(boost::system::errc::no_such_file_or_directory);
        co_return nullptr;
      }
    }
    conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex_, *tls_);
    // SNI and host name verification: without both, "verified" TLS proves nothing.
    if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), base.host.c_str())) {
      ec = error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
      co_return nullptr;
    }
    conn->tls->set_verify_callback(net::ssl::host_name_verification(base.host));
  } else {
    conn->plain = std::make_unique<beast::tcp_stream>(ex_);
  }
  auto& low = conn->lowest();
  low.expires_after(options_.timeout);
  co_await low.async_connect(results, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return nullptr;
  low.socket().set_option(tcp::no_delay(true));
  if (conn->tls) {
    co_await conn->tls->async_handshake(net::ssl::stream_base::client,
                                        net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return nullptr;
  }
  co_return conn;
}

net::awaitable<ClientResult> Client::send(const Url& base, bhttp::request<bhttp::string_body> req) {
  ClientResult result;
  // RFC 7230 §5.4: the port belongs in Host unless it is the scheme's default.
  const bool v6 = base.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + base.host + "]" : base.host;
  if (base.port != (base.tls ? "443" : "80")) host += ":" + base.port;
  req.set(bhttp::field::host, host);
  if (req.find(bhttp::field::user_agent) == req.end())
    req.set(bhttp::field::user_agent, kUserAgent);
  req.keep_alive(true);
  req.prepare_payload();
  const auto origin = base.origin();

  // One retry, only for a pooled connection that failed before the request was fully written.
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<Conn> conn;
    bool reused = false;
    auto& pool = idle_[origin];
    while (!pool.empty() && !conn) {
      auto c = std::move(pool.back());
      pool.pop_back();
      if (std::chrono::steady_clock::now() - c->idle_since < kMaxIdle) {
        conn = std::move(c);
        reused = true;
      }
    }
    if (!conn) {
      conn = co_await connect(base, result.ec);
      if (!conn) co_return result;
    }
    auto& low = conn->lowest();
    low.expires_after(options_.timeout);
    error_code ec;
    if (conn->tls) {
      co_await bhttp::async_write(*conn->tls, req, net::redirect_error(net::use_awaitable, ec));
    } else {
      co_await bhttp::async_write(*conn->plain, req, net::redirect_error(net::use_awaitable, ec));
    }
    if (ec) {
      if (reused && round == 0) continue;
      result.ec = ec;
      co_return result;
    }
    result.request_sent = true;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    if (conn->tls) {
      co_await bhttp::async_read(*conn->tls, conn->buffer, parser,
                                 net::redirect_error(net::use_awaitable, ec));
    } else {
      co_await bhttp::async_read(*conn->plain, conn->buffer, parser,
                                 net::redirect_error(net::use_awaitable, ec));
    }
    if (ec) {
      result.ec = ec;
      co_return result;
    }
    result.response = parser.release();
    if (result.response.keep_alive() && pool.size() < options_.max_idle_per_origin) {
      low.expires_never();
      conn->idle_since = std::chrono::steady_clock::now();
      pool.push_back(std::move(conn));
    }
    co_return result;
  }
  co_return result;
}

ClientResult fetch(const std::string& method, const std::string& url, const std::string& body,
                   const std::vector<std::pair<std::string, std::string>>& headers,
                   std::chrono::milliseconds timeout, const std::string& ca_file) {
  ClientResult out;
  auto parsed = Url::parse(url);
  if (!parsed) {
    out.ec = make_error_code(boost::system::errc::invalid_argument);
    return out;
  }
  // The target is everything after the authority.
  const auto scheme_end = url.find("://") + 3;
  const auto path_start = url.find('/', scheme_end);
  const std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);

  net::io_context ioc;
  Client client(ioc.get_executor(), ClientOptions{timeout, 1, 64 * 1024 * 1024, ca_file});
  bhttp::request<bhttp::string_body> req;
  req.version(11);
  req.method_string(method);
  req.target(target);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  net::co_spawn(
      ioc, [&]() -> net::awaitable<void> { out = co_await client.send(*parsed, std::move(req)); },
      net::detached);
  ioc.run();
  return out;
}

}  // namespace ilp::gateway::http
