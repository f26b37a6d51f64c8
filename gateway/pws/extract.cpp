#include "gateway/pws/extract.hpp"

#include <cmath>

#include "gateway/pws/tables.hpp"
#include "mappers/datetime.hpp"
#include "mappers/growth_zscore.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::pws {
namespace {

using mappers::at_path;
using rapidjson::Value;

std::string_view text_at(const Value& data, std::string_view path) {
  const Value* v = at_path(data, path);
  return v != nullptr && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                                       : std::string_view();
}

std::optional<double> number_at(const Value& data, std::string_view path) {
  const Value* v = at_path(data, path);
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

std::optional<int> local_day(std::string_view when, int offset_minutes) {
  const auto ms = mappers::parse_datetime(when, offset_minutes);
  if (!ms) {
    const auto date = mappers::parse_date(when);  // a birth date
    if (!date) return std::nullopt;
    return static_cast<int>(std::chrono::sys_days(*date).time_since_epoch().count());
  }
  const auto ymd = mappers::local_date(*ms, offset_minutes);
  return static_cast<int>(std::chrono::sys_days(ymd).time_since_epoch().count());
}

std::optional<int> birth_day(const Value& data) {
  const auto born = mappers::parse_date(text_at(data, "patient.birth_date"));
  if (!born) return std::nullopt;
  return static_cast<int>(std::chrono::sys_days(*born).time_since_epoch().count());
}

// The day of the first birthday: doses given before it count for IDL. 29 February births
// have theirs on 1 March (as a clerk counts it).
int first_birthday(int born) {
  const auto c = civil(born);
  const bool leap_day = c.month == 2 && c.day == 29;
  return leap_day ? day_number(c.year + 1, 3, 1) : day_number(c.year + 1, c.month, c.day);
}

// The number after a prefix: "KF3" → 3 for prefix "KF" within 1..max.
std::optional<int> visit_number(std::string_view code, std::string_view prefix, int max) {
  if (code.size() != prefix.size() + 1 || code.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  const int n = code.back() - '0';
  if (n < 1 || n > max) return std::nullopt;
  return n;
}

struct Context {
  const ExtractInput& in;
  int day;
  std::vector<FactEvent>& out;
};

void anc_events(Context& c) {
  const auto contact = text_at(c.in.data, "anc_visit");
  const std::string episode(text_at(c.in.data, "pregnancy_id"));
  if (contact == "K1A" || contact == "K1M") c.out.push_back({Event::kAncK1, 1, episode});
  if (contact == "K4") c.out.push_back({Event::kAncK4, 4, episode});
  if (contact == "K6") c.out.push_back({Event::kAncK6, 6, episode});
}

void postpartum_events(Context& c) {
  if (const auto n = visit_number(text_at(c.in.data, "kf_visit"), "KF", 4)) {
    c.out.push_back({Event::kKf, *n, std::string(text_at(c.in.data, "pregnancy_id"))});
  }
}

void neonatal_events(Context& c) {
  if (const auto n = visit_number(text_at(c.in.data, "kn_visit"), "KN", 3)) {
    c.out.push_back({Event::kKn, *n, {}});
  }
}

void immunization_events(Context& c) {
  const auto vaccine = text_at(c.in.data, "vaccine");
  const auto dose = number_at(c.in.data, "dose_number");
  const auto born = birth_day(c.in.data);
  // Without a birth date the age at the dose is unknown: it cannot count towards IDL.
  if (vaccine.empty() || !born || c.day < *born || c.day >= first_birthday(*born)) return;
  c.out.push_back({Event::kBasicDose, dose ? std::llround(*dose) : 0, std::string(vaccine)});
}

void growth_events(Context& c) {
  const auto born = birth_day(c.in.data);
  if (!born || c.day < *born || c.day - *born > mappers::kWho2006LastDay) return;  // not under 5
  if (const auto kg = number_at(c.in.data, "weight_kg")) {
    c.out.push_back({Event::kWeighed, std::llround(*kg * 1000.0), {}});
  }
  const auto cm = number_at(c.in.data, "height_cm");
  const auto gender = text_at(c.in.data, "patient.gender");
  if (!cm || c.in.growth == nullptr || (gender != "male" && gender != "female")) return;
  // The same WHO engine and inputs as the height-for-age Observation the mapping sends.
  mappers::GrowthInput g;
  g.indicator = mappers::GrowthIndicator::kLengthHeightForAge;
  g.sex = gender == "male" ? mappers::GrowthSex::kMale : mappers::GrowthSex::kFemale;
  g.age_days = c.day - *born;
  g.length_cm = *cm;
  const auto position = text_at(c.in.data, "position");
  g.position = position == "lying"      ? mappers::MeasuringPosition::kLying
               : position == "standing" ? mappers::MeasuringPosition::kStanding
                                        : mappers::MeasuringPosition::kUnknown;
  const auto z = c.in.growth->compute(g);
  if (z.ok()) c.out.push_back({Event::kHeightMeasured, z.z < -2.0 ? 1 : 0, {}});
}

// PF: a birth at a health facility (the puskesmas or a pustu, childbirth-place.csv `facility`
// and `pustu`) attended by a health worker (childbirth-attendant.csv `midwife`, `doctor`,
// `obstetrician`). A home birth, or one attended by family or a dukun, is no PF.
void childbirth_events(Context& c) {
  const auto place = text_at(c.in.data, "place");
  const auto attendant = text_at(c.in.data, "attendant");
  const bool at_facility = place == "facility" || place == "pustu";
  const bool health_worker =
      attendant == "midwife" || attendant == "doctor" || attendant == "obstetrician";
  if (at_facility && health_worker) {
    c.out.push_back({Event::kFacilityBirth, 0, std::string(text_at(c.in.data, "pregnancy_id"))});
  }
}

void screening_events(Context& c) { c.out.push_back({Event::kPtmScreened, 0, {}}); }
void tb_events(Context& c) { c.out.push_back({Event::kTbNotified, 0, {}}); }
void no_events(Context&) {}

struct KindRule {
  std::string_view kind;
  std::string_view service_time;  // the field whose day is the service's
  void (*events)(Context&);
  std::string_view address = "patient.address.village_code";
};

// One row per kind that PWS reads.
constexpr KindRule kRules[] = {
    {"childbirth", "born_at", childbirth_events},
    {"anc", "arrived_at", anc_events},
    {"postpartum", "arrived_at", postpartum_events},
    {"neonatal", "arrived_at", neonatal_events},
    {"immunization", "given_at", immunization_events},
    {"growth", "measured_at", growth_events},
    {"screening", "screened_at", screening_events},
    {"tb", "diagnosed_at", tb_events},
    // No indicator, but they tell where the patient lives.
    {"visit", "arrived_at", no_events},
    {"youth_screening", "screened_at", no_events},
    // A newborn's registration: its address, as of its birth.
    {"patient", "birth_date", no_events, "address.village_code"},
};

std::string location_village(const mappers::Facility& facility, std::string_view code) {
  // A room inside a pustu (part_of) is in the pustu's village. Chains are short and
  // check-config refuses cycles; the bound is for a config that was never checked.
  const mappers::Location* loc = facility.location(code);
  for (int hops = 0; loc != nullptr && hops < 16; ++hops) {
    if (!loc->village_code.empty()) return loc->village_code;
    loc = loc->part_of.empty() ? nullptr : facility.location(loc->part_of);
  }
  return {};
}

}  // namespace

std::optional<RecordFacts> extract_facts(const ExtractInput& in) {
  const KindRule* rule = nullptr;
  for (const auto& r : kRules) {
    if (r.kind == in.kind) rule = &r;
  }
  if (rule == nullptr || !in.data.IsObject()) return std::nullopt;
  const auto day = local_day(text_at(in.data, rule->service_time), in.facility.utc_offset_minutes);
  if (!day) return std::nullopt;
  RecordFacts f;
  f.day = *day;
  const auto address = text_at(in.data, rule->address);
  if (is_village_code(address)) f.address_village = address;
  f.location_village = location_village(in.facility, text_at(in.data, "location"));
  Context c{in, *day, f.events};
  rule->events(c);
  return f;
}

}  // namespace ilp::gateway::pws
