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

}  // namespace ilp::gateway::store
