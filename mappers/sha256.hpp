#pragma once
// SHA-256 (OpenSSL EVP) for the hashes the gateway compares: record content for idempotency,
// pseudonymous patient keys, name-based urn:uuids.

#include <rapidjson/document.h>

#include <array>
#include <string>
#include <string_view>

namespace ilp::mappers {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest sha256(std::string_view data);

// Lowercase hex, 64 characters.
std::string sha256_hex(std::string_view data);
std::string to_hex(const unsigned char* bytes, std::size_t n);

// Hex SHA-256 of the envelope's compact serialisation with members in parsed order. Two
// submissions compare equal only when they are the same JSON value written in the same key
// order; whitespace does not matter. Idempotency (DESIGN.md §3.1) compares this.
std::string content_hash(const rapidjson::Value& envelope);

}  // namespace ilp::mappers
