#pragma once
// Per-facility OAuth2 client-credentials tokens, exactly as SATUSEHAT issues them (reference
// §1.2–1.5): `POST {auth_url}/accesstoken?grant_type=client_credentials` with a form body
// `client_id=…&client_secret=…`.
//
// Contract:
// - one cached token per facility, used until issued_at + expires_in − margin (margin =
//   platform.token_margin_s, but at most half the lifetime, so short-lived tokens are not
//   refreshed on every call); expiry comes from the response (issued_at when present and
//   consistent with the local clock, else the moment the request was sent);
// - single flight: concurrent callers for one facility share the one request in flight;
// - a refused login (400/401/403), a 429 or SATUSEHAT's "rate limit" text blocks new logins
//   for that facility for ≥ platform.auth_failure_backoff_s; callers get the stored error
//   (with the time of the next try) without a request being sent;
// - network errors and 5xx are transient: the facility is held back briefly (1 s doubling per
//   consecutive failure, at most auth_failure_backoff_s) so a queue of records cannot turn an
//   outage of the login service into a login storm.
// - on a hub (share_logins), the instances log in once per facility between them: a token or a
//   block another instance obtained is used as if obtained here, and while one instance logs
//   in the others wait for its answer instead of logging in too (docs/hub.md "Logins").
// Secrets and tokens are never logged. Runs on the delivery thread only (not thread-safe).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/config.hpp"
#include "gateway/delivery/coro.hpp"
#include "gateway/delivery/login_share.hpp"
#include "gateway/delivery/rate_limiter.hpp"
#include "gateway/delivery/transport.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::delivery {

struct AccessToken {
  std::string value;
  std::int64_t expires_at_ms = 0;  // local clock; refresh at or after this
};

struct TokenError {
  enum class Kind {
    kRefused,      // the platform said no to these credentials (or to this URL)
    kRateLimited,  // logins are temporarily blocked for this client
    kTransient,    // no usable answer: network, 5xx, unreadable body
  };
  Kind kind = Kind::kTransient;
  mappers::Text text;            // for the record's last_error
  std::int64_t retry_at_ms = 0;  // no new token request for this facility before this
  int http_status = 0;           // 0: no response
  std::string reason;            // short, secret- and PHI-free ("HTTP 401", "Connection refused")
  mappers::Outcome platform;     // the token endpoint's OperationOutcome, if it sent one

  bool auth_failure() const { return kind != Kind::kTransient; }
};

struct TokenResult {
  std::optional<AccessToken> token;
  TokenError error;  // meaningful only when !token
  bool ok() const { return token.has_value(); }
};

// The fields delivery needs from a token response. Lenient (reference §1.3): numbers may be
// JSON numbers or strings; issued_at is epoch milliseconds (a value below 10^11 is taken as
// seconds, for servers that send those).
struct TokenResponse {
  std::string access_token;
  std::optional<std::int64_t> issued_at_ms;
  std::optional<std::int64_t> expires_in_s;
};
std::optional<TokenResponse> parse_token_response(std::string_view body);

class TokenCache {
 public:
  // Lifetime assumed when a token response has no usable expires_in.
  static constexpr std::int64_t kDefaultLifetimeS = 300;
  // issued_at further than this from the local clock is not trusted (clock skew).
  static constexpr std::int64_t kMaxSkewMs = 60'000;
  // A hub instance's login may take the platform timeout and this much more before another
  // instance takes over; waiting instances look again this often.
  static constexpr std::int64_t kLoginLeaseSlackMs = 5'000;
  static constexpr std::int64_t kLoginPollMs = 200;

  TokenCache(Transport& transport, RateLimiter& limiter, const Clock& clock, Metrics& metrics);
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // A valid token for `facility`, from the cache or one shared request.
  net::awaitable<TokenResult> get(const config::Platform& platform,
                                  const config::Facility& facility);

  // Drops the cached token after the platform refused it (401). With `token` given, only that
  // token is dropped: when many requests fail with the same stale token, the first caller's
  // refresh serves them all instead of each forcing another login.
  void invalidate(const std::string& facility, std::string_view token = {});

  // From now on, logins are shared through `share` (nullptr: each on its own). `share` must
  // outlive every get().
  void share_logins(LoginShare* share) { share_ = share; }

 private:
  struct Flight;
  struct Entry;

  Entry& entry(const config::Facility& facility);
  net::awaitable<TokenResult> fetch(const config::Platform& platform,
                                    const config::Facility& facility, Entry& e);
  // The hub's answer before logging in: a result to return, or nullopt to log in (`granted`:
  // this instance holds the hub's login lease and publishes what it learns).
  net::awaitable<std::optional<TokenResult>> ask_hub(const config::Platform& platform,
                                                     const config::Facility& facility, Entry& e,
                                                     bool& granted);
  net::awaitable<void> tell_hub(const config::Facility& facility, const Entry& e,
                                const TokenResult& result);
  net::awaitable<TokenResult> login(const config::Platform& platform,
                                    const config::Facility& facility, Entry& e);
  void count(const std::string& facility, std::string_view outcome);

  Transport& transport_;
  RateLimiter& limiter_;
  const Clock& clock_;
  Metrics& metrics_;
  LoginShare* share_ = nullptr;
  std::map<std::string, Entry> entries_;  // by facility key; std::map: stable references
};

}  // namespace ilp::gateway::delivery
