#pragma once
// One client connection (private to gateway/http): reads requests one at a time through a
// RequestParser from a bounded buffer, offers each header to the Precheck, reserves the body in
// the server's budget, hands the request to the Handler and writes its answer. Runs on its own
// strand; lifetime by shared_from_this.

#include <atomic>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <optional>

#include "gateway/http/request_parser.hpp"
#include "gateway/http/server_state.hpp"

namespace ilp::gateway::http {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // Registered in state.sessions and per_ip by the accept loop (under State::mu) before start.
  Session(tcp::socket&& socket, std::shared_ptr<Server::State> state, net::ip::address peer);
  ~Session();

  void start();
  // From any thread (stop(), eviction): closes now if no request is being handled, else after
  // the current response.
  void request_close();

  // Read under State::mu by the accept loop to pick a connection to evict at the cap: one that
  // is idle between requests or has not yet sent a whole header, the longest in that phase.
  bool evictable() const;
  std::int64_t phase_since_ns() const { return phase_since_ns_.load(std::memory_order_relaxed); }
  const net::ip::address& peer() const { return peer_; }

 private:
  enum class Phase { kIdle, kHeader, kBody, kBusy };

  void set_phase(Phase p);
  void do_read();
  void read_more();
  void on_read_some(beast::error_code ec, std::size_t n);
  void on_read_error(beast::error_code ec);
  void begin_request();
  void feed();
  void on_header();
  void continue_body();
  void on_request();
  void reply_error(bhttp::status status);
  void write(Response&& res, bool linger);
  void on_written(beast::error_code ec);
  void release_body();
  void linger_close();
  void drain();
  void close();

  beast::tcp_stream stream_;
  std::shared_ptr<Server::State> state_;
  net::ip::address peer_;
  beast::flat_buffer buffer_{kMaxBufferedBytes};
  std::optional<RequestParser> parser_;
  Response res_;
  std::size_t body_reserved_ = 0;
  bool busy_ = false;  // a request is with the handler or its answer being written
  bool close_after_write_ = false;
  bool linger_ = false;
  bool keep_alive_ = true;
  std::size_t drained_ = 0;
  std::atomic<Phase> phase_{Phase::kHeader};
  std::atomic<bool> closing_{false};  // request_close() called: not a candidate for eviction
  std::atomic<std::int64_t> phase_since_ns_{0};

  static constexpr auto kLingerTime = std::chrono::seconds(5);
  static constexpr std::size_t kReadChunk = 16 * 1024;
  static constexpr std::size_t kMaxDrain = 64 * 1024 * 1024;
};

}  // namespace ilp::gateway::http
