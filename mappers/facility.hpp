#pragma once
// A facility as the mappers see it: the gateway fills this from facilities.yaml (DESIGN.md §5)
// and hands it over by const reference; mappers never read config themselves.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ilp::mappers {

// The health worker a pustu or posyandu falls back on (facilities.yaml `locations[].practitioner`):
// the bidan desa who supervises it. Same shape as a record's `practitioner` block.
struct LocationPractitioner {
  std::string nik;         // 16 digits, or empty when ihs_number is given
  std::string ihs_number;  // SATUSEHAT Practitioner id, or empty
  std::string name;
};

// One room or post from the facility's location table (facilities.yaml `locations`).
struct Location {
  // room: inside the puskesmas building; pustu: a village sub-clinic; posyandu: a community
  // post run by kader (DESIGN.md §5). Records from a pustu or posyandu may come without a
  // practitioner; the location's is used.
  enum class Type { kRoom, kPustu, kPosyandu };

  std::string code;  // the facility's own code, as records send it ("POLI-UMUM")
  std::string id;    // SATUSEHAT Location id (a UUID)
  std::string name;  // sent as the reference display
  Type type = Type::kRoom;
  std::string village_code{};  // 10-digit Kemendagri desa/kelurahan code; empty when not given
  std::string part_of{};       // the parent location's code; empty at the top
  std::optional<LocationPractitioner> practitioner{};
};

// "room", "pustu", "posyandu" — as facilities.yaml spells them.
inline std::string_view to_string(Location::Type t) {
  switch (t) {
    case Location::Type::kPustu:
      return "pustu";
    case Location::Type::kPosyandu:
      return "posyandu";
    case Location::Type::kRoom:
      break;
  }
  return "room";
}

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
