#include "tests/simulator/seed.hpp"

#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <stdexcept>

#include "mappers/datetime.hpp"
#include "mappers/json.hpp"

namespace ilp::sim {
namespace {

using rapidjson::Value;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error("seed: " + where + ": " + what);
}

// Seeds are written by hand; a misspelt key would silently drop data, so it is an error.
void only_keys(const Value& obj, const std::string& where,
               std::initializer_list<const char*> keys) {
  if (!obj.IsObject()) fail(where, "must be an object");
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    bool known = false;
    for (const char* k : keys) known = known || it->name.GetString() == std::string_view(k);
    if (!known) fail(where, std::string("unknown key \"") + it->name.GetString() + "\"");
  }
}

std::string text(const Value& obj, const char* key, const std::string& where, bool required) {
  const auto* v = mappers::member(obj, key);
  if (v == nullptr) {
    if (required) fail(where, std::string("missing \"") + key + "\"");
    return {};
  }
  if (!v->IsString() || v->GetStringLength() == 0) {
    fail(where, std::string("\"") + key + "\" must be a non-empty string");
  }
  return v->GetString();
}

const Value& array(const Value& root, const char* key) {
  static const Value kEmpty(rapidjson::kArrayType);
  const auto* v = mappers::member(root, key);
  if (v == nullptr) return kEmpty;
  if (!v->IsArray()) fail(key, "must be an array");
  return *v;
}

bool is_nik(std::string_view s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

const SeedOrganization* Seed::organization_of_client(std::string_view client_id) const {
  for (const auto& o : organizations) {
    if (o.client_id == client_id) return &o;
  }
  return nullptr;
}

Seed parse_seed(std::string_view json) {
  rapidjson::Document doc;
  if (auto err = mappers::parse_json_strict(json, doc)) fail("JSON", err->message);
  only_keys(doc, "top level", {"organizations", "patients", "practitioners"});
  Seed seed;
  std::set<std::string> org_ids, client_ids, location_ids, ihs_ids, niks, nakes_ids;

  const auto& orgs = array(doc, "organizations");
  for (rapidjson::SizeType i = 0; i < orgs.Size(); ++i) {
    const std::string where = "organizations[" + std::to_string(i) + "]";
    const auto& o = orgs[i];
    only_keys(o, where, {"id", "name", "client_id", "client_secret", "locations"});
    SeedOrganization org{text(o, "id", where, true),
                         text(o, "name", where, true),
                         text(o, "client_id", where, true),
                         text(o, "client_secret", where, true),
                         {}};
    if (!org_ids.insert(org.id).second) fail(where, "duplicate id " + org.id);
    if (!client_ids.insert(org.client_id).second) fail(where, "duplicate client_id");
    const auto& locs = array(o, "locations");
    for (rapidjson::SizeType j = 0; j < locs.Size(); ++j) {
      const std::string lw = where + ".locations[" + std::to_string(j) + "]";
      only_keys(locs[j], lw, {"id", "name"});
      SeedLocation loc{text(locs[j], "id", lw, true), text(locs[j], "name", lw, true)};
      if (!location_ids.insert(loc.id).second) fail(lw, "duplicate id " + loc.id);
      org.locations.push_back(std::move(loc));
    }
    seed.organizations.push_back(std::move(org));
  }

  const auto& patients = array(doc, "patients");
  for (rapidjson::SizeType i = 0; i < patients.Size(); ++i) {
    const std::string where = "patients[" + std::to_string(i) + "]";
    const auto& p = patients[i];
    only_keys(p, where, {"nik", "mother_nik", "ihs", "name", "birth_date", "gender"});
    SeedPatient pat{text(p, "nik", where, false),       text(p, "mother_nik", where, false),
                    text(p, "ihs", where, true),        text(p, "name", where, true),
                    text(p, "birth_date", where, true), text(p, "gender", where, true)};
    if (pat.nik.empty() == pat.mother_nik.empty()) {
      fail(where, "needs exactly one of \"nik\" and \"mother_nik\"");
    }
    if (!pat.nik.empty() && (!is_nik(pat.nik) || !niks.insert(pat.nik).second)) {
      fail(where, "nik must be 16 digits and unique");
    }
    if (!pat.mother_nik.empty() && !is_nik(pat.mother_nik)) {
      fail(where, "mother_nik must be 16 digits");
    }
    if (!mappers::parse_date(pat.birth_date)) fail(where, "birth_date must be YYYY-MM-DD");
    if (pat.gender != "male" && pat.gender != "female") {
      fail(where, "gender must be male or female");
    }
    if (!ihs_ids.insert(pat.ihs).second) fail(where, "duplicate ihs " + pat.ihs);
    seed.patients.push_back(std::move(pat));
  }

  const auto& practitioners = array(doc, "practitioners");
  for (rapidjson::SizeType i = 0; i < practitioners.Size(); ++i) {
    const std::string where = "practitioners[" + std::to_string(i) + "]";
    const auto& p = practitioners[i];
    only_keys(p, where, {"nik", "ihs", "name"});
    SeedPractitioner pr{text(p, "nik", where, true), text(p, "ihs", where, true),
                        text(p, "name", where, true)};
    if (!is_nik(pr.nik)) fail(where, "nik must be 16 digits");
    if (!nakes_ids.insert(pr.ihs).second) fail(where, "duplicate ihs " + pr.ihs);
    seed.practitioners.push_back(std::move(pr));
  }
  return seed;
}

Seed load_seed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("seed: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_seed(text.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace ilp::sim
