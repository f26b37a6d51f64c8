#include "mappers/visit_input.hpp"

#include "mappers/datetime.hpp"
#include "mappers/input_reader.hpp"

namespace ilp::mappers {
namespace {

using Need = InputReader::Need;

constexpr std::string_view kData = "data";
constexpr std::size_t kMaxVisitNoChars = 64;  // fits an identifier value and a search URL
constexpr std::size_t kMaxCodeChars = 64;
constexpr std::size_t kMaxDisplayChars = 256;
constexpr std::size_t kMaxNotesChars = 10'000;
// A consultation with more entries than this is a sender bug, not medicine; the cap keeps one
// record from turning into thousands of resources.
constexpr std::size_t kMaxListItems = 100;
// Sending computers' clocks drift; a visit "finished" a few minutes ahead of ours is accepted.
constexpr std::int64_t kFutureToleranceMs = 5 * 60 * 1000;

bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

// Times leave as whole seconds, so order is judged on what SATUSEHAT will see.
std::int64_t seconds(std::int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

void read_times(InputReader& r, const rapidjson::Value& data, const TimeRules& rules,
                VisitInput& out) {
  const auto a = r.instant(data, kData, "arrived_at", labels::kArrivedAt, Need::kRequired, rules);
  const auto s = r.instant(data, kData, "started_at", labels::kStartedAt, Need::kRequired, rules);
  const auto f = r.instant(data, kData, "finished_at", labels::kFinishedAt, Need::kRequired, rules);

  if (a && s && seconds(*s) < seconds(*a)) {
    r.add("value", kData, "started_at", msg::earlier_than(labels::kStartedAt, labels::kArrivedAt));
  }
  if (s && f && seconds(*f) < seconds(*s)) {
    r.add("value", kData, "finished_at",
          msg::earlier_than(labels::kFinishedAt, labels::kStartedAt));
  } else if (a && f && seconds(*f) <= seconds(*a)) {
    // A finished Encounter needs period.end after period.start (rules 10121/10173).
    r.add("value", kData, "finished_at", msg::not_after(labels::kFinishedAt, labels::kArrivedAt));
  }
  if (a && s && f) {
    out.arrived_ms = *a;
    out.started_ms = *s;
    out.finished_ms = *f;
  }
}

void read_vitals(InputReader& r, const rapidjson::Value& data, VisitInput& out) {
  const auto* vitals = r.object(data, kData, "vitals", labels::kVitals, Need::kOptional);
  if (vitals == nullptr) return;
  const std::string path = InputReader::path(kData, "vitals");
  for (std::size_t i = 0; i < kVitalSigns.size(); ++i) {
    const auto& vs = kVitalSigns[i];
    const auto* v = r.number(*vitals, path, vs.name, vs.label, Need::kOptional);
    if (v == nullptr) continue;
    const double x = v->GetDouble();
    if (x < vs.min || x > vs.max) {
      r.add("value", path, vs.name, msg::out_of_range(vs.label, vs.min, vs.max, vs.unit_text));
      continue;
    }
    out.vitals[i] = v;
  }
  const auto* sys = out.vitals[kSystolicIndex];
  const auto* dia = out.vitals[kDiastolicIndex];
  if (sys != nullptr && dia != nullptr && dia->GetDouble() >= sys->GetDouble()) {
    r.add("value", path, kVitalSigns[kDiastolicIndex].name, msg::diastolic_not_below_systolic());
  }
}

// The list at data.{key}, or nullptr; too long a list is one issue, not a hundred.
const rapidjson::Value* read_list(InputReader& r, const rapidjson::Value& data,
                                  std::string_view key, const Label& label) {
  const auto* list = r.array(data, kData, key, label, Need::kOptional);
  if (list == nullptr) return nullptr;
  if (list->Size() > kMaxListItems) {
    r.add("value", kData, key, msg::too_many(label, kMaxListItems));
    return nullptr;
  }
  return list;
}

void read_diagnoses(InputReader& r, const rapidjson::Value& data, VisitInput& out) {
  const auto* list = read_list(r, data, "diagnoses", labels::kDiagnoses);
  if (list == nullptr) return;
  const std::string list_path = InputReader::path(kData, "diagnoses");
  out.diagnoses.reserve(list->Size());
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const int n = static_cast<int>(i);
    const std::string path = InputReader::item_path(list_path, i);
    const auto& item = (*list)[i];
    if (!item.IsObject()) {
      r.add("invalid", path, "", msg::not_object(labels::kDiagnosis.at(n)));
      continue;
    }
    DiagnosisInput d;
    const auto code =
        r.string(item, path, "icd10", labels::kIcd10.at(n), Need::kRequired, kMaxCodeChars);
    if (code && !icd10_shape(*code)) {
      r.add("value", path, "icd10", msg::icd10(labels::kIcd10.at(n)));
    } else if (code) {
      d.icd10 = *code;
    }
    const auto display = r.string(item, path, "display", labels::kDiagnosisDisplay.at(n),
                                  Need::kOptional, kMaxDisplayChars);
    if (display) d.display = *display;
    const auto primary = r.boolean(item, path, "primary", labels::kPrimary.at(n), Need::kOptional);
    d.primary = primary.value_or(false);
    out.diagnoses.push_back(d);
  }
}

void read_procedures(InputReader& r, const rapidjson::Value& data, VisitInput& out) {
  const auto* list = read_list(r, data, "procedures", labels::kProcedures);
  if (list == nullptr) return;
  const std::string list_path = InputReader::path(kData, "procedures");
  out.procedures.reserve(list->Size());
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const int n = static_cast<int>(i);
    const std::string path = InputReader::item_path(list_path, i);
    const auto& item = (*list)[i];
    if (!item.IsObject()) {
      r.add("invalid", path, "", msg::not_object(labels::kProcedure.at(n)));
      continue;
    }
    ProcedureInput p;
    const auto code =
        r.string(item, path, "icd9cm", labels::kIcd9cm.at(n), Need::kRequired, kMaxCodeChars);
    if (code && !icd9cm_shape(*code)) {
      r.add("value", path, "icd9cm", msg::icd9cm(labels::kIcd9cm.at(n)));
    } else if (code) {
      p.icd9cm = *code;
    }
    const auto display = r.string(item, path, "display", labels::kProcedureDisplay.at(n),
                                  Need::kOptional, kMaxDisplayChars);
    if (display) p.display = *display;
    out.procedures.push_back(p);
  }
}

}  // namespace

bool icd10_shape(std::string_view c) {
  if (c.size() < 3 || !upper(c[0]) || !digit(c[1]) || !digit(c[2])) return false;
  if (c.size() == 3) return true;
  if (c[3] != '.' || c.size() < 5 || c.size() > 6) return false;
  for (std::size_t i = 4; i < c.size(); ++i) {
    if (!upper(c[i]) && !digit(c[i])) return false;
  }
  return true;
}

bool icd9cm_shape(std::string_view c) {
  if (c.size() < 2 || !digit(c[0]) || !digit(c[1])) return false;
  if (c.size() == 2) return true;
  if (c[2] != '.' || c.size() < 4 || c.size() > 5) return false;
  for (std::size_t i = 3; i < c.size(); ++i) {
    if (!digit(c[i])) return false;
  }
  return true;
}

Outcome read_visit(const MapInput& in, VisitInput& out) {
  Outcome outcome;
  InputReader r(outcome);
  const auto& data = in.data;
  if (!data.IsObject()) {
    r.add("invalid", kData, "", msg::not_object(labels::kData));
    return outcome;
  }
  const auto floor = parse_date(in.date_floor);
  if (!floor) {
    // A configuration fault, not the sender's: refuse loudly rather than skip the check.
    outcome.add("exception", "", msg::bad_date_floor_config(), "invalid date_floor setting");
    return outcome;
  }
  TimeRules rules;
  rules.local_offset_minutes = in.facility.utc_offset_minutes;
  rules.floor = *floor;
  rules.floor_ms = epoch_ms(*floor);
  rules.latest_ms = in.now_ms + kFutureToleranceMs;
  rules.today = local_date(in.now_ms, in.facility.utc_offset_minutes);

  const auto visit_no =
      r.string(data, kData, "visit_no", labels::kVisitNo, Need::kRequired, kMaxVisitNoChars);
  if (visit_no) out.visit_no = *visit_no;

  const auto patient = read_patient(r, data, kData, rules);
  if (patient) out.patient = *patient;

  const auto practitioner = read_practitioner(r, data, kData);
  if (practitioner) out.practitioner = *practitioner;

  const auto location =
      r.string(data, kData, "location", labels::kLocation, Need::kRequired, kMaxCodeChars);
  if (location) {
    out.location = in.facility.location(*location);
    if (out.location == nullptr) {
      const auto& f = in.facility;
      std::vector<std::string_view> codes;
      codes.reserve(f.locations.size());
      for (const auto& l : f.locations) codes.emplace_back(l.code);
      r.add("value", kData, "location",
            msg::unknown_location(f.name.empty() ? f.key : f.name, codes));
    }
  }

  read_times(r, data, rules, out);

  if (const auto cls =
          r.string(data, kData, "class", labels::kClass, Need::kOptional, kMaxCodeChars)) {
    out.encounter_class = nullptr;
    for (const auto& c : kEncounterClasses) {
      if (c.input == *cls) out.encounter_class = &c;
    }
    if (out.encounter_class == nullptr) {
      r.add("value", kData, "class", msg::encounter_class(labels::kClass));
    }
  }

  read_vitals(r, data, out);
  read_diagnoses(r, data, out);
  read_procedures(r, data, out);

  // Notes are checked but not sent: R4 Encounter has no note element, and a free-text note is
  // the field most likely to hold names; leaving it out of the bundle is the safe default.
  r.string(data, kData, "notes", labels::kNotes, Need::kOptional, kMaxNotesChars);

  // The outcome is the only verdict: every failed check above records exactly one issue.
  return outcome;
}

}  // namespace ilp::mappers
