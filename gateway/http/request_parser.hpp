#pragma once
// Incremental HTTP/1.1 request parsing with the gateway's limits and protocol rules, separate
// from the socket so that the same code runs in the server and under the fuzzer.
//
// The parser stops once after the header section (kHeaderDone) so the server can refuse a
// request (no key, wrong path, too large, server busy) before a single body byte is read, then
// continues with resume_body(). Every problem ends in kError with the status to answer; nothing
// throws: Beast's field storage throws std::length_error for a field over 64 KiB, so no field
// may ever reach it (header_bytes is capped below that, and the bytes the caller buffers too).

#include <algorithm>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ilp::gateway::http {

namespace bhttp = boost::beast::http;

struct ParserLimits {
  std::size_t body_bytes = 1 << 20;
  std::size_t header_bytes = 16 * 1024;
  // Chunk extensions carry nothing the gateway uses; a few KB is generous.
  std::size_t chunk_extension_bytes = 4096;
};

// The most a caller may buffer while a request is incomplete. A header section (or a chunked
// trailer section) that does not fit is refused: below Beast's 16-bit field size, so a huge
// trailer field is a 431, never an exception.
inline constexpr std::size_t kMaxBufferedBytes = 64 * 1024;
// header_bytes may not exceed this (config refuses more).
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

class RequestParser {
 public:
  enum class State { kNeedMore, kHeaderDone, kComplete, kError };

  explicit RequestParser(const ParserLimits& limits);
  // Beast keeps a reference to the chunk callback member: neither copied nor moved.
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Consumes a prefix of `data` and returns its length. Bytes not consumed while kNeedMore must
  // be offered again with more after them. In kHeaderDone it consumes nothing until
  // resume_body(); in kComplete and kError nothing at all.
  std::size_t put(std::string_view data);
  // The caller's buffer is full (kMaxBufferedBytes) and the parser still needs more.
  void overflow();
  // After kHeaderDone: go on reading the body.
  void resume_body();

  State state() const { return state_; }
  bool header_done() const { return parser_.is_header_done(); }
  // For kError: what to answer (400, 413, 431, 501) and a short reason for logs and metrics.
  bhttp::status error_status() const { return error_status_; }
  std::string_view error_reason() const { return error_reason_; }

  // The header (and, when kComplete, the body) read so far.
  const bhttp::request<bhttp::string_body>& get() const { return parser_.get(); }
  bhttp::request<bhttp::string_body> release() { return parser_.release(); }
  // Content-Length when the request declared one.
  std::optional<std::uint64_t> content_length() const {
    const auto n = parser_.content_length();
    return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
  }
  bool chunked() const { return parser_.chunked(); }

 private:
  void fail(bhttp::status status, std::string_view reason);
  void fail(const boost::system::error_code& ec);
  // RFC 9112 rules Beast leaves to the application; false after fail().
  bool check_header();
  std::size_t header_limit() const { return std::min(limits_.header_bytes, kMaxHeaderBytes); }

  ParserLimits limits_;
  bhttp::request_parser<bhttp::string_body> parser_;
  std::function<void(std::uint64_t, boost::beast::string_view, boost::system::error_code&)>
      on_chunk_header_;
  State state_ = State::kNeedMore;
  bool header_checked_ = false;
  std::size_t header_seen_ = 0;  // bytes of the header section consumed so far
  bhttp::status error_status_ = bhttp::status::bad_request;
  std::string error_reason_;
};

}  // namespace ilp::gateway::http
