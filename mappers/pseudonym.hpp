#pragma once
// Keyed pseudonyms for person identifiers (NIK, IHS number, mother's NIK): HMAC-SHA256 with a
// per-installation key. A bare SHA-256 of a NIK is no pseudonym: the ~10^10 NIKs are hashed
// through in minutes. With the key kept beside the store (gateway/store/pseudonym_key.hpp),
// a copy of the database alone gives nothing back.
//
// Pure like the rest of mappers/: the key comes in, nothing global.

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace ilp::mappers {

inline constexpr std::size_t kPseudonymKeyBytes = 32;  // SHA-256's block-half: full strength
using PseudonymKey = std::array<unsigned char, kPseudonymKeyBytes>;

// Lowercase hex HMAC-SHA256 of `data` under an arbitrary-length key (64 characters).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// What a FHIR pass-through record id pseudonymises for a person identifier (NIK, IHS number):
// the system is part of it, so one number under two systems gives two ids.
inline std::string person_record_id_input(std::string_view system, std::string_view value) {
  std::string s = "record-id:";
  s += system;
  s += '|';
  s += value;
  return s;
}

class Pseudonymizer {
 public:
  explicit Pseudonymizer(const PseudonymKey& key);
  // For tests and tools that need no secrecy (fixed, public key).
  static const Pseudonymizer& for_tests();

  // Lowercase hex HMAC-SHA256 of `data` (64 characters), the same as hmac_sha256_hex(key, data).
  // Thread-safe: the keyed state is read-only after construction.
  std::string operator()(std::string_view data) const;

 private:
  struct Keyed;
  PseudonymKey key_;
  // SHA-256 states with the key's inner and outer pads already absorbed, built once: HMAC()
  // fetched the digest and hashed both pads again on every call.
  std::shared_ptr<const Keyed> keyed_;
};

}  // namespace ilp::mappers
