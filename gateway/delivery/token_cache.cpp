#include "gateway/delivery/token_cache.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <chrono>

#include "gateway/delivery/classify.hpp"
#include "gateway/delivery/messages.hpp"
#include "gateway/delivery/token_seal.hpp"
#include "gateway/util/log.hpp"
#include "mappers/json.hpp"
#include "mappers/sha256.hpp"

namespace ilp::gateway::delivery {
namespace {

constexpr std::int64_t kTransientHoldFirstMs = 1'000;

// The words of a login block, by its kind: the same whether this instance met it or another
// instance of the hub did (ask_hub).
mappers::Text block_text(const std::string& key, const TokenError& err) {
  switch (err.kind) {
    case TokenError::Kind::kRefused:
      return msg::credentials_refused(key, err.http_status, err.retry_at_ms);
    case TokenError::Kind::kRateLimited:
      return msg::login_rate_limited(key, err.retry_at_ms);
    case TokenError::Kind::kTransient:
      break;
  }
  return msg::token_endpoint_unavailable(key, err.reason, err.retry_at_ms);
}

TokenError::Kind block_kind(int stored) {
  for (const auto kind : {TokenError::Kind::kRefused, TokenError::Kind::kRateLimited}) {
    if (stored == static_cast<int>(kind)) return kind;
  }
  return TokenError::Kind::kTransient;
}

// What the hub knows the credentials by (a hash: the database holds no secret).
std::string credentials_hash(const std::string& fingerprint) {
  return mappers::sha256_hex("credentials\n" + fingerprint);
}

// A JSON number, or a string of digits (Apigee sends "3599"). Fractions are truncated.
std::optional<std::int64_t> lenient_int(const rapidjson::Value& obj, std::string_view name) {
  const auto* v = mappers::member(obj, name);
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v->GetUint64(), INT64_MAX));
  if (v->IsDouble()) {
    const double d = v->GetDouble();
    if (!(d >= 0 && d < 9e18)) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  if (!v->IsString()) return std::nullopt;
  std::string_view s(v->GetString(), v->GetStringLength());
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  for (char c : s) {
    if (c == '.') break;  // "3599.0"
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string fingerprint(const config::Facility& f) {
  // Tells a reloaded configuration with other credentials apart; kept in memory only.
  return mappers::sha256_hex(f.client_id + '\n' + f.client_secret);
}

}  // namespace

std::optional<TokenResponse> parse_token_response(std::string_view body) {
  rapidjson::Document d;
  if (mappers::parse_json_strict(body, d) || !d.IsObject()) return std::nullopt;
  const auto token = mappers::string_member(d, "access_token");
  if (!token || token->empty()) return std::nullopt;
  TokenResponse r;
  r.access_token = std::string(*token);
  r.expires_in_s = lenient_int(d, "expires_in");
  if (r.expires_in_s && *r.expires_in_s <= 0) r.expires_in_s.reset();
  if (auto issued = lenient_int(d, "issued_at"); issued && *issued > 0) {
    r.issued_at_ms = *issued < 100'000'000'000 ? *issued * 1000 : *issued;
  }
  return r;
}

struct TokenCache::Flight {
  explicit Flight(net::any_io_executor ex)
      : done(std::move(ex), std::chrono::steady_clock::time_point::max()) {}
  net::steady_timer done;  // cancelled when the result is in: wakes every waiter
  std::optional<TokenResult> result;
};

struct TokenCache::Entry {
  std::string fingerprint;
  std::string client_id;
  std::optional<AccessToken> token;
  std::shared_ptr<Flight> flight;
  std::optional<TokenError> block;  // returned to callers until block->retry_at_ms
  int transient_failures = 0;
  std::string refused;  // hash of the last token the platform refused (hub: not taken back)
};

TokenCache::TokenCache(Transport& transport, RateLimiter& limiter, const Clock& clock,
                       Metrics& metrics)
    : transport_(transport), limiter_(limiter), clock_(clock), metrics_(metrics) {}

TokenCache::~TokenCache() = default;

TokenCache::Entry& TokenCache::entry(const config::Facility& facility) {
  auto& e = entries_[facility.info.key];
  const auto fp = fingerprint(facility);
  if (e.fingerprint != fp) {
    // New credentials after a reload: the old token belongs to the old client. SATUSEHAT's
    // login limit is per client_id, so a block stays when only the secret changed.
    const bool same_client = e.client_id == facility.client_id;
    e.fingerprint = fp;
    e.client_id = facility.client_id;
    e.token.reset();
    e.transient_failures = 0;
    if (!same_client) e.block.reset();
  }
  return e;
}

void TokenCache::count(const std::string& facility, std::string_view outcome) {
  metrics_
      .counter("ilp_token_requests_total", "Token requests to the platform, by outcome",
               {{"facility", facility}, {"outcome", std::string(outcome)}})
      .inc();
  metrics_
      .gauge("ilp_token_ok",
             "1 when the facility's last token request succeeded, 0 when it failed (refused, "
             "rate limited or unreachable)",
             {{"facility", facility}})
      .set(outcome == "ok" ? 1.0 : 0.0);
}

void TokenCache::invalidate(const std::string& facility, std::string_view token) {
  auto it = entries_.find(facility);
  if (it == entries_.end() || !it->second.token) return;
  if (!token.empty() && it->second.token->value != token) return;
  it->second.refused = mappers::sha256_hex(it->second.token->value);
  it->second.token.reset();
  metrics_
      .counter("ilp_token_invalidations_total",
               "Cached tokens dropped after the platform refused them", {{"facility", facility}})
      .inc();
  logger("oauth")->info("facility {}: token refused by the platform, will log in again", facility);
}

net::awaitable<TokenResult> TokenCache::get(const config::Platform& platform,
                                            const config::Facility& facility) {
  for (;;) {
    Entry& e = entry(facility);
    const auto now = clock_.now_ms();
    if (e.token && now < e.token->expires_at_ms) co_return TokenResult{e.token, {}};
    if (e.block && now < e.block->retry_at_ms) co_return TokenResult{std::nullopt, *e.block};
    if (e.flight) {
      auto flight = e.flight;
      boost::system::error_code ec;
      co_await flight->done.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (flight->result) co_return *flight->result;
      continue;  // the flight was abandoned; look again
    }
    auto flight = std::make_shared<Flight>(co_await net::this_coro::executor);
    e.flight = flight;
    TokenResult result = co_await fetch(platform, facility, e);
    if (e.flight == flight) e.flight.reset();
    flight->result = result;
    flight->done.cancel();
    co_return result;
  }
}

net::awaitable<TokenResult> TokenCache::fetch(const config::Platform& platform,
                                              const config::Facility& facility, Entry& e) {
  bool granted = false;
  if (share_) {
    if (auto shared = co_await ask_hub(platform, facility, e, granted)) co_return *shared;
  }
  TokenResult result = co_await login(platform, facility, e);
  if (granted) co_await tell_hub(facility, e, result);
  co_return result;
}

net::awaitable<std::optional<TokenResult>> TokenCache::ask_hub(const config::Platform& platform,
                                                               const config::Facility& facility,
                                                               Entry& e, bool& granted) {
  const std::string& key = facility.info.key;
  store::LoginAsk ask;
  ask.facility = key;
  ask.client = mappers::sha256_hex("client\n" + facility.client_id);
  ask.credentials = credentials_hash(e.fingerprint);
  ask.refused = e.refused;
  ask.lease_ms = std::max<std::int64_t>(platform.timeout_ms, 0) + kLoginLeaseSlackMs;
  // Bounded: once the other instance's lease has run out this one takes over, so at most a
  // lease's worth of looks (plus slack for a clock that does not move, as in tests).
  const std::int64_t max_looks = ask.lease_ms / kLoginPollMs + 2;
  for (std::int64_t look = 0; look < max_looks; ++look) {
    ask.now_ms = clock_.now_ms();
    const auto shared = co_await share_->login_begin(ask);
    if (!shared) co_return std::nullopt;  // the database is away: log in alone
    switch (shared->state) {
      case store::SharedLogin::State::kLogIn:
        granted = true;
        co_return std::nullopt;
      case store::SharedLogin::State::kToken: {
        auto value = open_token(shared->sealed_token, facility.client_id, facility.client_secret);
        if (!value) co_return std::nullopt;  // not sealed for these credentials: log in
        e.token = AccessToken{std::move(*value), shared->until_ms};
        e.block.reset();
        e.transient_failures = 0;
        metrics_
            .counter("ilp_token_shared_total",
                     "Tokens taken from another instance of the hub instead of logging in",
                     {{"facility", key}})
            .inc();
        co_return TokenResult{e.token, {}};
      }
      case store::SharedLogin::State::kBlocked: {
        TokenError err;
        err.kind = block_kind(shared->block_kind);
        err.http_status = shared->block_status;
        err.reason = shared->block_reason;
        err.retry_at_ms = shared->until_ms;
        err.text = block_text(key, err);
        e.block = err;
        e.token.reset();
        co_return TokenResult{std::nullopt, std::move(err)};
      }
      case store::SharedLogin::State::kWait: {
        const auto wait = std::clamp<std::int64_t>(shared->until_ms - ask.now_ms, 1, kLoginPollMs);
        net::steady_timer timer(co_await net::this_coro::executor);
        timer.expires_after(std::chrono::milliseconds(wait));
        boost::system::error_code ec;
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        break;
      }
    }
  }
  co_return std::nullopt;
}

net::awaitable<void> TokenCache::tell_hub(const config::Facility& facility, const Entry& e,
                                          const TokenResult& result) {
  store::LoginDone done;
  done.facility = facility.info.key;
  done.credentials = credentials_hash(e.fingerprint);
  if (result.ok()) {
    try {
      done.sealed_token =
          seal_token(result.token->value, facility.client_id, facility.client_secret);
    } catch (const std::exception& ex) {
      // The others log in themselves once this instance's lease has run out.
      logger("oauth")->warn("facility {}: token not shared with the hub: {}", done.facility,
                            ex.what());
      co_return;
    }
    done.token_hash = mappers::sha256_hex(result.token->value);
    done.expires_at_ms = result.token->expires_at_ms;
  } else {
    done.block_kind = static_cast<int>(result.error.kind);
    done.block_status = result.error.http_status;
    done.block_reason = result.error.reason;
    done.blocked_until_ms = result.error.retry_at_ms;
  }
  if (!co_await share_->login_done(std::move(done))) {
    logger("oauth")->warn("facility {}: login result not stored for the hub", facility.info.key);
  }
}

net::awaitable<TokenResult> TokenCache::login(const config::Platform& platform,
                                              const config::Facility& facility, Entry& e) {
  const std::string& key = facility.info.key;
  auto log = logger("oauth");
  TokenResult out;
  auto transient = [&](std::string reason, int status) {
    ++e.transient_failures;
    std::int64_t hold = kTransientHoldFirstMs;
    for (int i = 1; i < e.transient_failures && hold < platform.auth_failure_backoff_s * 1000;
         ++i) {
      hold *= 2;
    }
    hold = std::min(hold, std::max<std::int64_t>(platform.auth_failure_backoff_s, 1) * 1000);
    TokenError err;
    err.kind = TokenError::Kind::kTransient;
    err.retry_at_ms = clock_.now_ms() + hold;
    err.http_status = status;
    err.reason = std::move(reason);
    err.text = block_text(key, err);
    e.block = err;
    count(key, "error");
    log->warn("facility {}: token request failed ({}); next try not before {}", key, err.reason,
              msg::utc_time(err.retry_at_ms));
    return TokenResult{std::nullopt, std::move(err)};
  };

  const auto url = http::Url::parse(platform.auth_url);
  if (!url) {
    auto r = transient("invalid platform.auth_url", 0);
    r.error.text = msg::bad_platform_url("platform.auth_url");
    co_return r;
  }
  co_await limiter_.acquire(key, platform.rate_limit_per_min);

  Request req{http::bhttp::verb::post, url->target("/accesstoken?grant_type=client_credentials"),
              11};
  req.set(http::bhttp::field::content_type, "application/x-www-form-urlencoded");
  req.set(http::bhttp::field::accept, "application/json");
  req.body() = "client_id=" + http::url_encode(facility.client_id) +
               "&client_secret=" + http::url_encode(facility.client_secret);
  const auto sent_ms = clock_.now_ms();
  const auto t0 = std::chrono::steady_clock::now();
  const http::ClientResult r = co_await transport_.send(*url, std::move(req));
  metrics_
      .histogram("ilp_platform_latency_seconds", "Platform request latency", latency_buckets(),
                 {{"op", "token"}})
      .observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  const auto now = clock_.now_ms();

  if (r.ec) co_return transient(r.ec.message(), 0);
  const int status = static_cast<int>(r.response.result_int());
  const std::string_view body = r.response.body();
  if (status >= 200 && status < 300) {
    auto parsed = parse_token_response(body);
    if (!parsed) co_return transient("unreadable token response", status);
    const std::int64_t lifetime = parsed->expires_in_s.value_or(kDefaultLifetimeS) * 1000;
    const std::int64_t margin = std::min(platform.token_margin_s * 1000, lifetime / 2);
    std::int64_t base = sent_ms;
    if (parsed->issued_at_ms) {
      if (*parsed->issued_at_ms < sent_ms - kMaxSkewMs ||
          *parsed->issued_at_ms > now + kMaxSkewMs) {
        // The platform's clock and ours disagree; expiry is compared with our clock, so the
        // moment we asked is the safer base. Degraded mode: log and count.
        metrics_
            .counter("ilp_clock_skew_detected_total",
                     "Token issued_at far from the local clock (check NTP)", {{"facility", key}})
            .inc();
        log->warn(
            "facility {}: token issued_at differs from the local clock by {} s; check the "
            "clock of this computer",
            key, (*parsed->issued_at_ms - sent_ms) / 1000);
      } else {
        base = *parsed->issued_at_ms;
      }
    }
    AccessToken token{std::move(parsed->access_token), base + lifetime - margin};
    e.token = token;
    e.block.reset();
    e.transient_failures = 0;
    count(key, "ok");
    log->info("facility {}: token obtained, refresh after {}", key,
              msg::utc_time(token.expires_at_ms));
    co_return TokenResult{std::move(token), {}};
  }

  const bool rate_limited = status == 429 || contains_nocase(body, "rate limit");
  if (status >= 500 || (status < 400 && !rate_limited)) {
    co_return transient("HTTP " + std::to_string(status), status);
  }
  // Refused (or rate-limited): SATUSEHAT allows one login per minute after a failure, so no
  // request for this client before the back-off, however many records ask.
  TokenError err;
  err.kind = rate_limited ? TokenError::Kind::kRateLimited : TokenError::Kind::kRefused;
  err.http_status = status;
  err.reason = "HTTP " + std::to_string(status);
  std::int64_t wait_ms = platform.auth_failure_backoff_s * 1000;
  if (const auto it = r.response.find(http::bhttp::field::retry_after); it != r.response.end()) {
    if (const auto ra = parse_retry_after(it->value(), now)) wait_ms = std::max(wait_ms, *ra);
  }
  err.retry_at_ms = now + wait_ms;
  if (body.find("OperationOutcome") != std::string_view::npos) {
    err.platform = mappers::outcome_from_fhir(body);
  }
  err.text = block_text(key, err);
  e.block = err;
  e.token.reset();
  count(key, rate_limited ? "rate_limited" : "refused");
  log->error("facility {}: login {} ({}); next login not before {}", key,
             rate_limited ? "rate-limited" : "refused", err.reason, msg::utc_time(err.retry_at_ms));
  co_return TokenResult{std::nullopt, std::move(err)};
}

}  // namespace ilp::gateway::delivery
