#pragma once
// A facility's OAuth2 login as the instances of a hub share it (docs/hub.md "Logins"). Without
// this every instance would log in for every facility, and after a refused secret each would
// retry once a minute: SATUSEHAT allows one login a minute per client after a failure and
// refuses logins "too often within 1 minute" (reference §1.4). The store keeps, per facility,
// the last token (sealed, gateway/delivery/token_seal.hpp), the last login block, and which
// instance is logging in now (a lease, so an instance that dies mid-login is replaced).

#include <cstdint>
#include <string>

namespace ilp::gateway::store {

// What an instance asks before it would log in.
struct LoginAsk {
  std::string facility;
  std::string client;       // hash of client_id: a block is the client's (SATUSEHAT's limit)
  std::string credentials;  // hash of client_id and secret: a token belongs to these
  std::string refused;      // hash of a token the platform refused: never handed out again
  std::int64_t now_ms = 0;
  std::int64_t lease_ms = 0;  // how long the login it is granted may take
};

// The answer.
struct SharedLogin {
  enum class State {
    kLogIn,    // this instance logs in now (it holds the lease) and reports with LoginDone
    kToken,    // another instance's token: use it
    kBlocked,  // logins are held back for this client until `until_ms`
    kWait,     // another instance is logging in; ask again (its lease ends at `until_ms`)
  };
  State state = State::kLogIn;
  std::string sealed_token;   // kToken
  std::int64_t until_ms = 0;  // kToken: expiry; kBlocked: next login; kWait: end of the lease
  int block_kind = 0;         // kBlocked: delivery::TokenError::Kind
  int block_status = 0;       // kBlocked: HTTP status, 0 for none
  std::string block_reason;   // kBlocked: short, secret-free ("HTTP 401")
};

// What the instance that logged in learned: a token, or a block.
struct LoginDone {
  std::string facility;
  std::string credentials;
  std::string sealed_token;  // empty: a block
  std::string token_hash;
  std::int64_t expires_at_ms = 0;
  int block_kind = 0;
  int block_status = 0;
  std::string block_reason;
  std::int64_t blocked_until_ms = 0;
};

}  // namespace ilp::gateway::store
