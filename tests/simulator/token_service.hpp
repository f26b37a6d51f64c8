#pragma once
// SATUSEHAT's OAuth2 client-credentials endpoint (reference §1.2–§1.5) and the bearer check of
// the FHIR API: Apigee-shaped token responses with every number as a string, the documented
// 401 for bad credentials, the per-client lock-out after a failed login, and token expiry
// (honest --token-ttl, or early expiry by the token_ttl_s fault).
// Not thread-safe (simulator thread only).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/http/server.hpp"
#include "gateway/util/clock.hpp"
#include "tests/simulator/id_generator.hpp"
#include "tests/simulator/seed.hpp"
#include "tests/simulator/stats.hpp"

namespace ilp::sim {

// Reference §1.5, verbatim: the 401 text for a missing, unknown or expired bearer token.
inline constexpr std::string_view kInvalidTokenText = "Invalid Access Token.";

struct AuthConfig {
  int token_ttl_s = 3599;
  int backoff_s = 60;
  unsigned backoff_status = 429;
};

// The organization a bearer token acts for.
struct BoundClient {
  std::string client_id;
  std::string org_id;
};

class TokenService {
 public:
  TokenService(const Seed& seed, AuthConfig config, IdGenerator& ids, const gateway::Clock& clock,
               Stats& stats);

  // POST /oauth2/v1/accesstoken?grant_type=client_credentials with a form body.
  gateway::http::Response issue(const gateway::http::Request& req, const std::string* grant_type);

  // The client behind "Authorization: Bearer <token>", if the token is known and unexpired.
  std::optional<BoundClient> authenticate(std::string_view authorization) const;

  // The token_ttl_s fault: tokens issued from now live at most `ttl_s`, and live tokens are cut
  // to now + ttl_s. nullopt = tokens live their advertised lifetime again (cut ones stay cut).
  void set_expiry_fault(std::optional<int> ttl_s);
  void clear_lockouts() { locked_until_ms_.clear(); }

 private:
  struct Token {
    std::string client_id;
    std::string org_id;
    std::int64_t expires_at_ms;
  };
  void purge_expired();

  const Seed& seed_;
  AuthConfig config_;
  IdGenerator& ids_;
  const gateway::Clock& clock_;
  Stats& stats_;
  std::optional<int> expiry_fault_s_;
  std::unordered_map<std::string, Token> tokens_;
  std::map<std::string, std::int64_t> locked_until_ms_;   // client_id -> end of lock-out
  std::map<std::string, std::string> application_names_;  // client_id -> Apigee app id
};

}  // namespace ilp::sim
