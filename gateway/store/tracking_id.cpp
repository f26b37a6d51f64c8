#include "gateway/store/tracking_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace ilp::gateway::store {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kLength = 26;

// Writes `count` base32 digits of `value` (most significant first) at out[0..count).
void encode(std::uint64_t value, char* out, int count) {
  for (int i = count - 1; i >= 0; --i) {
    out[i] = kCrockford[value & 31U];
    value >>= 5;
  }
}

}  // namespace

std::string new_tracking_id(std::int64_t now_ms) {
  std::array<unsigned char, 10> rnd{};
  if (RAND_bytes(rnd.data(), static_cast<int>(rnd.size())) != 1) {
    throw std::runtime_error("no randomness available for tracking ids");
  }
  std::string id(kLength, '0');
  const auto ms = static_cast<std::uint64_t>(now_ms < 0 ? 0 : now_ms) & ((1ULL << 48) - 1);
  encode(ms, id.data(), 10);  // 50 bits, the top two are zero
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  for (int i = 0; i < 5; ++i) hi = (hi << 8) | rnd[i];
  for (int i = 5; i < 10; ++i) lo = (lo << 8) | rnd[i];
  encode(hi, id.data() + 10, 8);  // 40 bits each
  encode(lo, id.data() + 18, 8);
  return id;
}

bool is_tracking_id(const std::string& s) {
  if (s.size() != kLength || s[0] > '7') return false;
  for (const char c : s) {
    bool found = false;
    for (const char* p = kCrockford; *p != '\0'; ++p) found = found || *p == c;
    if (!found) return false;
  }
  return true;
}

}  // namespace ilp::gateway::store
