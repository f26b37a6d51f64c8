#include "gateway/http/request_parser.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace ilp::gateway::http {

namespace {

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 9110 §5.6.2 tchar: what a coding name may be made of.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const unsigned char c : s) {
    if (std::isalnum(c) == 0 &&
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Every transfer coding named by every Transfer-Encoding field, in order, or nothing when an
// element is not a bare coding name. Empty list elements are legal (RFC 9110 §5.6.1) and skipped.
// Parameters are refused, not stripped: no coding we accept takes any, and Beast frames a body as
// chunked only when the last element is exactly "chunked", so reading "chunked;q=1" or
// ";x=y, chunked" as chunked here would disagree with the parser about where the body ends.
std::optional<std::vector<std::string>> transfer_codings(
    const bhttp::request<bhttp::string_body>& req) {
  std::vector<std::string> codings;
  for (auto it = req.find(bhttp::field::transfer_encoding);
       it != req.end() && it->name() == bhttp::field::transfer_encoding; ++it) {
    std::string_view v = it->value();
    while (!v.empty()) {
      const auto comma = v.find(',');
      auto token = lower_trimmed(v.substr(0, comma));
      if (!token.empty()) {
        if (!is_token(token)) return std::nullopt;
        codings.push_back(std::move(token));
      }
      v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
    }
  }
  return codings;
}

}  // namespace

RequestParser::RequestParser(const ParserLimits& limits) : limits_(limits) {
  parser_.eager(false);  // stop after the header section
  parser_.body_limit(limits_.body_bytes);
  parser_.header_limit(static_cast<std::uint32_t>(header_limit()));
  on_chunk_header_ = [this](std::uint64_t, boost::beast::string_view ext,
                            boost::system::error_code& ec) {
    if (ext.size() > limits_.chunk_extension_bytes) ec = bhttp::error::bad_chunk_extension;
  };
  parser_.on_chunk_header(on_chunk_header_);
}

std::size_t RequestParser::put(std::string_view data) {
  if (state_ == State::kComplete || state_ == State::kError) return 0;
  if (state_ == State::kHeaderDone) return 0;
  std::size_t used = 0;
  // Bounded: every round consumes bytes or changes state; a round without either stops.
  while (state_ == State::kNeedMore) {
    boost::system::error_code ec;
    const bool in_header = !parser_.is_header_done();
    const auto n = parser_.put(boost::asio::buffer(data.data() + used, data.size() - used), ec);
    used += n;
    // Beast applies header_limit to the bytes one put() looks at, not to the header section:
    // the fields it has parsed are consumed and the request line is not counted with them, so
    // up to about twice the limit got through depending on how the bytes arrived. Counted here.
    if (in_header) header_seen_ += n;
    if (ec == bhttp::error::need_more) {
      // Not done, so the header section is longer than what was consumed and offered.
      if (in_header && header_seen_ + (data.size() - used) >= header_limit()) {
        fail(bhttp::status::request_header_fields_too_large, "header section too large");
      }
      break;
    }
    if (ec) {
      fail(ec);
      break;
    }
    if (parser_.is_header_done() && !header_checked_) {
      header_checked_ = true;
      if (header_seen_ > header_limit()) {
        fail(bhttp::status::request_header_fields_too_large, "header section too large");
      } else if (check_header()) {
        state_ = State::kHeaderDone;
      }
      break;
    }
    if (parser_.is_done()) {
      state_ = State::kComplete;
      break;
    }
    if (n == 0) break;
  }
  return used;
}

void RequestParser::resume_body() {
  if (state_ != State::kHeaderDone) return;
  parser_.eager(true);
  state_ = parser_.is_done() ? State::kComplete : State::kNeedMore;
}

void RequestParser::overflow() {
  if (state_ != State::kNeedMore) return;
  if (!parser_.is_header_done()) {
    return fail(bhttp::status::request_header_fields_too_large, "header section too large");
  }
  // With the header done, only a chunk line or the trailer section has to fit the buffer.
  fail(bhttp::status::request_header_fields_too_large, "chunk line or trailer section too large");
}

void RequestParser::fail(bhttp::status status, std::string_view reason) {
  state_ = State::kError;
  error_status_ = status;
  error_reason_ = std::string(reason);
}

void RequestParser::fail(const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit || ec == boost::beast::http::error::buffer_overflow) {
    return fail(bhttp::status::request_header_fields_too_large, "header section too large");
  }
  if (ec == bhttp::error::body_limit) {
    return fail(bhttp::status::payload_too_large, "body too large");
  }
  if (ec == bhttp::error::bad_chunk_extension) {
    return fail(bhttp::status::bad_request, "bad or oversized chunk extension");
  }
  fail(bhttp::status::bad_request, ec.message());
}

bool RequestParser::check_header() {
  const auto& req = parser_.get();
  // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host is a 400.
  const auto hosts = req.count(bhttp::field::host);
  if (hosts > 1 || (hosts == 0 && req.version() >= 11)) {
    fail(bhttp::status::bad_request, hosts > 1 ? "more than one Host" : "no Host");
    return false;
  }
  if (req.count(bhttp::field::transfer_encoding) == 0) return true;
  // RFC 9112 §6.1: Transfer-Encoding with Content-Length is how requests are smuggled past
  // proxies; refuse and close rather than pick one.
  if (req.count(bhttp::field::content_length) > 0) {
    fail(bhttp::status::bad_request, "Transfer-Encoding with Content-Length");
    return false;
  }
  const auto parsed = transfer_codings(req);
  if (!parsed) {
    fail(bhttp::status::bad_request, "malformed Transfer-Encoding");
    return false;
  }
  const auto& codings = *parsed;
  // RFC 9112 §6.3: without chunked as the final coding the body length is unknowable: 400.
  if (codings.empty() || codings.back() != "chunked") {
    fail(bhttp::status::bad_request, "Transfer-Encoding without final chunked");
    return false;
  }
  // §6.1: a coding the server does not understand is a 501. Only chunked is understood.
  if (codings.size() > 1) {
    fail(bhttp::status::not_implemented, "unsupported transfer coding");
    return false;
  }
  // Belt and braces: whatever we accepted, the body is read the way Beast frames it; if the two
  // readings ever differ again, refuse rather than let chunk bytes become the next request.
  if (!parser_.chunked()) {
    fail(bhttp::status::bad_request, "Transfer-Encoding not framed as chunked");
    return false;
  }
  return true;
}

}  // namespace ilp::gateway::http
