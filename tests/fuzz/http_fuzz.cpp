// http_fuzz: libFuzzer target for the request path of the HTTP server, without sockets. The
// bytes are what a client sends on one connection; they go through RequestParser exactly as
// Session feeds it (a buffer of at most kMaxBufferedBytes, overflow() when it is full, a new
// parser per pipelined request, resume_body() after the header), then through what the
// handlers read from a request (split_target, request_lang, bearer_token, media_type) and the
// header-driven ingest check (X-Record-Id of POST /fhir/r4 → check_fhir).
//
// Input: byte 0 picks the limits (the shipped ones or tight ones) and how the bytes arrive (all
// at once, or in reads of 1..63 bytes); the rest is the byte stream. Every stream is parsed
// twice, all at once and in those reads: the answers must be the same, however the bytes split
// (see same_answers), and a header section the parser accepts fits limits.header_bytes.
//
//   build-fuzz/http_fuzz CORPUS_DIR [libFuzzer flags]     fuzz
//   build-fuzz/http_fuzz crash-<sha1>                     replay one input
#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/api/http_util.hpp"
#include "gateway/http/request_parser.hpp"
#include "gateway/ingest/envelope.hpp"
#include "gateway/ingest/fhir_input.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using ilp::gateway::http::kMaxBufferedBytes;
using ilp::gateway::http::ParserLimits;
using ilp::gateway::http::RequestParser;
using State = RequestParser::State;
namespace bhttp = boost::beast::http;
namespace ingest = ilp::gateway::ingest;

constexpr const char* kTarget = "http_fuzz";
constexpr std::size_t kMaxRequests = 8;  // per connection: enough for pipelining

#define CHECK(cond)                                 \
  do {                                              \
    if (!(cond)) ilp::fuzz::broken(kTarget, #cond); \
  } while (0)

// What the server answers a request with, as far as the parser decides it.
struct Answer {
  State state = State::kNeedMore;  // kComplete, kError, or kNeedMore when the bytes ran out
  unsigned status = 0;             // for kError
  std::string method, target, body;
  bool operator==(const Answer&) const = default;
};

std::size_t count_field(const bhttp::request<bhttp::string_body>& req, bhttp::field f) {
  return req.count(f);
}

// The header-driven checks of the ingest API on a complete request.
void check_request(const bhttp::request<bhttp::string_body>& req) {
  const auto target = ilp::gateway::api::split_target(req.target());
  (void)ilp::gateway::api::request_lang(req);
  if (auto token = ilp::gateway::api::bearer_token(req)) CHECK(!token->empty());
  (void)ilp::gateway::api::media_type(req);

  const auto& cfg = ilp::fuzz::config();
  const auto* caller = cfg.facility("pkm-sukamaju");
  CHECK(caller != nullptr);
  if (target.path == "/api/v1/records") {
    const auto line = ingest::check_envelope(req.body(), cfg, caller);
    if (const auto* r = std::get_if<ingest::Rejection>(&line)) {
      ilp::fuzz::check_outcome(kTarget, r->outcome, false);
    }
    return;
  }
  constexpr std::string_view kFhir = "/fhir/r4";
  const std::string_view path = target.path;
  if (!path.starts_with(kFhir)) return;
  std::string_view type = path.substr(kFhir.size());
  if (!type.empty()) {
    if (type.front() != '/') return;
    type.remove_prefix(1);
    if (!ingest::accepts_resource_type(type)) return;
  }
  std::optional<std::string_view> record_id;
  if (auto it = req.find("X-Record-Id"); it != req.end()) {
    record_id = std::string_view(it->value().data(), it->value().size());
  }
  const auto line = ingest::check_fhir({req.body(), type, record_id}, cfg, *caller);
  if (const auto* r = std::get_if<ingest::Rejection>(&line)) {
    ilp::fuzz::check_outcome(kTarget, r->outcome, false);
    return;
  }
  const auto& env = std::get<ingest::Envelope>(line);
  // The record id is stored, listed and answered as JSON text.
  CHECK(!env.record_id.empty());
  CHECK(ilp::fuzz::utf8(env.record_id));
  CHECK(ilp::fuzz::strict_json(env.bundle_json));
}

// One connection: the bytes in reads of `step`, as Session::feed does with its flat_buffer.
std::vector<Answer> connection(std::string_view input, const ParserLimits& limits,
                               std::size_t step) {
  std::vector<Answer> answers;
  std::string buf;
  std::size_t pos = 0;
  while (answers.size() < kMaxRequests) {
    RequestParser p(limits);
    std::size_t header_bytes = 0;  // consumed before the header was done
    bool had_header = false;
    // Bounded: every round consumes input, reads input, or changes the state.
    for (std::size_t rounds = 0;; ++rounds) {
      CHECK(rounds < 4 * (input.size() + 16));
      if (p.state() == State::kHeaderDone) {
        had_header = true;
        // The header section the parser accepted is within the limit, however it arrived.
        CHECK(header_bytes <= limits.header_bytes);
        const auto& h = p.get();
        const auto hosts = count_field(h, bhttp::field::host);
        CHECK(hosts <= 1 && (hosts == 1 || h.version() < 11));
        CHECK(count_field(h, bhttp::field::transfer_encoding) == 0 ||
              (count_field(h, bhttp::field::content_length) == 0 && p.chunked()));
        p.resume_body();
        continue;
      }
      if (p.state() == State::kComplete || p.state() == State::kError) break;
      const bool before_header = !p.header_done();
      const auto used = p.put(buf);
      CHECK(used <= buf.size());
      if (before_header) header_bytes += used;
      buf.erase(0, used);
      if (p.state() != State::kNeedMore) continue;
      if (buf.size() >= kMaxBufferedBytes) {
        p.overflow();
        CHECK(p.state() == State::kError);
        continue;
      }
      if (pos >= input.size()) break;
      const auto n = std::min({step, input.size() - pos, kMaxBufferedBytes - buf.size()});
      buf.append(input.substr(pos, n));
      pos += n;
    }
    Answer a;
    a.state = p.state();
    if (a.state == State::kError) {
      a.status = static_cast<unsigned>(p.error_status());
      CHECK(a.status == 400 || a.status == 413 || a.status == 431 || a.status == 501);
      CHECK(!p.error_reason().empty());
    }
    if (a.state == State::kComplete) {
      CHECK(had_header);
      auto req = p.release();
      CHECK(req.body().size() <= limits.body_bytes);
      a.method = std::string(req.method_string());
      a.target = std::string(req.target());
      a.body = req.body();
      check_request(req);
    }
    answers.push_back(std::move(a));
    // An error closes the connection; so does running out of bytes.
    if (answers.back().state != State::kComplete) break;
    if (buf.empty() && pos >= input.size()) break;
  }
  return answers;
}

// The same answers, but for the last request: Beast rejects a bad request line or field as soon
// as it has read it when the bytes come at once, and waits for the end of the header section when
// they come in pieces. So a request the bytes end inside of may be refused early or not yet, and
// a header section both malformed and too large may be a 400 or a 431.
bool same_answers(const std::vector<Answer>& a, const std::vector<Answer>& b) {
  if (a == b) return true;
  if (a.empty() || a.size() != b.size()) return false;
  for (std::size_t i = 0; i + 1 < a.size(); ++i) {
    if (!(a[i] == b[i])) return false;
  }
  const auto& x = a.back();
  const auto& y = b.back();
  if (x.state == State::kError && y.state == State::kError) {
    return x.status == 431 || y.status == 431;
  }
  return (x.state == State::kNeedMore && y.state == State::kError) ||
         (x.state == State::kError && y.state == State::kNeedMore);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ilp::fuzz::config();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& limits = ilp::fuzz::config().limits;
  // As serve builds the server's limits from the config (the chunk extension bound is fixed).
  const ParserLimits shipped{limits.body_bytes, limits.header_bytes,
                             ilp::gateway::http::ServerLimits{}.chunk_extension_bytes};
  const ParserLimits tight{300, 200, 16};
  const ParserLimits& use = (mode & 0x80) != 0 ? tight : shipped;
  const std::size_t step = (mode & 0x3f) == 0 ? std::size_t{1} << 20 : (mode & 0x3f);

  const auto whole = connection(input, use, std::size_t{1} << 20);
  const auto split = connection(input, use, step);
  if (!same_answers(whole, split)) {
    for (const auto* answers : {&whole, &split}) {
      std::fprintf(stderr, "%s:", answers == &whole ? "at once" : "in reads");
      for (const auto& a : *answers) {
        std::fprintf(stderr, " [state %d status %u %s %s, %zu body bytes]",
                     static_cast<int>(a.state), a.status, a.method.c_str(), a.target.c_str(),
                     a.body.size());
      }
      std::fprintf(stderr, "\n");
    }
    ilp::fuzz::broken(kTarget, "the same bytes get other answers when they arrive split");
  }
  return 0;
}
