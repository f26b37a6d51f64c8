#pragma once
// A facility's access token as the instances of a hub keep it in their shared database
// (docs/hub.md "Logins"): sealed with AES-256-GCM under a key derived from the facility's own
// client_id and client_secret. A database dump, a backup or a replica therefore holds no usable
// bearer token; only an instance configured with the facility's credentials can open it, and
// a token sealed under old credentials simply fails to open after a secret is changed.

#include <optional>
#include <string>
#include <string_view>

namespace ilp::gateway::delivery {

// Lowercase hex of nonce (12 bytes) | tag (16 bytes) | ciphertext. A fresh random nonce per
// call. Throws std::runtime_error only if OpenSSL fails (no randomness).
std::string seal_token(std::string_view token, std::string_view client_id,
                       std::string_view client_secret);

// The token, or nullopt when `sealed` is malformed, tampered with or sealed under other
// credentials.
std::optional<std::string> open_token(std::string_view sealed, std::string_view client_id,
                                      std::string_view client_secret);

}  // namespace ilp::gateway::delivery
