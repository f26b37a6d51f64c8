#include "gateway/api/auth_gate.hpp"

#include "gateway/util/log.hpp"

namespace ilp::gateway::api {

AuthGate::AuthGate(std::string listener, Metrics& metrics, const Clock& clock)
    : listener_(std::move(listener)), metrics_(metrics), clock_(clock) {}

std::optional<Response> AuthGate::check(const boost::asio::ip::address& peer, int per_min,
                                        mappers::Lang lang) {
  const auto wait = throttle_.blocked(peer.to_string(), clock_.now_ms(), per_min);
  if (!wait) return std::nullopt;
  metrics_
      .counter("ilp_auth_throttled_total",
               "Requests refused with 429 after too many failed authentications from the address",
               {{"listener", listener_}})
      .inc();
  const auto s = std::to_string(*wait);
  auto res = problem(
      bhttp::status::too_many_requests, mappers::Lang(lang), "throttled", "",
      {"Terlalu banyak percobaan dengan kunci yang salah dari alamat ini. Coba "
       "lagi dalam " +
           s + " detik.",
       "Too many attempts with a wrong key from this address. Try again in " + s + " seconds."});
  res.set(bhttp::field::retry_after, s);
  return res;
}

void AuthGate::failed(const boost::asio::ip::address& peer, int per_min) {
  metrics_
      .counter("ilp_auth_failures_total", "Requests with a missing or wrong key or token",
               {{"listener", listener_}})
      .inc();
  const auto addr = peer.to_string();
  if (throttle_.failed(addr, clock_.now_ms(), per_min)) {
    logger("http")->warn(
        "{}: {} failed authentications within a minute from {}; its requests get 429 for a while",
        listener_, per_min, addr);
  }
}

}  // namespace ilp::gateway::api
