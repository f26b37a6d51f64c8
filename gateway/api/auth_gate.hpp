#pragma once
// The throttle on failed authentication (auth_throttle.hpp) as both listeners use it: answers
// 429 before a credential is looked at when the client address has used up its failures, and
// counts, logs (once per block, with the address — never the key) and meters each failure.

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>

#include "gateway/api/auth_throttle.hpp"
#include "gateway/api/http_util.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::api {

class AuthGate {
 public:
  AuthGate(std::string listener, Metrics& metrics, const Clock& clock);

  // A 429 (with Retry-After) when `peer` may not try now; nullopt otherwise.
  std::optional<Response> check(const boost::asio::ip::address& peer, int per_min,
                                mappers::Lang lang);
  // `peer` presented a missing or wrong credential.
  void failed(const boost::asio::ip::address& peer, int per_min);

 private:
  std::string listener_;
  Metrics& metrics_;
  const Clock& clock_;
  AuthThrottle throttle_;
};

}  // namespace ilp::gateway::api
