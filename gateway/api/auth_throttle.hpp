#pragma once
// Failed authentication per client address (API keys on ingest, the admin token on admin):
// a token bucket of `per_min` failures refilled over a minute. An address that has used it up
// is answered 429 with Retry-After, without its key being looked at, until the bucket refills:
// guessing keys costs minutes per handful instead of thousands per second. Everything behind
// the same address (a NAT) shares the bucket; wrong keys from one machine can block its
// neighbours for up to a minute, which IT staff see in the log and in
// ilp_auth_throttled_total. Thread-safe; bounded memory (oldest addresses forgotten first).

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace ilp::gateway::api {

class AuthThrottle {
 public:
  explicit AuthThrottle(std::size_t max_addresses = 10'000) : max_addresses_(max_addresses) {}

  // nullopt: this address may try; otherwise the seconds until it may (>= 1).
  std::optional<std::int64_t> blocked(const std::string& address, std::int64_t now_ms, int per_min);
  // Records one failed attempt. True when this failure used up the bucket (log it once).
  bool failed(const std::string& address, std::int64_t now_ms, int per_min);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
    std::list<std::string>::iterator order;
  };
  Bucket& bucket(const std::string& address, std::int64_t now_ms, int per_min);

  std::mutex mu_;
  std::size_t max_addresses_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;  // most recently failed first
};

}  // namespace ilp::gateway::api
