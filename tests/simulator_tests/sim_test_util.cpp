#include "tests/simulator_tests/sim_test_util.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>

#include "mappers/datetime.hpp"
#include "mappers/json.hpp"

namespace ilp::simtest {
namespace {

std::string subst(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars) {
    for (auto p = text.find(k); p != std::string::npos; p = text.find(k, p + v.size())) {
      text.replace(p, k.size(), v);
    }
  }
  return text;
}

// The examples of reference §4, trimmed to what the rules need, with the seed's ids.
const std::map<std::string, std::string, std::less<>>& templates() {
  static const std::map<std::string, std::string, std::less<>> kTemplates = {
      {"Encounter", R"({"resourceType":"Encounter",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/encounter/{org}","value":"{tag}"}],
 "status":"finished",
 "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB","display":"ambulatory"},
 "subject":{"reference":"Patient/P02478375538","display":"Budi Santoso"},
 "participant":[{"type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"ATND","display":"attender"}]}],
                 "individual":{"reference":"Practitioner/N10000001","display":"dr. Andi Wijaya"}}],
 "period":{"start":"2024-03-01T01:00:00+00:00","end":"2024-03-01T02:00:00+00:00"},
 "location":[{"location":{"reference":"Location/{loc}","display":"Poli Umum"}}],
 "statusHistory":[
   {"status":"arrived","period":{"start":"2024-03-01T01:00:00+00:00","end":"2024-03-01T01:10:00+00:00"}},
   {"status":"in-progress","period":{"start":"2024-03-01T01:10:00+00:00","end":"2024-03-01T02:00:00+00:00"}},
   {"status":"finished","period":{"start":"2024-03-01T02:00:00+00:00","end":"2024-03-01T02:00:00+00:00"}}],
 "serviceProvider":{"reference":"Organization/{org}"}})"},
      {"Condition", R"({"resourceType":"Condition",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/condition/{org}","value":"{tag}"}],
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"encounter-diagnosis"}]}],
 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"A01.0","display":"Typhoid fever"}]},
 "subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "onsetDateTime":"2024-03-01T01:30:00+00:00","recordedDate":"2024-03-01T01:30:00+00:00"})"},
      {"Observation", R"({"resourceType":"Observation",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/observation/{org}","value":"{tag}"}],
 "status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
 "code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},
 "subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "effectiveDateTime":"2024-03-01T01:20:00+00:00","issued":"2024-03-01T01:20:10+00:00",
 "performer":[{"reference":"Practitioner/N10000001"}],
 "valueQuantity":{"value":128,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}})"},
      {"Procedure", R"({"resourceType":"Procedure",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/procedure/{org}","value":"{tag}"}],
 "status":"completed",
 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-9-cm","code":"88.78"}]},
 "subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "performedPeriod":{"start":"2024-03-01T01:35:00+00:00","end":"2024-03-01T01:55:00+00:00"},
 "performer":[{"actor":{"reference":"Practitioner/N10000001"}}]})"},
      {"Immunization", R"({"resourceType":"Immunization",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/immunization/{org}","value":"{tag}"}],
 "status":"completed","primarySource":true,
 "vaccineCode":{"coding":[{"system":"http://sys-ids.kemkes.go.id/kfa","code":"93001019","display":"Vaksin Hepatitis B"},
                          {"system":"http://sys-ids.kemkes.go.id/kfa","code":"VG45","display":"HepB"},
                          {"system":"http://hl7.org/fhir/sid/cvx","code":"08","display":"Hep B"}]},
 "patient":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "occurrenceDateTime":"2024-03-01T01:14:00+00:00","recorded":"2024-03-01T01:14:00+00:00",
 "location":{"reference":"Location/{loc}"},"lotNumber":"AB0092","expirationDate":"2025-11-19",
 "performer":[{"function":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0443","code":"AP"}]},
               "actor":{"reference":"Practitioner/N10000001"}}],
 "reasonCode":[{"coding":[{"system":"http://terminology.kemkes.go.id/CodeSystem/immunization-reason","code":"IM-Dasar"}]}],
 "protocolApplied":[{"doseNumberPositiveInt":1}]})"},
      {"Medication", R"({"resourceType":"Medication",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/medication/{org}","use":"official","value":"{tag}"}],
 "code":{"coding":[{"system":"http://sys-ids.kemkes.go.id/kfa","code":"93006500","display":"Ferrous Fumarate 60 mg"}]},
 "status":"active",
 "ingredient":[{"itemCodeableConcept":{"coding":[{"system":"http://sys-ids.kemkes.go.id/kfa","code":"91000205"}]},"isActive":true}],
 "batch":{"lotNumber":"1625042A","expirationDate":"2025-07-28"},
 "extension":[{"url":"https://fhir.kemkes.go.id/r4/StructureDefinition/MedicationType",
   "valueCodeableConcept":{"coding":[{"system":"http://terminology.kemkes.go.id/CodeSystem/medication-type","code":"NC"}]}}]})"},
      {"MedicationRequest", R"({"resourceType":"MedicationRequest",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/prescription/{org}","value":"{tag}"},
               {"system":"http://sys-ids.kemkes.go.id/prescription-item/{org}","value":"{tag}-1"}],
 "status":"completed","intent":"order","medicationReference":{"reference":"{med}"},
 "subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "authoredOn":"2024-03-01T01:40:00+00:00","requester":{"reference":"Practitioner/N10000001"},
 "dispenseRequest":{"performer":{"reference":"Organization/{org}"}}})"},
      {"MedicationDispense", R"({"resourceType":"MedicationDispense",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/prescription/{org}","value":"{tag}"},
               {"system":"http://sys-ids.kemkes.go.id/prescription-item/{org}","value":"{tag}-1"}],
 "status":"completed","medicationReference":{"reference":"{med}"},
 "subject":{"reference":"Patient/P02478375538"},"context":{"reference":"{enc}"},
 "performer":[{"actor":{"reference":"Practitioner/N10000001"}}],"location":{"reference":"Location/{loc}"},
 "whenPrepared":"2024-03-01T01:50:00+00:00","whenHandedOver":"2024-03-01T01:55:00+00:00"})"},
      {"ServiceRequest", R"({"resourceType":"ServiceRequest",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/servicerequest/{org}","value":"{tag}"}],
 "status":"active","intent":"original-order",
 "code":{"coding":[{"system":"http://loinc.org","code":"11477-7"}]},
 "subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "occurrenceDateTime":"2024-03-01T01:45:00+00:00","authoredOn":"2024-03-01T01:45:00+00:00",
 "requester":{"reference":"Practitioner/N10000001"}})"},
      {"Specimen", R"({"resourceType":"Specimen",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/specimen/{org}","value":"{tag}",
                "assigner":{"reference":"Organization/{org}"}}],
 "status":"available","type":{"coding":[{"system":"http://snomed.info/sct","code":"45710003"}]},
 "subject":{"reference":"Patient/P02478375538"},
 "collection":{"collectedDateTime":"2024-03-01T01:46:00+00:00"},"receivedTime":"2024-03-01T01:47:00+00:00"})"},
      {"DiagnosticReport", R"({"resourceType":"DiagnosticReport",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/diagnostic/{org}/lab","use":"official","value":"{tag}"}],
 "status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"MB"}]}],
 "code":{"coding":[{"system":"http://loinc.org","code":"11477-7"}]},
 "subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "effectiveDateTime":"2024-03-01T02:05:00+00:00","issued":"2024-03-01T02:05:00+00:00",
 "performer":[{"reference":"Practitioner/N10000001"},{"reference":"Organization/{org}"}]})"},
      {"EpisodeOfCare", R"({"resourceType":"EpisodeOfCare",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/episode-of-care/{org}","value":"{tag}"}],
 "status":"active","statusHistory":[{"status":"active","period":{"start":"2024-03-01T00:00:00+00:00"}}],
 "type":[{"coding":[{"system":"http://terminology.kemkes.go.id/CodeSystem/episodeofcare-type","code":"ANC"}]}],
 "patient":{"reference":"Patient/100000030006"},"managingOrganization":{"reference":"Organization/{org}"},
 "period":{"start":"2024-03-01T00:00:00+00:00"}})"},
      {"Location", R"({"resourceType":"Location",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/location/{org}","value":"{tag}"}],
 "status":"active","name":"Pustu {tag}","mode":"instance",
 "managingOrganization":{"reference":"Organization/{org}"}})"},
      {"Organization", R"({"resourceType":"Organization",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/organization/{org}","value":"{tag}"}],
 "active":true,"name":"Pustu {tag}","partOf":{"reference":"Organization/{org}"}})"},
      {"Composition", R"({"resourceType":"Composition",
 "identifier":{"system":"http://sys-ids.kemkes.go.id/composition/{org}","value":"{tag}"},
 "status":"final","type":{"coding":[{"system":"http://loinc.org","code":"18842-5"}]},
 "subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "date":"2024-03-01T02:00:00+00:00","author":[{"reference":"Practitioner/N10000001"}],
 "title":"Resume Medis Rawat Jalan","custodian":{"reference":"Organization/{org}"}})"},
      {"AllergyIntolerance", R"({"resourceType":"AllergyIntolerance",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/allergy/{org}","value":"{tag}"}],
 "category":["food"],"code":{"coding":[{"system":"http://snomed.info/sct","code":"89811004"}]},
 "patient":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "recordedDate":"2024-03-01T01:20:00+00:00"})"},
      {"ClinicalImpression", R"({"resourceType":"ClinicalImpression",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/clinicalimpression/{org}","value":"{tag}"}],
 "status":"completed","subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "effectiveDateTime":"2024-03-01T01:30:00+00:00","assessor":{"reference":"Practitioner/N10000001"},
 "prognosisCodeableConcept":[{"coding":[{"system":"http://snomed.info/sct","code":"65872000"}]}]})"},
      {"CarePlan", R"({"resourceType":"CarePlan",
 "identifier":[{"system":"http://sys-ids.kemkes.go.id/careplan/{org}","value":"{tag}"}],
 "status":"active","intent":"plan","title":"Rencana Rawat Pasien","description":"Kontrol ulang 7 hari",
 "subject":{"reference":"Patient/P02478375538"},"encounter":{"reference":"{enc}"},
 "created":"2024-03-01T02:00:00+00:00","author":{"reference":"Practitioner/N10000001"}})"},
      {"QuestionnaireResponse", R"({"resourceType":"QuestionnaireResponse",
 "identifier":{"system":"http://sys-ids.kemkes.go.id/questionnaireresponse/{org}","value":"{tag}"},
 "questionnaire":"https://fhir.kemkes.go.id/Questionnaire/Q0002","status":"completed",
 "subject":{"reference":"Patient/100000030006"},"encounter":{"reference":"{enc}"},
 "authored":"2024-03-01T03:30:00+00:00","author":{"reference":"Practitioner/N10000001"},
 "source":{"reference":"Patient/100000030006"}})"},
  };
  return kTemplates;
}

// Walks to the parent of the last path element.
rapidjson::Value* parent_of(rapidjson::Document& d, std::string_view path, std::string& last) {
  rapidjson::Value* cur = &d;
  while (true) {
    const auto dot = path.find('.');
    const std::string part(path.substr(0, dot));
    if (dot == std::string_view::npos) {
      last = part;
      return cur;
    }
    path.remove_prefix(dot + 1);
    if (cur->IsArray()) {
      const auto i = static_cast<rapidjson::SizeType>(std::stoul(part));
      if (i >= cur->Size()) throw std::runtime_error("no element " + part);
      cur = &(*cur)[i];
    } else {
      auto it = cur->FindMember(part.c_str());
      if (it == cur->MemberEnd()) throw std::runtime_error("no member " + part);
      cur = &it->value;
    }
  }
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  if (auto err = mappers::parse_json_strict(json, d)) throw std::runtime_error(err->message);
  return d;
}

}  // namespace

int status(const HttpResult& r) { return r.ok() ? static_cast<int>(r.response.result_int()) : -1; }

const std::string& body(const HttpResult& r) { return r.response.body(); }

std::string header(const HttpResult& r, std::string_view name) {
  const auto it = r.response.find(name);
  return it == r.response.end() ? std::string() : std::string(it->value());
}

rapidjson::Document json(const HttpResult& r) {
  INFO("status " << status(r) << " body: " << body(r));
  REQUIRE(r.ok());
  return testing::parse_json(body(r));
}

std::string issues(const HttpResult& r) {
  rapidjson::Document d;
  if (!r.ok() || mappers::parse_json_strict(body(r), d) || !d.IsObject()) return body(r);
  std::string out;
  const auto* list = mappers::member(d, "issue");
  if (list == nullptr || !list->IsArray()) return body(r);
  for (const auto& i : list->GetArray()) {
    out += str_at(i, "details.text");
    out += " @ ";
    out += str_at(i, "expression.0");
    out += "\n";
  }
  return out;
}

std::string str_at(const rapidjson::Value& v, std::string_view dotted) {
  const auto* p = mappers::at_path(v, dotted);
  return p != nullptr && p->IsString() ? std::string(p->GetString(), p->GetStringLength())
                                       : std::string();
}

std::string sample(std::string_view type, const std::string& tag, const Refs& refs) {
  const auto it = templates().find(type);
  if (it == templates().end()) throw std::runtime_error("no sample for " + std::string(type));
  return subst(it->second, {{"{org}", refs.org},
                            {"{tag}", tag},
                            {"{loc}", refs.org == testing::kTanjungOrg ? kTanjungPoli : kPoliUmum},
                            {"{enc}", refs.encounter},
                            {"{med}", refs.medication}});
}

const std::vector<std::string>& sample_types() {
  static const std::vector<std::string> kTypes = {"Encounter",
                                                  "Medication",
                                                  "Condition",
                                                  "Observation",
                                                  "Procedure",
                                                  "Immunization",
                                                  "MedicationRequest",
                                                  "MedicationDispense",
                                                  "ServiceRequest",
                                                  "Specimen",
                                                  "DiagnosticReport",
                                                  "EpisodeOfCare",
                                                  "Location",
                                                  "Organization",
                                                  "Composition",
                                                  "AllergyIntolerance",
                                                  "ClinicalImpression",
                                                  "CarePlan",
                                                  "QuestionnaireResponse"};
  return kTypes;
}

std::string set_at(const std::string& json, std::string_view path, const std::string& value_json) {
  auto d = parse(json);
  std::string last;
  auto* parent = parent_of(d, path, last);
  rapidjson::Value v;
  v.CopyFrom(parse(value_json), d.GetAllocator());
  if (parent->IsArray()) {
    const auto i = static_cast<rapidjson::SizeType>(std::stoul(last));
    if (i == parent->Size()) {
      parent->PushBack(v, d.GetAllocator());  // one past the end appends
    } else if (i < parent->Size()) {
      (*parent)[i] = v;
    } else {
      throw std::runtime_error("no element " + last);
    }
  } else if (auto it = parent->FindMember(last.c_str()); it != parent->MemberEnd()) {
    it->value = v;
  } else {
    parent->AddMember(rapidjson::Value(last.c_str(), d.GetAllocator()), v, d.GetAllocator());
  }
  return mappers::to_json(d);
}

std::string remove_at(const std::string& json, std::string_view path) {
  auto d = parse(json);
  std::string last;
  auto* parent = parent_of(d, path, last);
  if (parent->IsArray()) {
    parent->Erase(parent->Begin() + std::stoul(last));
  } else if (!parent->RemoveMember(last.c_str())) {
    throw std::runtime_error("no member " + last);
  }
  return mappers::to_json(d);
}

std::string quoted(std::string_view s) {
  rapidjson::Document d;
  d.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), d.GetAllocator());
  return mappers::to_json(d);
}

std::string utc_from_now(long long offset_s) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return mappers::format_utc(now + offset_s * 1000);
}

std::string create(const SimFixture& sim, const std::string& token, std::string_view type,
                   const std::string& json_text) {
  auto r = sim.fhir("POST", "/" + std::string(type), token, json_text);
  INFO("POST " << type << " -> " << status(r) << " " << body(r));
  REQUIRE(status(r) == 201);
  const auto id = str_at(json(r), "id");
  REQUIRE(!id.empty());
  return id;
}

std::string new_encounter(const SimFixture& sim, const std::string& token, const std::string& tag) {
  return "Encounter/" + create(sim, token, "Encounter", sample("Encounter", tag));
}

std::string bundle(const std::vector<Entry>& entries) {
  std::string out = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    auto type = str_at(parse(e.resource), "resourceType");
    if (i > 0) out += ",";
    out += "{";
    if (!e.full_url.empty()) out += "\"fullUrl\":" + quoted(e.full_url) + ",";
    out += "\"resource\":" + e.resource + ",\"request\":{\"method\":" + quoted(e.method) +
           ",\"url\":" + quoted(e.url.empty() ? type : e.url) + "}}";
  }
  return out + "]}";
}

int stored_count(const SimFixture& sim, std::string_view type) {
  auto d = testing::get_json(sim.url("/_sim/resources?type=" + std::string(type)));
  const auto* total = mappers::member(d, "total");
  REQUIRE(total != nullptr);
  return total->GetInt();
}

}  // namespace ilp::simtest
