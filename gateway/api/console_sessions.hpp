#pragma once
// Sessions of the web console (/console/, DESIGN.md §9.2). Logging in with the admin token
// opens one: a random id that travels only in an HttpOnly, SameSite=Strict cookie, and a
// separate random CSRF token that the page sends back in X-CSRF-Token on every POST (the
// cookie alone never authorises a change). A session ends at logout, after `idle_ms` without
// a request, or `absolute_ms` after login, whichever comes first; times come from the Clock,
// so tests expire sessions without waiting. In memory only: a restart logs everyone out,
// which is the safe side for an admin console. Bounded (the oldest session goes first).
// Thread-safe.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/util/clock.hpp"

namespace ilp::gateway::api {

struct ConsoleSession {
  std::string id;      // the cookie's value (secret)
  std::string csrf;    // X-CSRF-Token (secret, given to the page)
  std::string handle;  // short, not secret: who the audit log says acted
  std::int64_t created_ms = 0;
  std::int64_t last_ms = 0;
  std::int64_t expires_ms = 0;  // when it ends if nothing happens (idle or absolute)
};

class ConsoleSessions {
 public:
  struct Options {
    std::int64_t idle_ms = 30 * 60 * 1000;
    std::int64_t absolute_ms = 12 * 60 * 60 * 1000;
    std::size_t max_sessions = 256;
  };

  explicit ConsoleSessions(const Clock& clock) : ConsoleSessions(clock, Options{}) {}
  ConsoleSessions(const Clock& clock, Options options);

  ConsoleSession open();
  // The live session of `id`, its idle deadline moved on; nullopt when unknown or expired
  // (an expired one is forgotten).
  std::optional<ConsoleSession> touch(std::string_view id);
  // Ends the session; false when there was none.
  bool close(std::string_view id);
  const Options& options() const { return options_; }

 private:
  std::int64_t expiry(const ConsoleSession& s) const;
  void forget_expired(std::int64_t now);

  const Clock& clock_;
  Options options_;
  std::mutex mu_;
  std::unordered_map<std::string, ConsoleSession> sessions_;
};

// 2 × `bytes` hex digits from the OS's CSPRNG (OpenSSL RAND_bytes). Throws when it fails.
std::string random_hex(std::size_t bytes);

}  // namespace ilp::gateway::api
