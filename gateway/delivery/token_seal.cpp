#include "gateway/delivery/token_seal.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <vector>

#include "mappers/sha256.hpp"

namespace ilp::gateway::delivery {
namespace {

constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

mappers::Sha256Digest seal_key(std::string_view client_id, std::string_view client_secret) {
  // Length-prefixed so that ("ab","c") and ("a","bc") give different keys.
  std::string material = "ilp-gateway token seal v1\n";
  material += std::to_string(client_id.size()) + ':';
  material += client_id;
  material += client_secret;
  return mappers::sha256(material);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::vector<unsigned char>> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

std::string seal_token(std::string_view token, std::string_view client_id,
                       std::string_view client_secret) {
  const auto key = seal_key(client_id, client_secret);
  std::vector<unsigned char> out(kNonce + kTag + token.size());
  if (RAND_bytes(out.data(), static_cast<int>(kNonce)) != 1) {
    throw std::runtime_error("no randomness for the token seal");
  }
  Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), out.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data() + kNonce + kTag, &len,
                        reinterpret_cast<const unsigned char*>(token.data()),
                        static_cast<int>(token.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kNonce + kTag + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTag),
                          out.data() + kNonce) != 1) {
    throw std::runtime_error("OpenSSL could not seal the token");
  }
  return mappers::to_hex(out.data(), out.size());
}

std::optional<std::string> open_token(std::string_view sealed, std::string_view client_id,
                                      std::string_view client_secret) {
  auto bytes = from_hex(sealed);
  if (!bytes || bytes->size() < kNonce + kTag) return std::nullopt;
  const auto key = seal_key(client_id, client_secret);
  const std::size_t n = bytes->size() - kNonce - kTag;
  std::string plain(n, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  unsigned char* p = reinterpret_cast<unsigned char*>(plain.data());
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes->data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), p, &len, bytes->data() + kNonce + kTag, static_cast<int>(n)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTag),
                          bytes->data() + kNonce) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), p + len, &len) != 1) {
    return std::nullopt;  // the tag does not match: other credentials, or altered
  }
  return plain;
}

}  // namespace ilp::gateway::delivery
