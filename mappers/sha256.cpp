#include "mappers/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "mappers/json.hpp"

namespace ilp::mappers {
namespace {

// Fetched once: the implicit fetch inside EVP_sha256() costs more than hashing a short string,
// and mapping hashes a dozen short strings per record.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
  Sha256Digest out{};
  unsigned int len = 0;
  const EVP_MD* md = sha256_md();
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 ||
      len != out.size()) {
    // Only a broken OpenSSL installation gets here; an all-zero hash would silently merge
    // unrelated records, so refuse loudly instead.
    throw std::runtime_error("OpenSSL SHA-256 unavailable");
  }
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
