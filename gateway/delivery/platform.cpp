#include "gateway/delivery/platform.hpp"

#include <chrono>

#include "gateway/delivery/messages.hpp"

namespace ilp::gateway::delivery {

namespace {
// A call that passed the breaker's check must report on every way out; a half-open probe that
// never reports keeps the circuit open for good. Whatever path leaves without an outcome (a
// coroutine unwinding on an exception included) abandons the probe instead.
class CircuitTicket {
 public:
  CircuitTicket(CircuitBreaker* breaker, const Clock* clock, std::string host,
                CircuitBreaker::Options options)
      : breaker_(breaker), clock_(clock), host_(std::move(host)), options_(options) {}
  ~CircuitTicket() {
    if (breaker_ != nullptr && !settled_) breaker_->abandon(host_);
  }
  CircuitTicket(const CircuitTicket&) = delete;
  CircuitTicket& operator=(const CircuitTicket&) = delete;

  void record(bool healthy) {
    if (breaker_ == nullptr) return;
    breaker_->record(host_, healthy, clock_->now_ms(), options_);
    settled_ = true;
  }

 private:
  CircuitBreaker* breaker_;
  const Clock* clock_;
  std::string host_;
  CircuitBreaker::Options options_;
  bool settled_ = false;
};
}  // namespace

Platform::Platform(Transport& transport, TokenCache& tokens, RateLimiter& limiter, Metrics& metrics,
                   CircuitBreaker* breaker, const Clock* clock)
    : transport_(transport),
      tokens_(tokens),
      limiter_(limiter),
      metrics_(metrics),
      breaker_(breaker),
      clock_(clock) {}

std::string Platform::search_target(std::string_view type, std::string_view system,
                                    std::string_view value) {
  std::string t = "/";
  t += type;
  t += "?identifier=";
  t += http::url_encode(system);
  t += '|';
  t += http::url_encode(value);
  return t;
}

net::awaitable<PlatformReply> Platform::search(const CallContext& ctx, std::string_view type,
                                               std::string_view system, std::string_view value) {
  return call(ctx, http::bhttp::verb::get, search_target(type, system, value), {}, "search");
}

net::awaitable<PlatformReply> Platform::transaction(const CallContext& ctx,
                                                    std::string bundle_json) {
  return call(ctx, http::bhttp::verb::post, "", std::move(bundle_json), "transaction");
}

net::awaitable<PlatformReply> Platform::resource(const CallContext& ctx, bool put,
                                                 std::string_view url, std::string resource_json) {
  return call(ctx, put ? http::bhttp::verb::put : http::bhttp::verb::post, "/" + std::string(url),
              std::move(resource_json), put ? "update" : "create");
}

net::awaitable<PlatformReply> Platform::call(const CallContext& ctx, http::bhttp::verb method,
                                             std::string suffix, std::string body, const char* op) {
  PlatformReply reply;
  const auto& platform = ctx.config.platform;
  const auto& key = ctx.facility.info.key;
  const auto base = http::Url::parse(platform.fhir_url);
  if (!base) {
    // Configuration validation should make this impossible; if not, it is not the record's
    // fault and nothing was sent.
    TokenError err;
    err.reason = "invalid platform.fhir_url";
    err.text = msg::bad_platform_url("platform.fhir_url");
    reply.token_error = std::move(err);
    co_return reply;
  }
  std::string target = base->target(suffix);
  if (target.empty() || target.front() != '/') target.insert(target.begin(), '/');
  const bool breaking = breaker_ != nullptr && clock_ != nullptr;
  const std::string host = base->host + ":" + base->port;
  const CircuitBreaker::Options circuit{platform.circuit_failures, platform.circuit_open_ms,
                                        std::max<std::int64_t>(platform.circuit_open_ms, 300'000)};
  if (breaking) {
    if (auto until = breaker_->check(host, clock_->now_ms())) {
      metrics_
          .counter("ilp_platform_calls_held_total",
                   "Calls not made because the platform's circuit was open")
          .inc();
      reply.circuit_open_until_ms = *until;
      co_return reply;
    }
  }

  CircuitTicket ticket(breaking ? breaker_ : nullptr, clock_, host, circuit);
  for (int round = 0; round < 2; ++round) {
    TokenResult token = co_await tokens_.get(platform, ctx.facility);
    if (!token.ok()) {
      // Refused credentials are the platform answering; no answer at login is an outage.
      ticket.record(token.error.auth_failure());
      reply.token_error = std::move(token.error);
      co_return reply;
    }
    co_await limiter_.acquire(key, platform.rate_limit_per_min);
    Request req{method, target, 11};
    req.set(http::bhttp::field::authorization, "Bearer " + token.token->value);
    req.set(http::bhttp::field::accept, "application/fhir+json, application/json");
    if (method == http::bhttp::verb::post) {
      // SATUSEHAT documents application/json (reference §2.1); FHIR servers accept it too.
      req.set(http::bhttp::field::content_type, "application/json");
      req.body() = body;  // a copy: the request may be repeated after a 401
    }
    const auto t0 = std::chrono::steady_clock::now();
    reply.http = co_await transport_.send(*base, std::move(req));
    metrics_
        .histogram("ilp_platform_latency_seconds", "Platform request latency", latency_buckets(),
                   {{"op", op}})
        .observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    {
      const int code = reply.http.ok() ? static_cast<int>(reply.http.response.result_int()) : 0;
      ticket.record(code != 0 && code < 500 && code != 408);
    }
    if (round == 0 && reply.http.ok() && reply.http.response.result_int() == 401) {
      // Expired early or revoked (reference §1.5): drop exactly this token and ask once more.
      tokens_.invalidate(key, token.token->value);
      ++reply.token_refreshes;
      continue;
    }
    break;
  }
  co_return reply;
}

}  // namespace ilp::gateway::delivery
