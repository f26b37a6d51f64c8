#pragma once
// HTTP/1.1 server: one strand per connection, lifetime by shared_from_this, everything bounded
// (body, header, buffered bytes, the bodies of all connections together, header/request/idle
// deadlines, connections in all and per client address). The server knows nothing of routes:
// it offers each request's header to a Precheck (which may answer before the body is read),
// then hands the complete request to a Handler and writes whatever the handler answers,
// whenever (and from whichever thread) it answers. Nothing it does throws into io_context::run.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ilp::gateway::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

struct ServerLimits {
  std::size_t body_bytes = 1 << 20;
  std::size_t header_bytes = 16 * 1024;  // at most kMaxHeaderBytes (request_parser.hpp)
  std::size_t chunk_extension_bytes = 4096;
  // A new connection must deliver its first request's header this soon after it is accepted,
  // and every later request its header this soon after its first byte: slowloris clients that
  // trickle a header byte by byte hold a connection for this long at most.
  std::chrono::milliseconds header_timeout{10'000};
  // Time to receive the body once the header is in.
  std::chrono::milliseconds request_timeout{30'000};
  // Time a keep-alive connection may sit idle between requests.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t connections = 1024;
  // One client address may hold this many connections; the rest of the cap stays for others.
  std::size_t connections_per_ip = 256;
  // The bodies being received by all connections together (declared Content-Length, or
  // body_bytes for a chunked body): a request over the budget is answered 503 before its body.
  std::size_t inflight_body_bytes = 64u << 20;
};

// Read from any thread (metrics).
struct ServerCounters {
  std::atomic<std::uint64_t> over_cap{0};         // refused: connection cap, nothing evictable
  std::atomic<std::uint64_t> over_ip_cap{0};      // refused: connections_per_ip
  std::atomic<std::uint64_t> evicted{0};          // idle connections closed to admit a new one
  std::atomic<std::uint64_t> accept_errors{0};    // accept() failures (EMFILE, ENFILE, ...)
  std::atomic<std::uint64_t> fd_exhausted{0};     // ...of which out of file descriptors
  std::atomic<std::uint64_t> bad_requests{0};     // answered 400/413/431/501 by the parser
  std::atomic<std::uint64_t> header_timeouts{0};  // closed: header not in within header_timeout
  std::atomic<std::uint64_t> body_budget_refusals{0};  // 503: inflight_body_bytes exhausted
};

// A handler that sets this header on its response makes the server close the connection
// without writing anything: the simulator's "dropped after processing" fault. Never sent.
inline constexpr std::string_view kDropConnectionField = "X-Ilp-Drop-Connection";

// Must be called exactly once per request; safe to call from any thread.
using Respond = std::function<void(Response&&)>;
using Handler = std::function<void(Request&& req, Respond respond)>;
// A Handler that is also told the client's address, from the socket (never from a header):
// the admin listener's console keeps its audit log and login throttle by it.
using PeerHandler =
    std::function<void(Request&& req, const net::ip::address& peer, Respond respond)>;
// Builds the response for a problem the server detects itself (400 bad HTTP, 413, 431, 501,
// 503 over the body budget). `req` holds whatever headers were read.
using ErrorResponder = std::function<Response(bhttp::status status, const Request& req)>;
// Runs on the connection's strand once the header is in, before any body byte is read. An
// answer is sent as it is and the body never read (the connection closes if one was coming);
// nullopt lets the request go on to the Handler. Must not block.
using Precheck =
    std::function<std::optional<Response>(const Request& header, const net::ip::address& peer)>;

class Server {
 public:
  Server(net::io_context& ioc, std::string name, ServerLimits limits, Handler handler,
         ErrorResponder errors, Precheck precheck = {});
  Server(net::io_context& ioc, std::string name, ServerLimits limits, PeerHandler handler,
         ErrorResponder errors, Precheck precheck = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. "HOST:PORT", port 0 = ephemeral. Throws std::runtime_error.
  tcp::endpoint listen(std::string_view host_port);
  // Stops accepting; idle connections close now, busy ones after their current response.
  void stop();
  std::size_t active_connections() const;
  std::uint64_t rejected_connections() const;
  const ServerCounters& counters() const;
  const std::string& name() const;

  struct State;  // shared with sessions, outlives the Server if sessions linger

 private:
  std::shared_ptr<State> state_;
};

// Parses "host:port" / "[v6]:port". Throws std::invalid_argument.
tcp::endpoint parse_endpoint(std::string_view host_port);

}  // namespace ilp::gateway::http
