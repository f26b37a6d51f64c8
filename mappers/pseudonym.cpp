#include "mappers/pseudonym.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "mappers/sha256.hpp"

namespace ilp::mappers {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  // The one-shot HMAC: a dozen short strings per record at most, no context to keep.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return to_hex(out, n);
}

Pseudonymizer::Pseudonymizer(const PseudonymKey& key) : key_(key) {}

const Pseudonymizer& Pseudonymizer::for_tests() {
  static const Pseudonymizer p([] {
    PseudonymKey k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(i);
    return k;
  }());
  return p;
}

std::string Pseudonymizer::operator()(std::string_view data) const {
  return hmac_sha256_hex({reinterpret_cast<const char*>(key_.data()), key_.size()}, data);
}

}  // namespace ilp::mappers
