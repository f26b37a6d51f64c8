#pragma once
// Tracking ids: what a facility system gets back for a record and uses in status URLs.

#include <cstdint>
#include <string>

namespace ilp::gateway::store {

// A 26-character ULID: 48-bit milliseconds since the epoch then 80 random bits from the OS
// CSPRNG, in Crockford base32 (0-9, A-Z without I L O U). Lexicographic order is time order;
// the random part makes ids unique and not guessable. Throws std::runtime_error when no
// randomness is available.
std::string new_tracking_id(std::int64_t now_ms);

// True for strings of the shape new_tracking_id() produces.
bool is_tracking_id(const std::string& s);

}  // namespace ilp::gateway::store
