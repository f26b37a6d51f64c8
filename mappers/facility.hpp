#pragma once
// A facility as the mappers see it: the gateway fills this from facilities.yaml (DESIGN.md §5)
// and hands it over by const reference; mappers never read config themselves.

#include <string>
#include <string_view>
#include <vector>

namespace ilp::mappers {

// One room or post from the facility's location table (facilities.yaml `locations`).
struct Location {
  std::string code;  // the facility's own code, as records send it ("POLI-UMUM")
  std::string id;    // SATUSEHAT Location id (a UUID)
  std::string name;  // sent as the reference display
};

struct Facility {
  std::string key;              // the envelope's "facility" ("pkm-sukamaju")
  std::string name;             // "Puskesmas Sukamaju", for messages
  std::string organization_id;  // SATUSEHAT Organization id; also the identifier system suffix
  std::string timezone;         // Asia/Jakarta | Asia/Makassar | Asia/Jayapura
  int utc_offset_minutes = 0;   // of `timezone`; local times in records use it
  std::vector<Location> locations;

  // nullptr when `code` is not in the table. Tables are a handful of rows, so a scan is fine.
  const Location* location(std::string_view code) const {
    for (const auto& l : locations) {
      if (l.code == code) return &l;
    }
    return nullptr;
  }
};

}  // namespace ilp::mappers
