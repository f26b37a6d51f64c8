#include "gateway/http/session.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>

namespace ilp::gateway::http {

namespace {
std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool expects_continue(const Request& req) {
  const auto it = req.find(bhttp::field::expect);
  if (it == req.end()) return false;
  const auto v = it->value();
  static constexpr std::string_view k = "100-continue";
  if (v.size() != k.size()) return false;
  for (std::size_t i = 0; i < k.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) != k[i]) return false;
  }
  return true;
}

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
}  // namespace

Session::Session(tcp::socket&& socket, std::shared_ptr<Server::State> state, net::ip::address peer)
    : stream_(std::move(socket)), state_(std::move(state)), peer_(std::move(peer)) {
  phase_since_ns_ = steady_ns();
}

Session::~Session() {
  release_body();
  std::lock_guard lock(state_->mu);
  state_->sessions.erase(this);
  if (auto it = state_->per_ip.find(peer_); it != state_->per_ip.end() && --it->second == 0) {
    state_->per_ip.erase(it);
  }
  state_->active--;
}

void Session::start() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    // A new connection has header_timeout for its first request's header, counted from now.
    self->stream_.expires_after(self->state_->limits.header_timeout);
    self->parser_.emplace(ParserLimits{self->state_->limits.body_bytes,
                                       self->state_->limits.header_bytes,
                                       self->state_->limits.chunk_extension_bytes});
    self->set_phase(Phase::kHeader);
    self->read_more();
  });
}

void Session::request_close() {
  closing_ = true;
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

bool Session::evictable() const {
  if (closing_.load(std::memory_order_relaxed)) return false;
  const auto p = phase_.load(std::memory_order_relaxed);
  return p == Phase::kIdle || p == Phase::kHeader;
}

void Session::set_phase(Phase p) {
  phase_.store(p, std::memory_order_relaxed);
  phase_since_ns_.store(steady_ns(), std::memory_order_relaxed);
}

// Between requests: a pipelined request may already be buffered; otherwise wait, idle.
void Session::do_read() {
  if (state_->stopping || close_after_write_) return close();
  if (buffer_.size() > 0) {
    begin_request();
    return feed();
  }
  set_phase(Phase::kIdle);
  stream_.expires_after(state_->limits.idle_timeout);
  read_more();
}

void Session::read_more() {
  const auto room = buffer_.max_size() - buffer_.size();
  if (room == 0) {
    // The parser needs more than the buffer holds: a header or trailer section that is too big.
    parser_->overflow();
    return feed();
  }
  stream_.async_read_some(buffer_.prepare(std::min(room, kReadChunk)),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->on_read_some(ec, n);
                          });
}

void Session::on_read_some(beast::error_code ec, std::size_t n) {
  if (ec) return on_read_error(ec);
  buffer_.commit(n);
  if (!parser_) begin_request();
  feed();
}

void Session::on_read_error(beast::error_code ec) {
  if (ec == beast::error::timeout && phase_.load() == Phase::kHeader) {
    state_->counters.header_timeouts++;
  }
  // Timeout, reset, EOF, cancelled: nothing to answer.
  close();
}

// The first byte of a request on a kept-alive connection: from now its header has
// header_timeout.
void Session::begin_request() {
  parser_.emplace(ParserLimits{state_->limits.body_bytes, state_->limits.header_bytes,
                               state_->limits.chunk_extension_bytes});
  set_phase(Phase::kHeader);
  stream_.expires_after(state_->limits.header_timeout);
}

void Session::feed() {
  const auto data = buffer_.cdata();
  const auto used =
      parser_->put(std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(used);
  switch (parser_->state()) {
    case RequestParser::State::kNeedMore:
      return read_more();
    case RequestParser::State::kHeaderDone:
      return on_header();
    case RequestParser::State::kComplete:
      return on_request();
    case RequestParser::State::kError:
      state_->counters.bad_requests++;
      return reply_error(parser_->error_status());
  }
}

void Session::on_header() {
  const auto& header = parser_->get();
  if (state_->precheck) {
    if (auto early = state_->precheck(header, peer_)) {
      // Answered before the body: if a body is on its way, the connection cannot be reused.
      parser_->resume_body();
      const bool body_pending = parser_->state() != RequestParser::State::kComplete;
      early->version(header.version());
      early->keep_alive(!body_pending && header.keep_alive() && !state_->stopping);
      early->prepare_payload();
      busy_ = true;
      set_phase(Phase::kBusy);
      return write(std::move(*early), body_pending);
    }
  }
  const std::size_t want = parser_->content_length()
                               ? static_cast<std::size_t>(*parser_->content_length())
                               : (parser_->chunked() ? state_->limits.body_bytes : 0);
  if (want > 0) {
    if (!state_->reserve_body(want)) {
      state_->counters.body_budget_refusals++;
      return reply_error(bhttp::status::service_unavailable);
    }
    body_reserved_ = want;
  }
  set_phase(Phase::kBody);
  stream_.expires_after(state_->limits.request_timeout);
  parser_->resume_body();
  if (parser_->state() == RequestParser::State::kNeedMore && buffer_.size() == 0 &&
      expects_continue(header)) {
    // The client waits for this before sending the body (curl: a second, otherwise).
    return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->continue_body();
                            });
  }
  continue_body();
}

void Session::continue_body() { feed(); }

void Session::on_request() {
  busy_ = true;
  set_phase(Phase::kBusy);
  stream_.expires_never();  // the handler may take its time (a durable commit)
  Request req = parser_->release();
  parser_.reset();
  keep_alive_ = req.keep_alive();
  const unsigned version = req.version();
  auto self = shared_from_this();
  auto respond = [self, version](Response&& res) {
    net::post(self->stream_.get_executor(), [self, version, res = std::move(res)]() mutable {
      if (res.find(kDropConnectionField) != res.end()) {
        self->busy_ = false;
        return self->close();
      }
      res.version(version);
      res.keep_alive(self->keep_alive_ && !self->close_after_write_ && !self->state_->stopping);
      res.prepare_payload();
      self->write(std::move(res), false);
    });
  };
  state_->handler(std::move(req), peer_, std::move(respond));
}

void Session::reply_error(bhttp::status status) {
  Request partial;
  if (parser_) partial.base() = parser_->get().base();  // whatever of the header was read
  Response res = state_->errors(status, partial);
  res.keep_alive(false);
  res.prepare_payload();
  busy_ = true;
  set_phase(Phase::kBusy);
  write(std::move(res), true);
}

void Session::write(Response&& res, bool linger) {
  linger_ = linger;
  res_ = std::move(res);
  stream_.expires_after(state_->limits.write_timeout);
  bhttp::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_written(ec);
  });
}

void Session::on_written(beast::error_code ec) {
  busy_ = false;
  release_body();
  if (!ec && linger_) return linger_close();
  if (ec || !res_.keep_alive() || close_after_write_) return close();
  parser_.reset();
  do_read();
}

void Session::release_body() {
  if (body_reserved_ == 0) return;
  state_->release_body(body_reserved_);
  body_reserved_ = 0;
}

// After an answer to a request that was not read whole (401 before the body, 413, 431, bad
// HTTP), the client may still be sending. Closing with unread data makes the kernel reset the
// connection, which can destroy the answer before the client reads it. Stop sending, discard
// what still arrives for a bounded time and amount, then close.
void Session::linger_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  set_phase(Phase::kIdle);  // nothing more will be answered here: evictable
  buffer_.clear();
  drain();
}

void Session::drain() {
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            // EOF, timeout, reset, or enough: done.
                            if (ec || self->drained_ > kMaxDrain) return self->close();
                            self->drain();
                          });
}

void Session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
}

}  // namespace ilp::gateway::http
