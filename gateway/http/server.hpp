#pragma once
// HTTP/1.1 server: one strand per connection, lifetime by shared_from_this, everything bounded
// (body, header, read timeout, idle timeout, connection count). The server knows nothing of
// routes: it hands each complete request to a Handler and writes whatever the handler answers,
// whenever (and from whichever thread) it answers.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
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
  std::size_t header_bytes = 16 * 1024;
  // Time to receive one whole request once its first byte arrived: slow clients are cut off.
  std::chrono::milliseconds request_timeout{30'000};
  // Time a keep-alive connection may sit idle between requests.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t connections = 1024;
};

// A handler that sets this header on its response makes the server close the connection
// without writing anything: the simulator's "dropped after processing" fault. Never sent.
inline constexpr std::string_view kDropConnectionField = "X-Ilp-Drop-Connection";

// Must be called exactly once per request; safe to call from any thread.
using Respond = std::function<void(Response&&)>;
using Handler = std::function<void(Request&& req, Respond respond)>;
// Builds the response for a problem the server detects itself (413, 431, 400 bad HTTP).
// `req` holds whatever headers were read.
using ErrorResponder = std::function<Response(bhttp::status status, const Request& req)>;

class Server {
 public:
  Server(net::io_context& ioc, std::string name, ServerLimits limits, Handler handler,
         ErrorResponder errors);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. "HOST:PORT", port 0 = ephemeral. Throws std::runtime_error.
  tcp::endpoint listen(std::string_view host_port);
  // Stops accepting; idle connections close now, busy ones after their current response.
  void stop();
  std::size_t active_connections() const;
  std::uint64_t rejected_connections() const;

  struct State;  // shared with sessions, outlives the Server if sessions linger

 private:
  std::shared_ptr<State> state_;
};

// Parses "host:port" / "[v6]:port". Throws std::invalid_argument.
tcp::endpoint parse_endpoint(std::string_view host_port);

}  // namespace ilp::gateway::http
