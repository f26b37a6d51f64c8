#pragma once
// The hub's shared logins (store/shared_login.hpp) as the token cache sees them: awaitables on
// the delivery executor. AsyncStore implements it over the store; unit tests fake it.

#include <optional>

#include "gateway/delivery/coro.hpp"
#include "gateway/store/shared_login.hpp"

namespace ilp::gateway::delivery {

class LoginShare {
 public:
  virtual ~LoginShare() = default;
  // nullopt: the shared state is unreachable; the caller logs in on its own.
  virtual net::awaitable<std::optional<store::SharedLogin>> login_begin(store::LoginAsk ask) = 0;
  virtual net::awaitable<bool> login_done(store::LoginDone result) = 0;
};

}  // namespace ilp::gateway::delivery
