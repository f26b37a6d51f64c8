#include "mappers/pseudonym.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <utility>

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

namespace {

using MdCtx = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;

MdCtx new_ctx() {
  MdCtx c(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (c == nullptr) throw std::runtime_error("HMAC-SHA256 failed");
  return c;
}

const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("HMAC-SHA256 failed");
  return md;
}

void check(int ok) {
  if (ok != 1) throw std::runtime_error("HMAC-SHA256 failed");
}

}  // namespace

// RFC 2104 with a key shorter than SHA-256's 64-byte block: H((K ^ opad) || H((K ^ ipad) || m)),
// K zero-padded to the block.
struct Pseudonymizer::Keyed {
  MdCtx inner = new_ctx();
  MdCtx outer = new_ctx();

  explicit Keyed(const PseudonymKey& key) {
    static_assert(kPseudonymKeyBytes <= 64, "longer keys are hashed first (RFC 2104)");
    std::array<unsigned char, 64> pad{};
    for (auto [ctx, byte] : {std::pair{inner.get(), 0x36}, std::pair{outer.get(), 0x5c}}) {
      pad.fill(static_cast<unsigned char>(byte));
      for (std::size_t i = 0; i < key.size(); ++i) pad[i] ^= key[i];
      check(EVP_DigestInit_ex2(ctx, sha256_md(), nullptr));
      check(EVP_DigestUpdate(ctx, pad.data(), pad.size()));
    }
    OPENSSL_cleanse(pad.data(), pad.size());
  }
};

Pseudonymizer::Pseudonymizer(const PseudonymKey& key)
    : key_(key), keyed_(std::make_shared<const Keyed>(key)) {}

const Pseudonymizer& Pseudonymizer::for_tests() {
  static const Pseudonymizer p([] {
    PseudonymKey k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(i);
    return k;
  }());
  return p;
}

std::string Pseudonymizer::operator()(std::string_view data) const {
  thread_local const MdCtx work = new_ctx();
  unsigned char inner[32];
  unsigned char out[32];
  unsigned int n = 0;
  check(EVP_MD_CTX_copy_ex(work.get(), keyed_->inner.get()));
  check(EVP_DigestUpdate(work.get(), data.data(), data.size()));
  check(EVP_DigestFinal_ex(work.get(), inner, &n));
  check(EVP_MD_CTX_copy_ex(work.get(), keyed_->outer.get()));
  check(EVP_DigestUpdate(work.get(), inner, sizeof inner));
  check(EVP_DigestFinal_ex(work.get(), out, &n));
  return to_hex(out, sizeof out);
}

}  // namespace ilp::mappers
