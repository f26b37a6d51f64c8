#include "tests/simulator/profile_rules.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <vector>

#include "mappers/datetime.hpp"
#include "mappers/json.hpp"
#include "tests/simulator/fhir_json.hpp"

namespace ilp::sim {
namespace {

using mappers::member;
using mappers::string_member;

// ---- code shapes -------------------------------------------------------------------------

bool digits(std::string_view s, std::size_t min, std::size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// ICD-10 (2010): letter, two digits, optional ".x" subdivision ("E44.1", "A01.0", "O80").
bool icd10(std::string_view c) {
  if (c.size() < 3 || c[0] < 'A' || c[0] > 'Z' || !digits(c.substr(1, 2), 2, 2)) return false;
  if (c.size() == 3) return true;
  if (c[3] != '.' || c.size() < 5 || c.size() > 8) return false;
  for (char x : c.substr(4)) {
    if (!((x >= '0' && x <= '9') || (x >= 'A' && x <= 'Z'))) return false;
  }
  return true;
}
// ICD-9-CM procedures: two digits, optional ".d" or ".dd" ("88.78").
bool icd9cm(std::string_view c) {
  if (c.size() == 2) return digits(c, 2, 2);
  return c.size() >= 4 && c.size() <= 5 && digits(c.substr(0, 2), 2, 2) && c[2] == '.' &&
         digits(c.substr(3), 1, 2);
}
// LOINC: up to five digits, a dash and the check digit ("8480-6").
bool loinc(std::string_view c) {
  const auto dash = c.find('-');
  return dash != std::string_view::npos && digits(c.substr(0, dash), 1, 5) &&
         digits(c.substr(dash + 1), 1, 1);
}
// KFA: 92xxxxxx template product, 93xxxxxx actual product, 91xxxxxx ingredient, VGn vaccine group.
bool kfa_product(std::string_view c) {
  return digits(c, 8, 8) && (c.substr(0, 2) == "92" || c.substr(0, 2) == "93");
}
bool kfa_ingredient(std::string_view c) { return digits(c, 8, 8) && c.substr(0, 2) == "91"; }
bool kfa_vaccine(std::string_view c) {
  return (digits(c, 8, 8) && c.substr(0, 2) == "93") ||
         (c.size() > 2 && c.substr(0, 2) == "VG" && digits(c.substr(2), 1, 4));
}
bool cvx(std::string_view c) { return digits(c, 1, 3); }

struct CodeSystem {
  std::string_view system;
  bool (*shape)(std::string_view);  // nullptr: any non-empty code
  std::string_view name;
};

constexpr std::string_view kIcd10 = "http://hl7.org/fhir/sid/icd-10";
constexpr std::string_view kIcd9 = "http://hl7.org/fhir/sid/icd-9-cm";
constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kSnomed = "http://snomed.info/sct";
constexpr std::string_view kKfa = "http://sys-ids.kemkes.go.id/kfa";
constexpr std::string_view kCvx = "http://hl7.org/fhir/sid/cvx";
constexpr std::string_view kClinicalTerm =
    "http://terminology.kemkes.go.id/CodeSystem/clinical-term";
constexpr std::string_view kExamination = "http://terminology.kemkes.go.id/CodeSystem/examination";
constexpr std::string_view kKptl = "http://terminology.kemkes.go.id/CodeSystem/kptl";
constexpr std::string_view kObsCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";

constexpr std::array<CodeSystem, 3> kConditionCodes = {
    {{kIcd10, icd10, "ICD-10"}, {kClinicalTerm, nullptr, ""}, {kSnomed, nullptr, ""}}};
constexpr std::array<CodeSystem, 4> kObservationCodes = {{{kLoinc, loinc, "LOINC"},
                                                          {kSnomed, nullptr, ""},
                                                          {kExamination, nullptr, ""},
                                                          {kClinicalTerm, nullptr, ""}}};
constexpr std::array<CodeSystem, 1> kObservationCategories = {{{kObsCategory, nullptr, ""}}};
constexpr std::array<CodeSystem, 4> kProcedureCodes = {{{kIcd9, icd9cm, "ICD-9-CM"},
                                                        {kSnomed, nullptr, ""},
                                                        {kClinicalTerm, nullptr, ""},
                                                        {kKptl, nullptr, ""}}};
constexpr std::array<CodeSystem, 2> kVaccineCodes = {
    {{kKfa, kfa_vaccine, "KFA vaccine (93xxxxxx or VGn)"}, {kCvx, cvx, "CVX"}}};
constexpr std::array<CodeSystem, 1> kMedicationCodes = {
    {{kKfa, kfa_product, "KFA product (92xxxxxx or 93xxxxxx)"}}};
constexpr std::array<CodeSystem, 1> kIngredientCodes = {
    {{kKfa, kfa_ingredient, "KFA ingredient (91xxxxxx)"}}};

enum class Codings { kEach, kAny };  // every coding must use an accepted system, or one suffices

// Checks one CodeableConcept at `path`. `required`: absent or without codings is an error.
void check_codeable(const Value* cc, const std::string& path, int rule,
                    std::span<const CodeSystem> accepted, Codings mode, bool required,
                    RuleSink& sink) {
  const Value* codings = cc != nullptr ? member(*cc, "coding") : nullptr;
  if (codings == nullptr || !codings->IsArray() || codings->Empty()) {
    if (required) sink.add(family::kElementNotFound, rule, path, path + ".coding is mandatory");
    return;
  }
  bool any = false;
  for (rapidjson::SizeType i = 0; i < codings->Size(); ++i) {
    const auto& coding = (*codings)[i];
    const std::string at = path + ".coding[" + std::to_string(i) + "]";
    const auto system = string_member(coding, "system").value_or("");
    const CodeSystem* match = nullptr;
    for (const auto& cs : accepted) {
      if (cs.system == system) match = &cs;
    }
    if (match == nullptr) {
      if (mode == Codings::kEach) {
        sink.add(family::kCodingSystem, rule, at + ".system",
                 "\"" + std::string(system) + "\" is not an accepted system for " + path);
      }
      continue;
    }
    any = true;
    const auto code = string_member(coding, "code").value_or("");
    if (code.empty() || (match->shape != nullptr && !match->shape(code))) {
      sink.add(family::kCodeNotFound, rule, at + ".code",
               "\"" + std::string(code) + "\" is not a valid " +
                   std::string(match->name.empty() ? "code" : match->name) + " code");
    }
  }
  if (mode == Codings::kAny && !any) {
    sink.add(family::kCodingSystem, rule, path + ".coding",
             "no coding of " + path + " uses an accepted system");
  }
}

void check_code_element(const Value& res, std::string_view element, int rule,
                        std::span<const CodeSystem> accepted, Codings mode, bool required,
                        RuleSink& sink) {
  check_codeable(member(res, element), std::string(element), rule, accepted, mode, required, sink);
}

void check_status(const Value& res, std::span<const std::string_view> allowed, int rule,
                  RuleSink& sink) {
  const auto* v = member(res, "status");
  if (v == nullptr || v->IsNull()) {
    sink.add(family::kElementNotFound, rule, "status", "status is mandatory");
    return;
  }
  const auto s = v->IsString() ? std::string_view(v->GetString()) : std::string_view();
  for (auto a : allowed) {
    if (a == s) return;
  }
  sink.add(family::kCodeNotFound, rule, "status",
           "\"" + std::string(s) + "\" is not a valid status");
}

// ---- mandatory references ------------------------------------------------------------------

enum class Shape { kDirect, kArray };  // element is a Reference, or an array holding them

struct RefRule {
  std::string_view type;
  std::string_view element;
  Shape shape;
  std::string_view sub;  // for kArray: member of each element holding the Reference ("" = itself)
  std::string_view target;  // expected resource type, "" = any
  int rule;
  bool always;  // false: conditional, checked by the type's own code
};

constexpr std::array<RefRule, 30> kRefRules = {{
    {"Encounter", "subject", Shape::kDirect, "", "Patient", 10118, true},
    {"Encounter", "participant", Shape::kArray, "individual", "Practitioner", 10119, true},
    {"Encounter", "location", Shape::kArray, "location", "Location", 10120, true},
    {"Encounter", "serviceProvider", Shape::kDirect, "", "Organization", 10124, true},
    {"Condition", "subject", Shape::kDirect, "", "Patient", 10125, true},
    {"Condition", "encounter", Shape::kDirect, "", "Encounter", 10126, true},
    {"Observation", "subject", Shape::kDirect, "", "Patient", 10129, true},
    {"Observation", "encounter", Shape::kDirect, "", "Encounter", 10130, true},
    {"Procedure", "subject", Shape::kDirect, "", "Patient", 0, true},
    {"Procedure", "encounter", Shape::kDirect, "", "Encounter", 0, true},
    {"Immunization", "patient", Shape::kDirect, "", "Patient", 10155, true},
    {"Immunization", "encounter", Shape::kDirect, "", "Encounter", 10293, true},
    {"Immunization", "performer", Shape::kArray, "actor", "", 10294, true},
    {"Immunization", "location", Shape::kDirect, "", "Location", 10305, false},
    {"MedicationDispense", "medicationReference", Shape::kDirect, "", "Medication", 10138, true},
    {"MedicationDispense", "subject", Shape::kDirect, "", "Patient", 10139, true},
    {"ServiceRequest", "subject", Shape::kDirect, "", "Patient", 10141, true},
    {"ServiceRequest", "encounter", Shape::kDirect, "", "Encounter", 10142, true},
    {"Specimen", "subject", Shape::kDirect, "", "Patient", 10143, true},
    {"DiagnosticReport", "subject", Shape::kDirect, "", "Patient", 10144, true},
    {"DiagnosticReport", "encounter", Shape::kDirect, "", "Encounter", 10145, true},
    {"EpisodeOfCare", "patient", Shape::kDirect, "", "Patient", 10157, true},
    {"Composition", "subject", Shape::kDirect, "", "Patient", 10131, true},
    {"Composition", "author", Shape::kArray, "", "", 10133, true},
    {"AllergyIntolerance", "patient", Shape::kDirect, "", "Patient", 10147, true},
    {"ClinicalImpression", "subject", Shape::kDirect, "", "Patient", 10148, true},
    {"ClinicalImpression", "encounter", Shape::kDirect, "", "Encounter", 10149, true},
    {"QuestionnaireResponse", "subject", Shape::kDirect, "", "Patient", 10370, true},
    {"QuestionnaireResponse", "author", Shape::kDirect, "", "", 10371, true},
    {"QuestionnaireResponse", "source", Shape::kDirect, "", "", 10372, true},
}};

void check_target(std::string_view ref, const RefRule& r, const std::string& path, RuleSink& sink) {
  std::string t, id;
  if (r.target.empty() || !split_reference(ref, t, id) || t == r.target) return;
  sink.add(family::kInvalidReference, r.rule, path,
           std::string(r.element) + " must reference a " + std::string(r.target) + ", not " +
               std::string(ref));
}

void check_reference_rule(const Value& res, const RefRule& r, RuleSink& sink) {
  const auto* v = member(res, r.element);
  const std::string element(r.element);
  bool found = false;
  if (r.shape == Shape::kDirect) {
    const auto ref = v != nullptr ? string_member(*v, "reference") : std::nullopt;
    if (ref && !ref->empty()) {
      found = true;
      check_target(*ref, r, element + ".reference", sink);
    }
  } else if (v != nullptr && v->IsArray()) {
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      const Value* holder = r.sub.empty() ? &(*v)[i] : member((*v)[i], r.sub);
      const auto ref = holder != nullptr ? string_member(*holder, "reference") : std::nullopt;
      if (ref && !ref->empty()) {
        found = true;
        std::string path = element + "[" + std::to_string(i) + "]";
        if (!r.sub.empty()) path += "." + std::string(r.sub);
        check_target(*ref, r, path + ".reference", sink);
      }
    }
  }
  if (!found) {
    std::string what = element;
    if (!r.sub.empty()) what += "." + std::string(r.sub);
    sink.add(family::kReferenceMandatory, r.rule, what,
             std::string(r.type) + "." + what + " must reference " +
                 (r.target.empty() ? std::string("a resource") : "a " + std::string(r.target)));
  }
}

const RefRule* ref_rule(std::string_view type, std::string_view element) {
  for (const auto& r : kRefRules) {
    if (r.type == type && r.element == element) return &r;
  }
  return nullptr;
}

std::optional<std::int64_t> instant(const Value& obj, std::string_view name) {
  const auto s = string_member(obj, name);
  return s ? mappers::parse_datetime(*s, 0) : std::nullopt;
}

// ---- per type ------------------------------------------------------------------------------

constexpr std::string_view kEpisodeVisitSystems =
    "http://terminology.kemkes.go.id/CodeSystem/episodeofcare/";

// The visit codes of each program's Encounter identifier system; nullptr for a program whose
// codes are not listed (accepted as sent).
const std::vector<std::string_view>* program_visit_codes(std::string_view program) {
  static const std::vector<std::string_view> kAnc = {"K1A", "K1M", "K2", "K3", "K4", "K5", "K6"};
  static const std::vector<std::string_view> kPuerperium = {"KF1", "KF2", "KF3", "KF4"};
  static const std::vector<std::string_view> kNeonate = {"KN1", "KN2", "KN3"};
  if (program == "ANC") return &kAnc;
  if (program == "puerperium") return &kPuerperium;
  if (program == "neonate") return &kNeonate;
  return nullptr;
}

void encounter(const Value& res, std::string_view org, RuleSink& sink) {
  // 10117: the facility's visit number; other identifiers only from the documented systems.
  bool has_visit = false;
  if (const auto* ids = member(res, "identifier"); ids != nullptr && ids->IsArray()) {
    for (rapidjson::SizeType i = 0; i < ids->Size(); ++i) {
      const auto sys = string_member((*ids)[i], "system").value_or("");
      auto under = [&](std::string_view p) { return sys.rfind(p, 0) == 0; };
      if (under(std::string(kSysIds) + "encounter/")) {
        has_visit = true;
      } else if (under(kEpisodeVisitSystems)) {
        // The program visit codes (reference §6; issue 15 for KF/KN): the sandbox refuses a
        // value outside its program's list under rule 10117.
        const auto value = string_member((*ids)[i], "value").value_or("");
        const auto* allowed = program_visit_codes(sys.substr(kEpisodeVisitSystems.size()));
        if (allowed != nullptr &&
            std::find(allowed->begin(), allowed->end(), value) == allowed->end()) {
          sink.add(family::kCodeNotFound, 10117, "identifier[" + std::to_string(i) + "].value",
                   "\"" + std::string(value) + "\" is not a visit code of " + std::string(sys));
        }
      } else if (!under(std::string(kSysIds) + "asik/") && !under(std::string(kSysIds) + "sitb/")) {
        sink.add(family::kIdentifierSystem, 10117, "identifier[" + std::to_string(i) + "].system",
                 "\"" + std::string(sys) + "\" is not an Encounter identifier system");
      }
    }
  }
  if (!has_visit) {
    sink.add(family::kElementNotFound, 10117, "identifier",
             "Encounter.identifier needs the visit number with system " + std::string(kSysIds) +
                 "encounter/" + std::string(org));
  }
  static constexpr std::array<std::string_view, 9> kStatus = {
      "planned",  "arrived",   "triaged",          "in-progress", "onleave",
      "finished", "cancelled", "entered-in-error", "unknown"};
  check_status(res, kStatus, 0, sink);
  const auto* cls = member(res, "class");
  if (cls == nullptr || !string_member(*cls, "code")) {
    sink.add(family::kElementNotFound, 0, "class", "Encounter.class (v3-ActCode) is mandatory");
  }
  const bool finished = string_member(res, "status").value_or("") == "finished";

  const Value* period = member(res, "period");
  const auto start = period != nullptr ? string_member(*period, "start") : std::nullopt;
  const auto end = period != nullptr ? string_member(*period, "end") : std::nullopt;
  if (!start)
    sink.add(family::kElementNotFound, 10123, "period.start", "period.start is mandatory");
  if (finished && !end) {
    sink.add(family::kElementNotFound, 10121, "period.end",
             "period.end is mandatory when status is finished");
  }
  if (start && end) {
    const auto s = instant(*period, "start"), e = instant(*period, "end");
    // Reference §4.1: end > start; the same instant is refused too.
    if (s && e && *e <= *s) {
      sink.add(family::kDateTimeValue, 10173, "period.end", "period.end is not after period.start");
    }
  }

  const Value* history = member(res, "statusHistory");
  if (history == nullptr || !history->IsArray() || history->Empty()) {
    sink.add(family::kElementNotFound, 10122, "statusHistory", "statusHistory is mandatory");
  } else {
    bool seen[3] = {false, false, false};
    static constexpr std::array<std::string_view, 3> kSteps = {"arrived", "in-progress",
                                                               "finished"};
    for (rapidjson::SizeType i = 0; i < history->Size(); ++i) {
      const auto& h = (*history)[i];
      const std::string at = "statusHistory[" + std::to_string(i) + "]";
      const auto st = string_member(h, "status").value_or("");
      const Value* p = member(h, "period");
      if (p == nullptr || !string_member(*p, "start")) {
        sink.add(family::kElementNotFound, 10122, at + ".period.start",
                 "every statusHistory entry needs period.start");
      }
      for (std::size_t k = 0; k < kSteps.size(); ++k) seen[k] = seen[k] || st == kSteps[k];
    }
    for (std::size_t k = 0; finished && k < kSteps.size(); ++k) {
      if (!seen[k]) {
        sink.add(family::kElementNotFound, 10122, "statusHistory",
                 "a finished Encounter needs the statuses arrived, in-progress and finished; " +
                     std::string(kSteps[k]) + " is missing");
      }
    }
  }
}

void condition(const Value& res, RuleSink& sink) {
  check_code_element(res, "code", 10003, kConditionCodes, Codings::kEach, true, sink);
}

void quantity(const Value* q, const std::string& path, RuleSink& sink) {
  if (q == nullptr) return;
  if (string_member(*q, "system").value_or("") != kUcum ||
      string_member(*q, "code").value_or("").empty()) {
    sink.add(family::kCodingSystem, 10012, path,
             path + " needs system http://unitsofmeasure.org and a UCUM code");
  }
}

void observation(const Value& res, RuleSink& sink) {
  static constexpr std::array<std::string_view, 8> kStatus = {
      "registered", "preliminary",      "final",  "amended", "corrected",
      "cancelled",  "entered-in-error", "unknown"};
  check_status(res, kStatus, 10008, sink);
  const auto* cat = member(res, "category");
  if (cat == nullptr || !cat->IsArray() || cat->Empty()) {
    sink.add(family::kElementNotFound, 10009, "category", "category is mandatory");
  } else {
    for (rapidjson::SizeType i = 0; i < cat->Size(); ++i) {
      check_codeable(&(*cat)[i], "category[" + std::to_string(i) + "]", 10009,
                     kObservationCategories, Codings::kEach, true, sink);
    }
  }
  check_code_element(res, "code", 10010, kObservationCodes, Codings::kAny, true, sink);
  quantity(member(res, "valueQuantity"), "valueQuantity", sink);
  if (const auto* comps = member(res, "component"); comps != nullptr && comps->IsArray()) {
    for (rapidjson::SizeType i = 0; i < comps->Size(); ++i) {
      quantity(member((*comps)[i], "valueQuantity"),
               "component[" + std::to_string(i) + "].valueQuantity", sink);
    }
  }
}

void procedure(const Value& res, RuleSink& sink) {
  static constexpr std::array<std::string_view, 8> kStatus = {
      "preparation", "in-progress", "not-done",         "on-hold",
      "stopped",     "completed",   "entered-in-error", "unknown"};
  check_status(res, kStatus, 10019, sink);
  check_code_element(res, "code", 10015, kProcedureCodes, Codings::kEach, true, sink);
}

void immunization(const Value& res, RuleSink& sink) {
  static constexpr std::array<std::string_view, 3> kStatus = {"completed", "entered-in-error",
                                                              "not-done"};
  check_status(res, kStatus, 10107, sink);
  check_code_element(res, "vaccineCode", 10103, kVaccineCodes, Codings::kEach, true, sink);
  const auto occurrence = string_member(res, "occurrenceDateTime");
  if (!occurrence && string_member(res, "occurrenceString").value_or("").empty()) {
    sink.add(family::kElementNotFound, 10156, "occurrenceDateTime", "occurrence[x] is mandatory");
  }
  const auto* primary = member(res, "primarySource");
  if (primary == nullptr || primary->IsNull()) {
    sink.add(family::kElementNotNull, 10292, "primarySource", "primarySource must not be null");
  } else if (!primary->IsBool()) {
    sink.add(family::kBoolean, 10292, "primarySource", "primarySource must be true or false");
  }
  if (string_member(res, "status").value_or("") == "completed") {
    check_reference_rule(res, *ref_rule("Immunization", "location"), sink);
  }
  if (primary != nullptr && primary->IsTrue()) {
    if (string_member(res, "lotNumber").value_or("").empty()) {
      sink.add(family::kElementNotFound, 10306, "lotNumber",
               "lotNumber is mandatory when the vaccine was given by a health worker");
    }
    if (!string_member(res, "expirationDate")) {
      sink.add(family::kElementNotFound, 10306, "expirationDate",
               "expirationDate is mandatory when the vaccine was given by a health worker");
    }
  }
  const auto exp = mappers::parse_date(string_member(res, "expirationDate").value_or(""));
  const auto occ = occurrence ? mappers::parse_datetime(*occurrence, 0) : std::nullopt;
  if (exp && occ) {
    constexpr std::int64_t kDay = 86'400'000;
    const std::int64_t occ_day = *occ >= 0 ? *occ / kDay * kDay : (*occ - kDay + 1) / kDay * kDay;
    if (mappers::epoch_ms(*exp) <= occ_day) {
      sink.add(family::kDateTimeValue, 10307, "expirationDate",
               "expirationDate must be after occurrenceDateTime");
    }
  }
}

void medication(const Value& res, RuleSink& sink) {
  check_code_element(res, "code", 10024, kMedicationCodes, Codings::kEach, true, sink);
  if (const auto* ing = member(res, "ingredient"); ing != nullptr && ing->IsArray()) {
    for (rapidjson::SizeType i = 0; i < ing->Size(); ++i) {
      check_codeable(member((*ing)[i], "itemCodeableConcept"),
                     "ingredient[" + std::to_string(i) + "].itemCodeableConcept", 10030,
                     kIngredientCodes, Codings::kEach, false, sink);
    }
  }
}

}  // namespace

void check_profile(std::string_view type, const rapidjson::Value& res, std::string_view org_id,
                   RuleSink& sink) {
  for (const auto& r : kRefRules) {
    if (r.type == type && r.always) check_reference_rule(res, r, sink);
  }
  if (type == "Encounter") encounter(res, org_id, sink);
  if (type == "Condition") condition(res, sink);
  if (type == "Observation") observation(res, sink);
  if (type == "Procedure") procedure(res, sink);
  if (type == "Immunization") immunization(res, sink);
  if (type == "Medication") medication(res, sink);
}

int reference_rule(std::string_view type, std::string_view element) {
  const auto* r = ref_rule(type, element);
  return r != nullptr ? r->rule : 0;
}

int datetime_rule(std::string_view type, std::string_view element) {
  struct Rule {
    std::string_view type, element;
    int rule;
  };
  static constexpr std::array<Rule, 8> kRules = {{
      {"Observation", "effectiveDateTime", 10295},
      {"Observation", "issued", 10296},
      {"MedicationDispense", "whenPrepared", 10351},
      {"MedicationDispense", "whenHandedOver", 10352},
      {"ServiceRequest", "occurrenceDateTime", 10360},
      {"ServiceRequest", "authoredOn", 10361},
      {"DiagnosticReport", "issued", 10359},
      {"AllergyIntolerance", "recordedDate", 10358},
  }};
  for (const auto& r : kRules) {
    if (r.type == type && r.element == element) return r.rule;
  }
  return 0;
}

}  // namespace ilp::sim
