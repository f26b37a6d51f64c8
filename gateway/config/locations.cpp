#include "gateway/config/locations.hpp"

#include <rapidjson/document.h>

#include <set>

#include "mappers/input_reader.hpp"
#include "mappers/person_blocks.hpp"

namespace ilp::gateway::config {
namespace {

using mappers::Location;

std::optional<Location::Type> parse_type(const std::string& s) {
  if (s.empty() || s == "room") return Location::Type::kRoom;
  if (s == "pustu") return Location::Type::kPustu;
  if (s == "posyandu") return Location::Type::kPosyandu;
  return std::nullopt;
}

// Kemendagri kode wilayah of a desa/kelurahan without dots: 2 province + 2 regency + 2 district
// + 4 village digits ("3204012001"); PWS counts per this code, so a dotted or short one would
// split a village in two.
bool is_village_code(const std::string& s) {
  if (s.size() != 10) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The block is checked by the same reader as a record's `practitioner`, so a fallback that
// loads here is one the mapping accepts: a 16-digit NIK or an IHS number, and a name.
void read_practitioner(Reader& r, const YAML::Node& n, Location& loc, const std::string& where) {
  r.known_keys(n, {"nik", "ihs_number", "name"}, "locations[].practitioner");
  if (!n.IsMap()) return;
  mappers::LocationPractitioner p;
  r.str(n, "nik", p.nik, where);
  r.str(n, "ihs_number", p.ihs_number, where);
  r.str(n, "name", p.name, where);
  rapidjson::Document block(rapidjson::kObjectType);
  auto& a = block.GetAllocator();
  const auto put = [&](const char* key, const std::string& v) {
    if (!v.empty())
      block.AddMember(rapidjson::StringRef(key), rapidjson::StringRef(v.c_str(), v.size()), a);
  };
  put("nik", p.nik);
  put("ihs_number", p.ihs_number);
  put("name", p.name);
  mappers::Outcome problems;
  mappers::InputReader in(problems);
  mappers::read_practitioner_block(in, block, "practitioner");
  for (const auto& issue : problems.issues) {
    r.problem(n, where + "location " + loc.code + ": " + issue.expression + ": " + issue.text.en);
  }
  if (problems.empty()) loc.practitioner = std::move(p);
}

// Every part_of chain must end at a location without one; walking more steps than there are
// locations means it came back on itself.
void check_part_of(Reader& r, const YAML::Node& list, const mappers::Facility& f,
                   const std::string& where) {
  for (std::size_t i = 0; i < f.locations.size(); ++i) {
    const auto& loc = f.locations[i];
    if (loc.part_of.empty()) continue;
    const auto at = child(list[i], "part_of");
    if (f.location(loc.part_of) == nullptr) {
      r.problem(at, where + "location " + loc.code + ": part_of " + loc.part_of +
                        " is not a location of this facility");
      continue;
    }
    const Location* step = &loc;
    std::size_t hops = 0;
    while (step != nullptr && !step->part_of.empty() && hops <= f.locations.size()) {
      step = f.location(step->part_of);
      ++hops;
    }
    if (hops > f.locations.size()) {
      r.problem(at, where + "location " + loc.code +
                        ": part_of goes round in a circle (a location cannot be inside itself)");
    }
  }
}

}  // namespace

void read_locations(Reader& r, const YAML::Node& list, mappers::Facility& f,
                    const std::string& where) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) return r.problem(list, where + "locations must be a list");
  for (const auto& ln : list) {
    r.known_keys(ln, {"code", "id", "name", "type", "village_code", "part_of", "practitioner"},
                 "locations[]");
    Location loc;
    std::string type;
    r.str(ln, "code", loc.code, "");
    r.str(ln, "id", loc.id, "");
    r.str(ln, "name", loc.name, "");
    r.str(ln, "type", type, "");
    r.str(ln, "village_code", loc.village_code, "");
    r.str(ln, "part_of", loc.part_of, "");
    const std::string at = where + "location " + loc.code + ": ";
    if (loc.code.empty() || loc.id.empty()) {
      r.problem(ln, where + "each location needs code and id");
    } else if (f.location(loc.code)) {
      r.problem(ln, where + "location code " + loc.code + " used twice");
    }
    if (auto t = parse_type(type)) {
      loc.type = *t;
    } else {
      r.problem(child(ln, "type"), at + "type must be room, pustu or posyandu");
    }
    if (!loc.village_code.empty() && !is_village_code(loc.village_code)) {
      r.problem(child(ln, "village_code"),
                at + "village_code must be the 10-digit Kemendagri code of the desa/kelurahan "
                     "without dots (e.g. \"3204012001\")");
    }
    const bool village_post = loc.type != Location::Type::kRoom;
    if (village_post && loc.village_code.empty()) {
      r.problem(ln, at + std::string(to_string(loc.type)) +
                        " needs village_code (the village it serves; PWS counts by it)");
    }
    const auto pn = child(ln, "practitioner");
    if (pn.IsDefined() && !pn.IsNull()) {
      if (!village_post) {
        r.problem(pn, at + "only a pustu or posyandu has a practitioner (records from a room "
                           "always name their own)");
      } else {
        read_practitioner(r, pn, loc, where);
      }
    } else if (loc.type == Location::Type::kPosyandu) {
      r.problem(ln, at + "a posyandu needs practitioner (the bidan desa who supervises it): kader "
                         "are not registered in SATUSEHAT, and every Encounter needs a health "
                         "worker (rule 10119)");
    }
    f.locations.push_back(std::move(loc));
  }
  check_part_of(r, list, f, where);
}

}  // namespace ilp::gateway::config
