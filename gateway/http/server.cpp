#include "gateway/http/server.hpp"

#include <fcntl.h>
#include <unistd.h>

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

#include "gateway/http/server_state.hpp"
#include "gateway/http/session.hpp"
#include "gateway/util/log.hpp"

namespace ilp::gateway::http {

Server::State::State(net::io_context& io)
    : ioc(io), acceptor(net::make_strand(io)), accept_pause(acceptor.get_executor()) {
  reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

Server::State::~State() {
  if (reserve_fd >= 0) ::close(reserve_fd);
}

bool Server::State::reserve_body(std::size_t n) {
  auto cur = body_bytes_reserved.load();
  do {
    if (cur + n > limits.inflight_body_bytes) return false;
  } while (!body_bytes_reserved.compare_exchange_weak(cur, cur + n));
  return true;
}

void Server::State::release_body(std::size_t n) { body_bytes_reserved.fetch_sub(n); }

namespace {
void accept_loop(const std::shared_ptr<Server::State>& state);
}

Server::Server(net::io_context& ioc, std::string name, ServerLimits limits, Handler handler,
               ErrorResponder errors, Precheck precheck)
    : Server(ioc, std::move(name), limits,
             PeerHandler(
                 [h = std::move(handler)](Request&& req, const net::ip::address&, Respond respond) {
                   h(std::move(req), std::move(respond));
                 }),
             std::move(errors), std::move(precheck)) {}

Server::Server(net::io_context& ioc, std::string name, ServerLimits limits, PeerHandler handler,
               ErrorResponder errors, Precheck precheck)
    : state_(std::make_shared<State>(ioc)) {
  state_->name = std::move(name);
  state_->limits = limits;
  state_->handler = std::move(handler);
  state_->errors = std::move(errors);
  state_->precheck = std::move(precheck);
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

// Over a cap: answer 503 without reading, so a client sees why instead of a reset.
void refuse(tcp::socket socket) {
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
      "Connection: close\r\n\r\n";
  net::async_write(*s, net::buffer(kBusy.data(), kBusy.size()),
                   [s](beast::error_code, std::size_t) {
                     beast::error_code ignored;
                     s->shutdown(tcp::socket::shutdown_both, ignored);
                   });
}

// Under State::mu: closes the connection (of `peer`, when given) that has been idle, or
// without a whole header, the longest, so that a crowd of idle or slowloris connections cannot
// lock real clients out. Connections with a request in progress are never taken.
bool evict_one(Server::State& state, const net::ip::address* peer = nullptr) {
  Session* victim = nullptr;
  for (auto* s : state.sessions) {
    if (peer != nullptr && s->peer() != *peer) continue;
    if (s->evictable() && (victim == nullptr || s->phase_since_ns() < victim->phase_since_ns())) {
      victim = s;
    }
  }
  if (victim == nullptr) return false;
  victim->request_close();
  state.counters.evicted++;
  return true;
}

void admit(const std::shared_ptr<Server::State>& state, tcp::socket socket) {
  beast::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  const auto address = remote.address();
  socket.set_option(tcp::no_delay(true), ec);
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(state->mu);
    auto& from_peer = state->per_ip[address];
    // One eviction makes room under both caps: the evicted connection counts in both.
    bool room = true;
    if (from_peer >= state->limits.connections_per_ip) {
      room = evict_one(*state, &address);
      if (!room) state->counters.over_ip_cap++;
    } else if (state->active.load() >= state->limits.connections) {
      room = evict_one(*state);
      if (!room) state->counters.over_cap++;
    }
    if (!room) {
      if (from_peer == 0) state->per_ip.erase(address);
      return refuse(std::move(socket));
    }
    ++from_peer;
    state->active++;
    session = std::make_shared<Session>(std::move(socket), state, address);
    state->sessions.insert(session.get());
  }
  session->start();
}

bool out_of_descriptors(const beast::error_code& ec) {
  return ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open ||
         ec == boost::system::errc::too_many_files_open_in_system || ec == net::error::no_memory ||
         ec == net::error::no_buffer_space;
}

// Out of descriptors, the pending connection stays in the backlog and every accept fails at
// once: retrying at once is a busy loop. Take the one connection with the reserve descriptor
// and close it (the client sees a closed connection rather than a hang), then pause accepting.
void shed_and_pause(const std::shared_ptr<Server::State>& state) {
  constexpr auto kPause = std::chrono::milliseconds(100);
  state->counters.fd_exhausted++;
  if (!state->fd_streak) {
    state->fd_streak = true;
    logger("http")->error(
        "{}: out of file descriptors; new connections are closed until some are free (raise "
        "the open-files limit or lower limits.connections)",
        state->name);
  }
  if (state->reserve_fd >= 0) {
    ::close(state->reserve_fd);
    state->reserve_fd = -1;
    beast::error_code ec;
    state->acceptor.non_blocking(true, ec);
    tcp::socket doomed(state->ioc);
    state->acceptor.accept(doomed, ec);
    doomed.close(ec);
    state->reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  state->accept_pause.expires_after(kPause);
  state->accept_pause.async_wait([state](beast::error_code ec) {
    if (!ec && !state->stopping) accept_loop(state);
  });
}

void accept_loop(const std::shared_ptr<Server::State>& state) {
  state->acceptor.async_accept(
      net::make_strand(state->ioc), [state](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !state->acceptor.is_open()) return;
        if (ec) {
          state->counters.accept_errors++;
          if (out_of_descriptors(ec)) return shed_and_pause(state);
        } else {
          if (state->fd_streak) {
            state->fd_streak = false;
            logger("http")->info("{}: accepting connections again", state->name);
          }
          admit(state, std::move(socket));
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
    state->accept_pause.cancel();
  });
  std::lock_guard lock(state_->mu);
  for (auto* s : state_->sessions) s->request_close();
}

std::size_t Server::active_connections() const { return state_->active.load(); }
std::uint64_t Server::rejected_connections() const {
  return state_->counters.over_cap.load() + state_->counters.over_ip_cap.load();
}
const ServerCounters& Server::counters() const { return state_->counters; }
const std::string& Server::name() const { return state_->name; }

}  // namespace ilp::gateway::http
