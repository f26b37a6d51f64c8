#include "tests/simulator/patient_registry.hpp"

#include <cctype>

#include "mappers/json.hpp"
#include "tests/simulator/fhir_json.hpp"
#include "tests/simulator/master_data.hpp"
#include "tests/simulator/rule_sink.hpp"
#include "tests/simulator/searchset.hpp"

namespace ilp::sim {
namespace {

using mappers::member;
using mappers::string_member;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string self_url(const FhirRequest& r) {
  const auto path = r.http.target();
  const auto pos = path.find("/fhir-r4/v1");
  return r.fhir_base + std::string(pos == std::string_view::npos
                                       ? path
                                       : path.substr(pos + std::string_view("/fhir-r4/v1").size()));
}

std::string_view patient_name(const Value& p) {
  const auto* names = member(p, "name");
  if (names == nullptr || !names->IsArray() || names->Empty()) return {};
  return string_member((*names)[0], "text").value_or("");
}

int birth_order(const Value& p) {
  const auto* m = member(p, "multipleBirthInteger");
  return m != nullptr && m->IsInt() ? m->GetInt() : 1;
}

}  // namespace

gateway::http::Response PatientRegistry::search(const FhirRequest& r, std::string_view type) const {
  const auto& q = r.target.query;
  if (q.empty()) {
    return issue_response(400, "error", "required", "a search parameter is required");
  }
  const std::string* identifier = r.target.param("identifier");
  if (identifier == nullptr) {
    if (type == "Patient") return search_patients_by_demographics(r);
    return issue_response(400, "error", "not-supported",
                          "Practitioner search supports identifier=system|value only");
  }
  if (q.size() != 1) {
    return issue_response(400, "error", "not-supported",
                          "identifier cannot be combined with other search parameters");
  }
  const auto bar = identifier->find('|');
  const std::string system = bar == std::string::npos ? std::string() : identifier->substr(0, bar);
  const std::string value = bar == std::string::npos ? *identifier : identifier->substr(bar + 1);
  std::vector<rapidjson::Document> masked;
  std::vector<const Value*> found;
  const auto hits = store_.by_identifier(type, system, value);
  masked.reserve(hits.size());
  for (const auto* hit : hits) {
    // A search answers a partial view with the NIK masked (reference §3.3 sample).
    if (type == "Patient") {
      masked.push_back(masked_patient(hit->doc));
      found.push_back(&masked.back());
    } else {
      found.push_back(&hit->doc);
    }
  }
  return json_response(200, searchset_json(found, r.fhir_base, self_url(r)));
}

gateway::http::Response PatientRegistry::search_patients_by_demographics(
    const FhirRequest& r) const {
  std::string nik, name, birthdate, gender;
  for (const auto& [k, v] : r.target.query) {
    if (k == "nik") {
      nik = v;
    } else if (k == "name") {
      name = lower(v);
    } else if (k == "birthdate") {
      birthdate = v;
    } else if (k == "gender") {
      gender = v;
    } else {
      return issue_response(400, "error", "not-supported",
                            "unsupported Patient search parameter \"" + k + "\"");
    }
  }
  // The documented variants: name+birthdate+nik and name+birthdate+gender (reference §3.3).
  if (name.empty() || birthdate.empty() || (nik.empty() && gender.empty())) {
    return issue_response(400, "error", "required",
                          "search by name and birthdate also needs nik or gender");
  }
  std::vector<const Value*> found;
  for (const auto* p : store_.all_of_type("Patient")) {
    const auto& doc = p->doc;
    if (lower(patient_name(doc)).find(name) == std::string::npos) continue;
    if (str_or(doc, "birthDate").rfind(birthdate, 0) != 0) continue;
    if (!gender.empty() && str_or(doc, "gender") != gender) continue;
    if (!nik.empty()) {
      bool match = false;
      for (const auto& id : identifiers(doc))
        match = match || (id.system == kNikSystem && id.value == nik);
      if (!match) continue;
    }
    found.push_back(&doc);
  }
  return json_response(200, searchset_json(found, r.fhir_base, self_url(r)));
}

gateway::http::Response PatientRegistry::create(const FhirRequest& r,
                                                const rapidjson::Value& body) {
  Validator validator(r.rules);
  auto outcome = validator.check(body, "Patient", "Patient");
  RuleSink sink("Patient");
  std::string nik, mother_nik;
  for (const auto& id : identifiers(body)) {
    if (id.system == kNikSystem) nik = id.value;
    if (id.system == kNikIbuSystem) mother_nik = id.value;
  }
  if (nik.empty() && mother_nik.empty()) {
    sink.add(family::kElementNotFound, 0, "identifier",
             "Patient.identifier needs a NIK (" + std::string(kNikSystem) +
                 ") or the mother's NIK (" + std::string(kNikIbuSystem) + ")");
  }
  if (patient_name(body).empty()) {
    sink.add(family::kElementNotFound, 10168, "name", "name.text must not be empty");
  }
  const auto* address = member(body, "address");
  if (address == nullptr || !address->IsArray() || address->Empty()) {
    sink.add(family::kElementNotFound, 10333, "address", "address is mandatory");
  }
  if (!mother_nik.empty()) {
    const auto* m = member(body, "multipleBirthInteger");
    if (m == nullptr || m->IsNull()) {
      sink.add(family::kElementNotFound, 10167, "multipleBirthInteger",
               "multipleBirthInteger is mandatory for a newborn");
    } else if (!m->IsInt()) {
      sink.add(family::kInteger, 10167, "multipleBirthInteger",
               "multipleBirthInteger must be an integer");
    }
  }
  if (!string_member(body, "birthDate")) {
    sink.add(family::kElementNotFound, 0, "birthDate", "birthDate is mandatory");
  }
  const auto gender = string_member(body, "gender");
  if (!gender) {
    sink.add(family::kElementNotFound, 0, "gender", "gender is mandatory");
  } else if (*gender != "male" && *gender != "female" && *gender != "other" &&
             *gender != "unknown") {
    sink.add(family::kCodeNotFound, 0, "gender",
             "\"" + std::string(*gender) + "\" is not a gender");
  }
  outcome.append(sink.outcome());
  if (outcome.empty()) {
    // The same person twice: an existing NIK, or the same mother, birth date and birth order.
    bool duplicate = false;
    if (!nik.empty()) {
      duplicate = !store_.by_identifier("Patient", kNikSystem, nik).empty();
    } else {
      for (const auto* p : store_.by_identifier("Patient", kNikIbuSystem, mother_nik)) {
        duplicate = duplicate || (str_or(p->doc, "birthDate") == str_or(body, "birthDate") &&
                                  birth_order(p->doc) == birth_order(body));
      }
    }
    if (duplicate) {
      RuleSink dup("Patient");
      dup.add(family::kDuplicate, 0, "identifier", "this patient is already registered");
      outcome.append(dup.outcome());
    }
  }
  if (!outcome.empty()) return outcome_response(is_forbidden(outcome) ? 403 : 400, outcome);

  std::string ihs = ids_.patient_ihs();
  while (store_.exists("Patient", ihs)) ihs = ids_.patient_ihs();
  StoredResource rec;
  rec.type = "Patient";
  rec.id = ihs;
  rec.doc.CopyFrom(body, rec.doc.GetAllocator());
  auto& a = rec.doc.GetAllocator();
  // The index adds the IHS number as the first identifier, as in its search answers.
  auto ids_it = rec.doc.FindMember("identifier");
  if (ids_it != rec.doc.MemberEnd() && ids_it->value.IsArray()) {
    Value ihs_id(rapidjson::kObjectType);
    ihs_id.AddMember("system", json_str(kIhsSystem, a), a);
    ihs_id.AddMember("use", "official", a);
    ihs_id.AddMember("value", json_str(ihs, a), a);
    Value list(rapidjson::kArrayType);
    list.PushBack(ihs_id, a);
    for (auto& id : ids_it->value.GetArray()) list.PushBack(Value(id, a), a);
    ids_it->value = list;
  }
  if (!rec.doc.HasMember("active")) rec.doc.AddMember("active", true, a);
  const auto v = ids_.next_version();
  rec.version_id = v.id;
  rec.last_updated = v.last_updated;
  stamp(rec.doc, ihs, v.id, v.last_updated);
  const auto& stored = store_.put(std::move(rec));

  const std::string location = r.fhir_base + "/Patient/" + ihs + "/_history/" + v.id;
  if (answer_shape_ == PatientCreateResponse::kFhir) {
    return resource_response(201, mappers::to_json(stored.doc), location, v.id);
  }
  // What SATUSEHAT answers in practice (reference §3.3, observed by peers).
  const std::string data = "{\"success\":true,\"data\":{\"patient_id\":\"" + ihs + "\"}}";
  return resource_response(201, mother_nik.empty() ? data : "{\"create_patient\":" + data + "}",
                           location, v.id);
}

}  // namespace ilp::sim
