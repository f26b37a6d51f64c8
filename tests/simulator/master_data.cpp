#include "tests/simulator/master_data.hpp"

#include "mappers/json.hpp"
#include "tests/simulator/fhir_json.hpp"

namespace ilp::sim {
namespace {

constexpr const char* kProfileBase = "https://fhir.kemkes.go.id/r4/StructureDefinition/";

void add_meta(rapidjson::Document& d, const std::string& type, const Version& v) {
  auto& a = d.GetAllocator();
  Value meta(rapidjson::kObjectType);
  meta.AddMember("lastUpdated", json_str(v.last_updated, a), a);
  Value profile(rapidjson::kArrayType);
  profile.PushBack(json_str(std::string(kProfileBase) + type, a), a);
  meta.AddMember("profile", profile, a);
  meta.AddMember("versionId", json_str(v.id, a), a);
  d.AddMember("meta", meta, a);
}

Value identifier(std::string_view system, std::string_view value, Alloc& a) {
  Value id(rapidjson::kObjectType);
  id.AddMember("system", json_str(system, a), a);
  id.AddMember("use", "official", a);
  id.AddMember("value", json_str(value, a), a);
  return id;
}

Value name_of(std::string_view text, Alloc& a) {
  Value names(rapidjson::kArrayType);
  Value n(rapidjson::kObjectType);
  n.AddMember("text", json_str(text, a), a);
  n.AddMember("use", "official", a);
  names.PushBack(n, a);
  return names;
}

StoredResource stored(std::string type, std::string id, const Version& v) {
  StoredResource r;
  r.type = std::move(type);
  r.id = std::move(id);
  r.version_id = v.id;
  r.last_updated = v.last_updated;
  r.doc.SetObject();
  auto& a = r.doc.GetAllocator();
  r.doc.AddMember("resourceType", json_str(r.type, a), a);
  r.doc.AddMember("id", json_str(r.id, a), a);
  return r;
}

StoredResource organization(const SeedOrganization& o, const Version& v) {
  auto r = stored("Organization", o.id, v);
  auto& a = r.doc.GetAllocator();
  r.doc.AddMember("active", true, a);
  r.doc.AddMember("name", json_str(o.name, a), a);
  add_meta(r.doc, "Organization", v);
  return r;
}

StoredResource location(const SeedOrganization& o, const SeedLocation& l, const Version& v) {
  auto r = stored("Location", l.id, v);
  auto& a = r.doc.GetAllocator();
  Value ids(rapidjson::kArrayType);
  ids.PushBack(identifier(std::string(kSysIds) + "location/" + o.id, l.id, a), a);
  r.doc.AddMember("identifier", ids, a);
  r.doc.AddMember("status", "active", a);
  r.doc.AddMember("name", json_str(l.name, a), a);
  r.doc.AddMember("mode", "instance", a);
  Value org(rapidjson::kObjectType);
  org.AddMember("reference", json_str("Organization/" + o.id, a), a);
  r.doc.AddMember("managingOrganization", org, a);
  add_meta(r.doc, "Location", v);
  return r;
}

StoredResource practitioner(const SeedPractitioner& p, const Version& v) {
  auto r = stored("Practitioner", p.ihs, v);
  auto& a = r.doc.GetAllocator();
  r.doc.AddMember("active", true, a);
  Value ids(rapidjson::kArrayType);
  ids.PushBack(identifier(kNakesSystem, p.ihs, a), a);
  ids.PushBack(identifier(kNikSystem, p.nik, a), a);
  r.doc.AddMember("identifier", ids, a);
  r.doc.AddMember("name", name_of(p.name, a), a);
  add_meta(r.doc, "Practitioner", v);
  return r;
}

}  // namespace

StoredResource patient_resource(const SeedPatient& p, const Version& v) {
  auto r = stored("Patient", p.ihs, v);
  auto& a = r.doc.GetAllocator();
  r.doc.AddMember("active", true, a);
  Value ids(rapidjson::kArrayType);
  ids.PushBack(identifier(kIhsSystem, p.ihs, a), a);
  if (!p.nik.empty()) ids.PushBack(identifier(kNikSystem, p.nik, a), a);
  if (!p.mother_nik.empty()) ids.PushBack(identifier(kNikIbuSystem, p.mother_nik, a), a);
  r.doc.AddMember("identifier", ids, a);
  r.doc.AddMember("name", name_of(p.name, a), a);
  r.doc.AddMember("gender", json_str(p.gender, a), a);
  r.doc.AddMember("birthDate", json_str(p.birth_date, a), a);
  add_meta(r.doc, "Patient", v);
  return r;
}

rapidjson::Document masked_patient(const rapidjson::Value& patient) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  for (const char* key : {"resourceType", "id", "active"}) {
    if (const auto* v = mappers::member(patient, key))
      out.AddMember(json_str(key, a), Value(*v, a), a);
  }
  Value ids(rapidjson::kArrayType);
  for (const auto& id : identifiers(patient)) {
    const bool nik = id.system == kNikSystem || id.system == kNikIbuSystem;
    ids.PushBack(identifier(id.system, nik ? std::string(id.value.size(), '#') : id.value, a), a);
  }
  out.AddMember("identifier", ids, a);
  for (const char* key : {"meta", "name"}) {
    if (const auto* v = mappers::member(patient, key))
      out.AddMember(json_str(key, a), Value(*v, a), a);
  }
  return out;
}

std::vector<StoredResource> seed_resources(const Seed& seed, IdGenerator& ids) {
  std::vector<StoredResource> out;
  for (const auto& o : seed.organizations) {
    out.push_back(organization(o, ids.next_version()));
    for (const auto& l : o.locations) out.push_back(location(o, l, ids.next_version()));
  }
  for (const auto& p : seed.patients) out.push_back(patient_resource(p, ids.next_version()));
  for (const auto& p : seed.practitioners) out.push_back(practitioner(p, ids.next_version()));
  return out;
}

}  // namespace ilp::sim
