#include "gateway/http/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_set>

namespace ilp::gateway::http {

class Session;

struct Server::State {
  std::string name;
  ServerLimits limits;
  Handler handler;
  ErrorResponder errors;
  tcp::acceptor acceptor;
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::unordered_set<Session*> sessions;  // guarded by mu; for stop()

  net::io_context& ioc;

  explicit State(net::io_context& io) : acceptor(net::make_strand(io)), ioc(io) {}
};

namespace {
void accept_loop(const std::shared_ptr<Server::State>& state);
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Server::State> state)
      : stream_(std::move(socket)), state_(std::move(state)) {}

  ~Session() {
    std::lock_guard lock(state_->mu);
    state_->sessions.erase(this);
    state_->active--;
  }

  void start() {
    {
      std::lock_guard lock(state_->mu);
      state_->sessions.insert(this);
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // Called under State::mu from stop(); hops onto the strand.
  void request_close() {
    net::post(stream_.get_executor(), [self = weak_from_this()] {
      if (auto s = self.lock()) {
        if (!s->busy_) {
          s->close();
        } else {
          s->close_after_write_ = true;
        }
      }
    });
  }

 private:
  void do_read() {
    if (state_->stopping) return close();
    if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
    // Waiting for a new request on a kept-alive connection: the idle timeout applies.
    stream_.expires_after(state_->limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->on_read_error(ec);
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  // From its first byte, a request must arrive whole (headers and body) within one
  // request_timeout: a client trickling bytes cannot hold a connection longer than that.
  void read_request() {
    parser_.emplace();
    parser_->body_limit(state_->limits.body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.header_bytes));
    stream_.expires_after(state_->limits.request_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read_error(beast::error_code ec) {
    using bhttp::error;
    if (ec == error::body_limit) return reply_error(bhttp::status::payload_too_large);
    if (ec == error::header_limit) {
      return reply_error(bhttp::status::request_header_fields_too_large);
    }
    if (ec == error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return close();
    }
    // Anything else is malformed HTTP (bad method, bad target, bad chunk...).
    reply_error(bhttp::status::bad_request);
  }

  void reply_error(bhttp::status status) {
    Request partial;
    if (parser_) partial.base() = parser_->get().base();
    Response res = state_->errors(status, partial);
    res.keep_alive(false);
    res.prepare_payload();
    busy_ = true;
    linger_ = true;
    write(std::move(res));
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    stream_.expires_never();  // the handler may take its time (a durable commit)
    Request req = parser_->release();
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    auto self = shared_from_this();
    auto respond = [self, keep_alive, version](Response&& res) {
      net::post(self->stream_.get_executor(), [self, keep_alive, version,
                                               res = std::move(res)]() mutable {
        if (res.find(kDropConnectionField) != res.end()) {
          self->busy_ = false;
          return self->close();
        }
        res.version(version);
        res.keep_alive(keep_alive && !self->close_after_write_ && !self->state_->stopping);
        res.prepare_payload();
        self->write(std::move(res));
      });
    };
    state_->handler(std::move(req), std::move(respond));
  }

  void write(Response&& res) {
    res_ = std::move(res);
    stream_.expires_after(state_->limits.write_timeout);
    bhttp::async_write(stream_, res_,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         self->busy_ = false;
                         if (!ec && self->linger_) return self->linger_close();
                         if (ec || !self->res_.keep_alive() || self->close_after_write_)
                           return self->close();
                         self->do_read();
                       });
  }

  // After an error answer to a request that was not read whole (413, 431, bad HTTP), the client
  // may still be sending its body. Closing with unread data makes the kernel reset the
  // connection, which can destroy the answer before the client reads it, so the client would
  // see a reset instead of the 413. Stop sending, discard what still arrives for a bounded time
  // and amount, then close.
  void linger_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    drain();
  }

  void drain() {
    stream_.async_read_some(buffer_.prepare(kDrainChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              // EOF, timeout, reset, or enough: done.
                              if (ec || self->drained_ > kMaxDrain) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Server::State> state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Response res_;
  bool busy_ = false;
  bool close_after_write_ = false;
  bool linger_ = false;
  std::size_t drained_ = 0;

  static constexpr auto kLingerTime = std::chrono::seconds(5);
  static constexpr std::size_t kDrainChunk = 64 * 1024;
  static constexpr std::size_t kMaxDrain = 64 * 1024 * 1024;
};

Server::Server(net::io_context& ioc, std::string name, ServerLimits limits, Handler handler,
               ErrorResponder errors)
    : state_(std::make_shared<State>(ioc)) {
  state_->name = std::move(name);
  state_->limits = limits;
  state_->handler = std::move(handler);
  state_->errors = std::move(errors);
}

Server::~Server() { stop(); }

tcp::endpoint parse_endpoint(std::string_view host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string_view::npos) {
    throw std::invalid_argument("expected HOST:PORT, got \"" + std::string(host_port) + "\"");
  }
  auto host = host_port.substr(0, colon);
  const auto port_s = host_port.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
  if (ec != std::errc{} || p != port_s.data() + port_s.size() || port > 65535) {
    throw std::invalid_argument("bad port in \"" + std::string(host_port) + "\"");
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code aec;
  auto addr = net::ip::make_address(std::string(host), aec);
  if (aec) {
    throw std::invalid_argument("bad address \"" + std::string(host) + "\" (use an IP address)");
  }
  return {addr, static_cast<unsigned short>(port)};
}

tcp::endpoint Server::listen(std::string_view host_port) {
  const auto ep = parse_endpoint(host_port);
  auto& a = state_->acceptor;
  beast::error_code ec;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error(state_->name + ": cannot listen on " + std::string(host_port) + ": " +
                             ec.message());
  }
  accept_loop(state_);
  return a.local_endpoint();
}

namespace {
void accept_loop(const std::shared_ptr<Server::State>& state) {
  state->acceptor.async_accept(
      net::make_strand(state->ioc), [state](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !state->acceptor.is_open()) return;
        if (!ec) {
          if (state->active.load() >= state->limits.connections) {
            // Over the cap: answer 503 without reading, so a client sees why instead of a reset.
            state->rejected++;
            auto s = std::make_shared<tcp::socket>(std::move(socket));
            static constexpr std::string_view kBusy =
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n";
            net::async_write(*s, net::buffer(kBusy.data(), kBusy.size()),
                             [s](beast::error_code, std::size_t) {
                               beast::error_code ignored;
                               s->shutdown(tcp::socket::shutdown_both, ignored);
                             });
          } else {
            socket.set_option(tcp::no_delay(true), ec);
            state->active++;
            std::make_shared<Session>(std::move(socket), state)->start();
          }
        }
        if (!state->stopping) accept_loop(state);
      });
}
}  // namespace

void Server::stop() {
  if (state_->stopping.exchange(true)) return;
  net::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
  std::lock_guard lock(state_->mu);
  for (auto* s : state_->sessions) s->request_close();
}

std::size_t Server::active_connections() const { return state_->active.load(); }
std::uint64_t Server::rejected_connections() const { return state_->rejected.load(); }

}  // namespace ilp::gateway::http
