#pragma once
// The per-installation pseudonym key file (docs/security.md): 32 random bytes, mode 0600,
// beside the store. Created at first start, read at every later one; never rotated here.

#include <string>

#include "mappers/pseudonym.hpp"

namespace ilp::gateway::store {

struct PseudonymKeyFile {
  mappers::PseudonymKey key{};
  bool created = false;  // this call made the file (a first start, or the file was removed)
};

// Reads the key at `path`, or creates it when there is no file there: written to a temporary
// file, fsynced and linked into place, so a crash never leaves a short key behind and two
// processes starting at once end up with the same one. An empty path (":memory:" stores)
// gives a key of this process only. Throws std::runtime_error, naming the path and the fix,
// when the file is not a regular file, cannot be read, is not exactly 32 bytes, or is
// readable by group or others.
PseudonymKeyFile open_pseudonym_key(const std::string& path);

// The key for the store at `sqlite_path`: as open_pseudonym_key(), except that a missing key is
// not made anew for a store that already holds records pseudonymised with a key (schema 4 or
// later). A new key would silently end per-patient order and idempotency for what is queued, so
// this throws, naming the key and the choice IT staff have: restore it from the store's backup,
// or create a new one on purpose (docs/security.md).
PseudonymKeyFile open_store_pseudonym_key(const std::string& key_path,
                                          const std::string& sqlite_path);

}  // namespace ilp::gateway::store
