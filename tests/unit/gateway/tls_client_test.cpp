// TLS to the platform is always verified: an untrusted certificate or one for another host
// name fails the exchange; the configured CA file makes a private CA trusted. The server is a
// throwaway Beast TLS server on loopback with a certificate made by the openssl CLI.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "gateway/http/client.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace fs = std::filesystem;
using ilp::gateway::http::fetch;

namespace {

// A self-signed certificate for `cn` (also as subjectAltName), in a temp folder.
struct Cert {
  fs::path dir;
  std::string cert, key;
  explicit Cert(const std::string& cn) {
    static int n = 0;
    dir = fs::temp_directory_path() /
          ("ilp-tls-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir);
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + cn +
                            " -addext subjectAltName=DNS:" + cn + ",IP:127.0.0.1" + " -keyout " +
                            key + " -out " + cert + " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  ~Cert() { fs::remove_all(dir); }
};

// Answers every request with 200 "ok" over TLS until destroyed.
class TlsServer {
 public:
  explicit TlsServer(const Cert& cert) : ssl_(net::ssl::context::tls_server) {
    ssl_.use_certificate_chain_file(cert.cert);
    ssl_.use_private_key_file(cert.key, net::ssl::context::pem);
    acceptor_.open(net::ip::tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TlsServer() {
    ioc_.stop();
    thread_.join();
  }
  std::string url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(port_) + "/fhir-r4/v1/metadata";
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(net::use_awaitable);
      net::co_spawn(ioc_, serve(std::move(socket)), net::detached);
    }
  }
  net::awaitable<void> serve(net::ip::tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ssl_);
    boost::system::error_code ec;
    co_await stream.async_handshake(net::ssl::stream_base::server,
                                    net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;  // the client refused our certificate: that is the point
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    co_await bhttp::async_read(stream, buf, req, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
    res.body() = "ok";
    res.keep_alive(false);
    res.prepare_payload();
    co_await bhttp::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
  }

  net::io_context ioc_;
  net::ssl::context ssl_;
  net::ip::tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a certificate no trusted CA signed is refused", "[unit][tls]") {
  Cert cert("localhost");
  TlsServer server(cert);
  auto r = fetch("GET", server.url("localhost"), {}, {}, std::chrono::seconds(5));
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.request_sent);  // refused at the handshake: nothing was sent
}

TEST_CASE("the configured CA file makes a private CA trusted", "[unit][tls]") {
  Cert cert("localhost");
  TlsServer server(cert);
  auto r = fetch("GET", server.url("localhost"), {}, {}, std::chrono::seconds(5), cert.cert);
  INFO(r.ec.message());
  REQUIRE(r.ok());
  CHECK(r.response.result_int() == 200);
  CHECK(r.response.body() == "ok");
}

TEST_CASE("a trusted certificate for another host name is refused", "[unit][tls]") {
  Cert cert("platform.example");
  TlsServer server(cert);
  // Trusted (its own CA file) but issued for platform.example, while we connect to localhost.
  auto r = fetch("GET", server.url("localhost"), {}, {}, std::chrono::seconds(5), cert.cert);
  CHECK_FALSE(r.ok());
}

TEST_CASE("an unreadable CA file is an error, never a silent fallback", "[unit][tls]") {
  CHECK_THROWS(ilp::gateway::http::make_tls_context("/nonexistent/ca.pem"));
}

TEST_CASE("an unreadable CA file fails the request instead of the process", "[unit][tls]") {
  Cert cert("localhost");
  TlsServer server(cert);
  auto r =
      fetch("GET", server.url("localhost"), {}, {}, std::chrono::seconds(5), "/nonexistent/ca.pem");
  CHECK_FALSE(r.ok());
}
