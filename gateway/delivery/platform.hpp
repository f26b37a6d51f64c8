#pragma once
// The FHIR calls delivery makes, over a Transport, with the facility's bearer token:
//   GET  {fhir}/<Type>?identifier=<system>|<value>   (Patient/Practitioner by NIK, any resource
//                                                     by the facility's identifier)
//   POST {fhir}                                      (a transaction Bundle, reference §2.1)
// Every request first waits for the facility's rate limit. A 401 drops the token it was sent
// with, and the request is repeated once with a fresh token (reference §1.5); a second 401 is
// returned to the caller. Runs on the delivery thread only.

#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/config.hpp"
#include "gateway/delivery/circuit_breaker.hpp"
#include "gateway/delivery/coro.hpp"
#include "gateway/delivery/rate_limiter.hpp"
#include "gateway/delivery/token_cache.hpp"
#include "gateway/delivery/transport.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::delivery {

// Who is calling: the config snapshot of the attempt and the facility in it. Both outlive the
// call (the attempt holds the snapshot).
struct CallContext {
  const config::Config& config;
  const config::Facility& facility;
};

struct PlatformReply {
  // No token could be had: nothing was sent, `http` is empty.
  std::optional<TokenError> token_error;
  // The platform's circuit is open (it failed repeatedly): nothing was sent; try again then.
  std::optional<std::int64_t> circuit_open_until_ms;
  http::ClientResult http;
  int token_refreshes = 0;  // 401 → new token → repeated (0 or 1)

  bool sent() const { return !token_error && !circuit_open_until_ms; }
};

class Platform {
 public:
  // `breaker` and `clock` may be null (no circuit breaking, as in unit tests of other parts).
  Platform(Transport& transport, TokenCache& tokens, RateLimiter& limiter, Metrics& metrics,
           CircuitBreaker* breaker = nullptr, const Clock* clock = nullptr);

  net::awaitable<PlatformReply> search(const CallContext& ctx, std::string_view type,
                                       std::string_view system, std::string_view value);
  net::awaitable<PlatformReply> transaction(const CallContext& ctx, std::string bundle_json);
  // One resource on its own: POST {base}/{Type} or PUT {base}/{Type}/{id} (`url` as a
  // transaction entry's request.url). Kinds whose mapping says `send: resource` (the newborn
  // Patient, which SATUSEHAT registers through POST /Patient, reference §3.3).
  net::awaitable<PlatformReply> resource(const CallContext& ctx, bool put, std::string_view url,
                                         std::string resource_json);

  // "/Patient?identifier=https%3A%2F%2F…|3201…": system and value percent-encoded, the FHIR
  // token separator `|` left as SATUSEHAT's own examples write it.
  static std::string search_target(std::string_view type, std::string_view system,
                                   std::string_view value);

 private:
  net::awaitable<PlatformReply> call(const CallContext& ctx, http::bhttp::verb method,
                                     std::string suffix, std::string body, const char* op);

  Transport& transport_;
  TokenCache& tokens_;
  RateLimiter& limiter_;
  Metrics& metrics_;
  CircuitBreaker* breaker_;
  const Clock* clock_;
};

}  // namespace ilp::gateway::delivery
