#include "mappers/visit_mapper.hpp"

#include <algorithm>
#include <numeric>

#include "mappers/bundle_writer.hpp"
#include "mappers/datetime.hpp"
#include "mappers/person_blocks.hpp"
#include "mappers/urn_factory.hpp"
#include "mappers/visit_input.hpp"

namespace ilp::mappers {
namespace {

constexpr std::string_view kActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
constexpr std::string_view kParticipationType =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
constexpr std::string_view kDiagnosisRole = "http://terminology.hl7.org/CodeSystem/diagnosis-role";
constexpr std::string_view kObservationCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";
constexpr std::string_view kConditionClinical =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
constexpr std::string_view kConditionCategory =
    "http://terminology.hl7.org/CodeSystem/condition-category";
constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kIcd10 = "http://hl7.org/fhir/sid/icd-10";
constexpr std::string_view kIcd9cm = "http://hl7.org/fhir/sid/icd-9-cm";

// Everything the resources share, computed once per visit.
struct Context {
  const MapInput& in;
  const VisitInput& v;
  std::string patient_ref;
  std::string practitioner_ref;
  std::string encounter_urn;
  std::string arrived;
  std::string started;
  std::string finished;
  std::string scratch;  // identifier values, reused
};

// "{visit_no}-{name}" with the name's dots as dashes ("RJ1-diagnosis-0"): the per-resource
// identifier delivery searches by after an ambiguous failure (reference §5.4).
const std::string& identifier_value(Context& c, std::string_view name) {
  c.scratch.assign(c.v.visit_no);
  c.scratch += '-';
  for (const char ch : name) c.scratch += ch == '.' ? '-' : ch;
  return c.scratch;
}

void write_subject(BundleWriter& w, const Context& c) {
  w.reference("subject", c.patient_ref, c.v.patient.name);
}

void write_encounter(BundleWriter& w, Context& c, const std::vector<std::string>& condition_urns) {
  const auto& v = c.v;
  const auto& org = c.in.facility.organization_id;
  w.begin_entry(c.encounter_urn, "Encounter");
  w.identifier("encounter", org, v.visit_no);
  w.member("status", "finished");
  w.key("class");
  w.coding(kActCode, v.encounter_class->code, v.encounter_class->display);
  write_subject(w, c);

  auto& j = w.json();
  w.key("participant");
  j.StartArray();
  j.StartObject();
  w.codeable_concept_list("type", kParticipationType, "ATND", "attender");
  w.reference("individual", c.practitioner_ref, v.practitioner.name);
  j.EndObject();
  j.EndArray();

  w.period("period", c.arrived, c.finished);

  w.key("location");
  j.StartArray();
  j.StartObject();
  w.reference("location", "Location/" + v.location->id, v.location->name);
  j.EndObject();
  j.EndArray();

  if (!v.diagnoses.empty()) {
    // Rank 1 is the primary diagnosis; the rest keep the order the clinician entered them.
    std::vector<std::size_t> order(v.diagnoses.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_partition(order.begin(), order.end(),
                          [&](std::size_t i) { return v.diagnoses[i].primary; });
    w.key("diagnosis");
    j.StartArray();
    int rank = 1;
    for (const std::size_t i : order) {
      j.StartObject();
      w.reference("condition", condition_urns[i], v.diagnoses[i].display);
      w.codeable_concept("use", kDiagnosisRole, "DD", "Discharge diagnosis");
      w.key("rank");
      j.Int(rank++);
      j.EndObject();
    }
    j.EndArray();
  }

  // SATUSEHAT wants all three statuses with periods (rule 10122).
  w.key("statusHistory");
  j.StartArray();
  const auto status = [&](std::string_view s, const std::string& start, const std::string& end) {
    j.StartObject();
    w.member("status", s);
    w.period("period", start, end);
    j.EndObject();
  };
  status("arrived", c.arrived, c.started);
  status("in-progress", c.started, c.finished);
  status("finished", c.finished, c.finished);
  j.EndArray();

  w.reference("serviceProvider", "Organization/" + org);
  w.end_entry("Encounter");
}

void write_observation(BundleWriter& w, Context& c, const VitalSign& vs,
                       const rapidjson::Value& value, std::string_view urn) {
  auto& j = w.json();
  w.begin_entry(urn, "Observation");
  w.identifier("observation", c.in.facility.organization_id, identifier_value(c, vs.name));
  w.member("status", "final");
  w.codeable_concept_list("category", kObservationCategory, "vital-signs", "Vital Signs");
  w.codeable_concept("code", kLoinc, vs.loinc, vs.loinc_display);
  write_subject(w, c);
  w.reference("encounter", c.encounter_urn);
  // Measured during the consultation; the result exists once the visit is closed.
  w.member("effectiveDateTime", c.started);
  w.member("issued", c.finished);
  w.key("performer");
  j.StartArray();
  j.StartObject();
  w.member("reference", c.practitioner_ref);
  j.EndObject();
  j.EndArray();
  w.key("valueQuantity");
  j.StartObject();
  w.key("value");
  // Integers stay integers ("120", not "120.0"); decimals keep their shortest form.
  if (value.IsInt64()) {
    j.Int64(value.GetInt64());
  } else {
    j.Double(value.GetDouble());
  }
  w.member("unit", vs.unit);
  w.member("system", kUcum);
  w.member("code", vs.ucum);
  j.EndObject();
  w.end_entry("Observation");
}

void write_condition(BundleWriter& w, Context& c, const DiagnosisInput& d, std::string_view name,
                     std::string_view urn) {
  w.begin_entry(urn, "Condition");
  w.identifier("condition", c.in.facility.organization_id, identifier_value(c, name));
  w.codeable_concept("clinicalStatus", kConditionClinical, "active", "Active");
  w.codeable_concept_list("category", kConditionCategory, "encounter-diagnosis",
                          "Encounter Diagnosis");
  w.codeable_concept("code", kIcd10, d.icd10, d.display);
  write_subject(w, c);
  w.reference("encounter", c.encounter_urn);
  w.member("recordedDate", c.finished);
  w.end_entry("Condition");
}

void write_procedure(BundleWriter& w, Context& c, const ProcedureInput& p, std::string_view name,
                     std::string_view urn) {
  auto& j = w.json();
  w.begin_entry(urn, "Procedure");
  w.identifier("procedure", c.in.facility.organization_id, identifier_value(c, name));
  w.member("status", "completed");
  w.codeable_concept("code", kIcd9cm, p.icd9cm, p.display);
  write_subject(w, c);
  w.reference("encounter", c.encounter_urn);
  w.period("performedPeriod", c.started, c.finished);
  w.key("performer");
  j.StartArray();
  j.StartObject();
  w.reference("actor", c.practitioner_ref, c.v.practitioner.name);
  j.EndObject();
  j.EndArray();
  w.end_entry("Procedure");
}

}  // namespace

MapResult map_visit(const MapInput& in) {
  MapResult result;
  VisitInput v;
  result.outcome = read_visit(in, v);
  if (!result.outcome.empty()) return result;

  const UrnFactory urns(in.facility.key, in.record_id, in.revision);
  Context c{in,
            v,
            patient_reference(v.patient),
            practitioner_reference(v.practitioner),
            urns.urn("encounter"),
            format_utc(v.arrived_ms),
            format_utc(v.started_ms),
            format_utc(v.finished_ms),
            {}};

  auto& res = result.resources;
  res.reserve(1 + kVitalSigns.size() + v.diagnoses.size() + v.procedures.size());
  res.push_back({"encounter", "Encounter", c.encounter_urn});
  for (std::size_t i = 0; i < kVitalSigns.size(); ++i) {
    if (v.vitals[i] == nullptr) continue;
    const std::string name(kVitalSigns[i].name);
    res.push_back({name, "Observation", urns.urn(name)});
  }
  // The encounter refers to its conditions, so their urns are needed before it is written.
  std::vector<std::string> condition_urns;
  condition_urns.reserve(v.diagnoses.size());
  for (std::size_t i = 0; i < v.diagnoses.size(); ++i) {
    std::string name = "diagnosis." + std::to_string(i);
    condition_urns.push_back(urns.urn(name));
    res.push_back({std::move(name), "Condition", condition_urns.back()});
  }
  for (std::size_t i = 0; i < v.procedures.size(); ++i) {
    std::string name = "procedure." + std::to_string(i);
    std::string urn = urns.urn(name);
    res.push_back({std::move(name), "Procedure", std::move(urn)});
  }

  BundleWriter w;
  write_encounter(w, c, condition_urns);
  std::size_t next = 1;
  for (std::size_t i = 0; i < kVitalSigns.size(); ++i) {
    if (v.vitals[i] == nullptr) continue;
    write_observation(w, c, kVitalSigns[i], *v.vitals[i], res[next++].local);
  }
  for (const auto& d : v.diagnoses) {
    write_condition(w, c, d, res[next].name, res[next].local);
    ++next;
  }
  for (const auto& p : v.procedures) {
    write_procedure(w, c, p, res[next].name, res[next].local);
    ++next;
  }
  result.bundle_json = w.finish();
  result.patient_key = patient_key(v.patient);
  return result;
}

}  // namespace ilp::mappers
