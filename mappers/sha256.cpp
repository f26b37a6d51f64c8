#include "mappers/sha256.hpp"

#include <openssl/sha.h>

#include <stdexcept>

#include "mappers/json.hpp"

namespace ilp::mappers {
Sha256Digest sha256(std::string_view data) {
  // The one-shot digest: no context allocation, which matters at a dozen short strings per
  // mapped record (urn:uuids).
  Sha256Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return s;
}

std::string sha256_hex(std::string_view data) {
  const auto d = sha256(data);
  return to_hex(d.data(), d.size());
}

std::string content_hash(const rapidjson::Value& envelope) { return sha256_hex(to_json(envelope)); }

}  // namespace ilp::mappers
