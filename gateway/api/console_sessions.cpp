#include "gateway/api/console_sessions.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace ilp::gateway::api {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    throw std::runtime_error("no random bytes for a console session");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

ConsoleSessions::ConsoleSessions(const Clock& clock, Options options)
    : clock_(clock), options_(options) {}

std::int64_t ConsoleSessions::expiry(const ConsoleSession& s) const {
  return std::min(s.last_ms + options_.idle_ms, s.created_ms + options_.absolute_ms);
}

void ConsoleSessions::forget_expired(std::int64_t now) {
  std::erase_if(sessions_, [&](const auto& kv) { return expiry(kv.second) <= now; });
}

ConsoleSession ConsoleSessions::open() {
  const auto now = clock_.now_ms();
  ConsoleSession s;
  s.id = random_hex(32);
  s.csrf = random_hex(32);
  s.handle = random_hex(4);
  s.created_ms = now;
  s.last_ms = now;
  s.expires_ms = expiry(s);
  std::lock_guard lock(mu_);
  forget_expired(now);
  if (sessions_.size() >= options_.max_sessions) {
    const auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.created_ms < b.second.created_ms;
    });
    sessions_.erase(oldest);
  }
  sessions_.emplace(s.id, s);
  return s;
}

std::optional<ConsoleSession> ConsoleSessions::touch(std::string_view id) {
  const auto now = clock_.now_ms();
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return std::nullopt;
  if (expiry(it->second) <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_ms = now;
  it->second.expires_ms = expiry(it->second);
  return it->second;
}

bool ConsoleSessions::close(std::string_view id) {
  std::lock_guard lock(mu_);
  return sessions_.erase(std::string(id)) > 0;
}

}  // namespace ilp::gateway::api
