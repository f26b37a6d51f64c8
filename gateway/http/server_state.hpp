#pragma once
// What a Server shares with its sessions (private to gateway/http). Outlives the Server while
// sessions linger. Counters are atomics read by metrics from any thread; the session set and
// the per-address counts are guarded by `mu`.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>

#include "gateway/http/server.hpp"

namespace ilp::gateway::http {

class Session;

struct Server::State {
  std::string name;
  ServerLimits limits;
  PeerHandler handler;
  ErrorResponder errors;
  Precheck precheck;
  net::io_context& ioc;
  tcp::acceptor acceptor;
  // Paces accepting after EMFILE/ENFILE; runs on the acceptor's strand.
  net::steady_timer accept_pause;
  // A descriptor held in reserve: at EMFILE it is closed so one pending connection can be
  // accepted and closed at once (instead of the kernel reporting it forever), then reopened.
  int reserve_fd = -1;
  bool fd_streak = false;  // acceptor strand only: logging once per EMFILE streak

  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> active{0};
  std::atomic<std::size_t> body_bytes_reserved{0};
  ServerCounters counters;

  std::mutex mu;
  std::unordered_set<Session*> sessions;           // guarded by mu
  std::map<net::ip::address, std::size_t> per_ip;  // guarded by mu

  explicit State(net::io_context& io);
  ~State();

  // The in-flight body budget (limits.inflight_body_bytes): false when `n` more would not fit.
  bool reserve_body(std::size_t n);
  void release_body(std::size_t n);
};

}  // namespace ilp::gateway::http
