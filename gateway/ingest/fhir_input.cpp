#include "gateway/ingest/fhir_input.hpp"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "mappers/datetime.hpp"
#include "mappers/person_blocks.hpp"
#include "mappers/sha256.hpp"
#include "mappers/urn_factory.hpp"

namespace ilp::gateway::ingest {
namespace {

constexpr std::size_t kMaxRecordIdLength = 128;  // as the envelope's record_id
constexpr std::size_t kMaxEntryProblems = 50;
// Person identifiers (NIK, mother's NIK, IHS number, passport, KK): never in a record id.
constexpr std::string_view kPersonSystems = "https://fhir.kemkes.go.id/id/";
constexpr std::string_view kNikSystem = "https://fhir.kemkes.go.id/id/nik";
constexpr std::string_view kNikReference = "Patient?identifier=https://fhir.kemkes.go.id/id/nik|";
constexpr std::string_view kMotherNikSystem = "https://fhir.kemkes.go.id/id/nik-ibu";
constexpr std::string_view kMotherNikReference =
    "Patient?identifier=https://fhir.kemkes.go.id/id/nik-ibu|";

// FHIR R4 (4.0.1) resource types, sorted.
constexpr std::string_view kR4Types[] = {
    "Account",
    "ActivityDefinition",
    "AdverseEvent",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BiologicallyDerivedProduct",
    "BodyStructure",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CatalogEntry",
    "ChargeItem",
    "ChargeItemDefinition",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "CodeSystem",
    "Communication",
    "CommunicationRequest",
    "CompartmentDefinition",
    "Composition",
    "ConceptMap",
    "Condition",
    "Consent",
    "Contract",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "DetectedIssue",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "DeviceRequest",
    "DeviceUseStatement",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EffectEvidenceSynthesis",
    "Encounter",
    "Endpoint",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "GraphDefinition",
    "Group",
    "GuidanceResponse",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "ImmunizationEvaluation",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "InsurancePlan",
    "Invoice",
    "Library",
    "Linkage",
    "List",
    "Location",
    "Measure",
    "MeasureReport",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationKnowledge",
    "MedicationRequest",
    "MedicationStatement",
    "MedicinalProduct",
    "MedicinalProductAuthorization",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductIngredient",
    "MedicinalProductInteraction",
    "MedicinalProductManufactured",
    "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect",
    "MessageDefinition",
    "MessageHeader",
    "MolecularSequence",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RequestGroup",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "ResearchSubject",
    "RiskAssessment",
    "RiskEvidenceSynthesis",
    "Schedule",
    "SearchParameter",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SpecimenDefinition",
    "StructureDefinition",
    "StructureMap",
    "Subscription",
    "Substance",
    "SubstanceNucleicAcid",
    "SubstancePolymer",
    "SubstanceProtein",
    "SubstanceReferenceInformation",
    "SubstanceSourceMaterial",
    "SubstanceSpecification",
    "SupplyDelivery",
    "SupplyRequest",
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
    "VisionPrescription",
};

bool is_r4_type(std::string_view t) {
  return std::binary_search(std::begin(kR4Types), std::end(kR4Types), t);
}

Rejection reject(int status, std::string code, std::string expression, mappers::Text text) {
  Rejection r;
  r.status = status;
  r.outcome.add(std::move(code), std::move(expression), std::move(text));
  return r;
}

std::string_view sv(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// "system|value" of one Identifier; empty when it has no value.
std::string identifier_key(const rapidjson::Value& ident, const mappers::Pseudonymizer& pseudonym) {
  if (!ident.IsObject()) return {};
  const auto value = mappers::string_member(ident, "value");
  if (!value || value->empty()) return {};
  const auto system = mappers::string_member(ident, "system").value_or("");
  if (system.starts_with(kPersonSystems)) {
    return std::string(system) +
           "|hmac:" + pseudonym(mappers::person_record_id_input(system, *value));
  }
  if (system.empty()) return std::string(*value);
  return std::string(system) + "|" + std::string(*value);
}

// Bundle.identifier (one) or a resource's first identifier with a value (most types have a list).
std::string record_id_from_identifier(const rapidjson::Value& resource,
                                      const mappers::Pseudonymizer& pseudonym) {
  const auto* id = mappers::member(resource, "identifier");
  if (id == nullptr) return {};
  if (id->IsObject()) return identifier_key(*id, pseudonym);
  if (!id->IsArray()) return {};
  for (const auto& i : id->GetArray()) {
    if (auto k = identifier_key(i, pseudonym); !k.empty()) return k;
  }
  return {};
}

// The patient the body is about, for ordering one patient's records (DESIGN.md §7): a NIK
// conditional reference anywhere (or a Patient resource's own NIK), else a newborn by the
// mother's NIK (a Patient resource's nik-ibu identifier, with its birthDate, or a nik-ibu
// conditional reference), else the first subject/patient reference "Patient/<id>".
struct PatientFound {
  std::string_view nik;
  std::string_view id;
  std::string_view mother_nik;
  std::string_view birth_date;  // of the Patient resource carrying `mother_nik`
};

void find_patient(const rapidjson::Value& v, PatientFound& f, int depth) {
  if (depth > 64 || !f.nik.empty()) return;
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) find_patient(e, f, depth + 1);
    return;
  }
  if (!v.IsObject()) return;
  if (mappers::string_member(v, "resourceType") == std::string_view("Patient")) {
    if (const auto* ids = mappers::member(v, "identifier"); ids && ids->IsArray()) {
      for (const auto& i : ids->GetArray()) {
        const auto system = mappers::string_member(i, "system");
        const auto value = mappers::string_member(i, "value");
        if (!value || value->empty()) continue;
        if (system == kNikSystem) {
          f.nik = *value;
          return;
        }
        if (system == kMotherNikSystem && f.birth_date.empty()) {
          f.mother_nik = *value;
          f.birth_date = mappers::string_member(v, "birthDate").value_or("");
        }
      }
    }
  }
  for (const auto& m : v.GetObject()) {
    const auto name = sv(m.name);
    if (m.value.IsString()) {
      if (name != "reference") continue;
      const auto ref = sv(m.value);
      if (ref.starts_with(kNikReference)) {
        auto nik = ref.substr(kNikReference.size());
        nik = nik.substr(0, nik.find('&'));
        if (!nik.empty()) {
          f.nik = nik;
          return;
        }
      }
      if (ref.starts_with(kMotherNikReference) && f.mother_nik.empty()) {
        auto mother = ref.substr(kMotherNikReference.size());
        f.mother_nik = mother.substr(0, mother.find('&'));
      }
      continue;
    }
    if (f.id.empty() && (name == "subject" || name == "patient") && m.value.IsObject()) {
      if (auto ref = mappers::string_member(m.value, "reference");
          ref && ref->starts_with("Patient/")) {
        auto id = ref->substr(8);
        f.id = id.substr(0, id.find('/'));
      }
    }
    find_patient(m.value, f, depth + 1);
    if (!f.nik.empty()) return;
  }
}

std::string patient_key_of(const rapidjson::Value& root, const mappers::Pseudonymizer& pseudonym) {
  PatientFound f;
  find_patient(root, f, 0);
  mappers::PatientInput p;
  if (!f.nik.empty()) {
    p.nik = f.nik;
  } else if (!f.mother_nik.empty()) {
    // The same key a mapped newborn record gets (mother's NIK and birth date), so both are
    // delivered in one order. A bundle with only a nik-ibu reference has no birth date: its key
    // still groups that mother's newborn bundles.
    p.mother_nik = f.mother_nik;
    if (auto d = mappers::parse_date(f.birth_date)) p.birth_date = *d;
  } else if (!f.id.empty()) {
    p.ihs_number = f.id;
  } else {
    return {};
  }
  return mappers::patient_key(p, pseudonym);
}

std::string at_entry(std::size_t i, std::string_view rest = {}) {
  std::string s = "Bundle.entry[" + std::to_string(i) + "]";
  if (!rest.empty()) {
    s += '.';
    s += rest;
  }
  return s;
}

// The structural rules of a transaction Bundle the gateway relies on to deliver it; profile
// rules are the validator's. Fills `resources`; problems go to `out`.
void check_transaction(const rapidjson::Value& root,
                       std::vector<mappers::MappedResource>& resources, mappers::Outcome& out) {
  const auto type = mappers::string_member(root, "type");
  if (!type) {
    out.add("required", "Bundle.type",
            {"Bundle.type wajib diisi dengan \"transaction\".",
             "Bundle.type is required and must be \"transaction\"."});
  } else if (*type != "transaction") {
    out.add("value", "Bundle.type",
            {"Bundle.type harus \"transaction\": gateway mengirim Bundle utuh sebagai satu "
             "transaksi.",
             "Bundle.type must be \"transaction\": the gateway sends the Bundle as one "
             "transaction."});
  }
  const auto* entries = mappers::member(root, "entry");
  if (entries == nullptr || !entries->IsArray() || entries->Empty()) {
    out.add("required", "Bundle.entry",
            {"Bundle.entry wajib berisi paling sedikit satu entri.",
             "Bundle.entry must hold at least one entry."});
    return;
  }
  std::set<std::string_view> full_urls;
  std::size_t i = 0;
  for (const auto& e : entries->GetArray()) {
    if (out.issues.size() >= kMaxEntryProblems) break;
    const std::string n = std::to_string(i);
    if (!e.IsObject()) {
      out.add("structure", at_entry(i),
              {"Bundle.entry[" + n + "] harus berupa objek.",
               "Bundle.entry[" + n + "] must be an object."});
      ++i;
      continue;
    }
    mappers::MappedResource r;
    r.name = "entry." + n;
    const auto* resource = mappers::member(e, "resource");
    if (resource == nullptr || !resource->IsObject()) {
      out.add("required", at_entry(i, "resource"),
              {"Bundle.entry[" + n + "] tidak berisi resource.",
               "Bundle.entry[" + n + "] has no resource."});
    } else if (auto rt = mappers::string_member(*resource, "resourceType");
               !rt || !is_r4_type(*rt)) {
      out.add(rt ? "value" : "required", at_entry(i, "resource.resourceType"),
              {"Bundle.entry[" + n +
                   "].resource.resourceType tidak ada atau bukan jenis resource "
                   "FHIR R4.",
               "Bundle.entry[" + n +
                   "].resource.resourceType is missing or not a FHIR R4 resource "
                   "type."});
    } else {
      r.type = std::string(*rt);
    }
    // Plain views, "" when absent (std::optional here trips GCC 12's maybe-uninitialized).
    const auto* request = mappers::member(e, "request");
    const std::string_view method =
        request ? mappers::string_member(*request, "method").value_or("") : "";
    const std::string_view url =
        request ? mappers::string_member(*request, "url").value_or("") : "";
    const std::string_view full_url = mappers::string_member(e, "fullUrl").value_or("");
    if (method != "POST" && method != "PUT") {
      out.add(method.empty() ? "required" : "value", at_entry(i, "request.method"),
              {"Bundle.entry[" + n + "].request.method harus POST atau PUT.",
               "Bundle.entry[" + n + "].request.method must be POST or PUT."});
    }
    if (url.empty()) {
      out.add("required", at_entry(i, "request.url"),
              {"Bundle.entry[" + n + "].request.url wajib diisi (mis. \"Encounter\").",
               "Bundle.entry[" + n + "].request.url is required (e.g. \"Encounter\")."});
    } else if (!r.type.empty() && url.substr(0, url.find_first_of("/?")) != r.type) {
      out.add("value", at_entry(i, "request.url"),
              {"Bundle.entry[" + n + "].request.url harus dimulai dengan jenis resource-nya (" +
                   r.type + ").",
               "Bundle.entry[" + n + "].request.url must start with the entry's resource type (" +
                   r.type + ")."});
    }
    if (full_url.empty()) {
      out.add("required", at_entry(i, "fullUrl"),
              {"Bundle.entry[" + n + "].fullUrl wajib diisi (urn:uuid:… untuk POST).",
               "Bundle.entry[" + n + "].fullUrl is required (urn:uuid:… for POST)."});
    } else if (method == "POST" && (!full_url.starts_with("urn:uuid:") || full_url.size() <= 9)) {
      out.add("value", at_entry(i, "fullUrl"),
              {"Bundle.entry[" + n + "].fullUrl harus berbentuk urn:uuid:… untuk entri POST.",
               "Bundle.entry[" + n + "].fullUrl must be a urn:uuid:… for a POST entry."});
    } else if (!full_urls.insert(full_url).second) {
      out.add("value", at_entry(i, "fullUrl"),
              {"Bundle.entry[" + n +
                   "].fullUrl sama dengan entri sebelumnya; setiap entri perlu "
                   "fullUrl sendiri.",
               "Bundle.entry[" + n +
                   "].fullUrl repeats an earlier entry's; each entry needs its "
                   "own."});
    } else {
      r.local = std::string(full_url);
    }
    resources.push_back(std::move(r));
    ++i;
  }
}

}  // namespace

bool accepts_resource_type(std::string_view type) {
  return is_r4_type(type) && type != "Bundle" && type != "Parameters" && type != "OperationOutcome";
}

std::variant<Envelope, Rejection> check_fhir(const FhirSubmission& in, const config::Config& cfg,
                                             const config::Facility& caller) {
  (void)cfg;
  Envelope env;
  env.facility = &caller;
  env.kind = std::string(in.type.empty() ? kFhirBundleKind : kFhirResourceKind);
  if (in.record_id) {
    if (in.record_id->empty() || in.record_id->size() > kMaxRecordIdLength) {
      return reject(400, "value", "X-Record-Id",
                    {"Header X-Record-Id harus berisi teks 1 sampai " +
                         std::to_string(kMaxRecordIdLength) + " karakter.",
                     "The X-Record-Id header must hold 1 to " + std::to_string(kMaxRecordIdLength) +
                         " characters."});
    }
    // HTTP lets any byte above 0x7f through a header; the record id is stored, listed and
    // answered as JSON text, so it must be UTF-8 like every string of a body.
    if (!simdjson::validate_utf8(in.record_id->data(), in.record_id->size())) {
      return reject(400, "value", "X-Record-Id",
                    {"Header X-Record-Id bukan teks UTF-8 yang sah.",
                     "The X-Record-Id header is not valid UTF-8 text."});
    }
  }
  env.doc = std::make_shared<rapidjson::Document>();
  if (auto err = mappers::parse_json_strict(in.body, *env.doc)) return json_rejection(*err);
  const auto& root = *env.doc;
  if (!root.IsObject()) {
    return reject(400, "structure", "",
                  {"Isi permintaan harus berupa satu resource FHIR (objek JSON).",
                   "The body must be one FHIR resource (a JSON object)."});
  }
  const std::string_view expected = in.type.empty() ? std::string_view("Bundle") : in.type;
  const auto rt = mappers::string_member(root, "resourceType");
  if (!rt) {
    return reject(422, "required", "resourceType",
                  {"resourceType wajib diisi (\"" + std::string(expected) + "\").",
                   "resourceType is required (\"" + std::string(expected) + "\")."});
  }
  if (*rt != expected) {
    const std::string hint_id = in.type.empty() ? " Kirim satu resource ke /fhir/r4/{jenis}." : "";
    const std::string hint_en =
        in.type.empty() ? " Post a single resource to /fhir/r4/{Type}." : "";
    return reject(
        422, "value", "resourceType",
        {"resourceType harus \"" + std::string(expected) + "\" di alamat ini." + hint_id,
         "resourceType must be \"" + std::string(expected) + "\" on this path." + hint_en});
  }

  env.input_json = mappers::to_json(root);
  env.content_hash = mappers::sha256_hex(env.input_json);
  if (in.record_id) {
    env.record_id = std::string(*in.record_id);
  } else if (auto k = record_id_from_identifier(root, cfg.pseudonym()); !k.empty()) {
    env.record_id = std::move(k);
  } else {
    env.record_id = "sha256:" + env.content_hash;
  }
  env.patient_key = patient_key_of(root, cfg.pseudonym());

  if (in.type.empty()) {
    Rejection problems;
    problems.status = 422;
    check_transaction(root, env.resources, problems.outcome);
    if (!problems.outcome.empty()) return problems;
    env.bundle_json = env.input_json;
    return env;
  }

  // One resource: stored as a one-entry transaction Bundle, delivered on its own to /{Type}.
  const auto full_url = mappers::UrnFactory(caller.info.key, env.record_id, 0).urn("entry.0");
  auto& b = env.bundle_json;
  b.reserve(env.input_json.size() + 160);
  b += R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":")";
  b += full_url;
  b += R"(","resource":)";
  b += env.input_json;
  b += R"(,"request":{"method":"POST","url":")";
  b += in.type;  // one of the R4 type names: nothing to escape
  b += R"("}}]})";
  env.resources.push_back({"entry.0", std::string(in.type), full_url});
  env.resource_type = std::string(in.type);
  return env;
}

}  // namespace ilp::gateway::ingest
