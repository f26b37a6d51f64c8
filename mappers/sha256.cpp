#include "mappers/sha256.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "mappers/json.hpp"

namespace ilp::mappers {
Sha256Digest sha256(std::string_view data) {
  // The digest fetched once and one context per thread: OpenSSL 3's one-shot SHA256() fetches
  // the algorithm from the provider and allocates a context on every call, which costs several
  // times the hashing of a short string (a dozen urn:uuids per mapped record).
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                                            &EVP_MD_CTX_free);
  Sha256Digest out{};
  unsigned int n = 0;
  if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &n) != 1 || n != out.size()) {
    throw std::runtime_error("SHA-256 failed");
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
