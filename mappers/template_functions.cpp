#include "mappers/template_functions.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "mappers/datetime.hpp"
#include "mappers/growth_zscore.hpp"

namespace ilp::mappers::tmpl {
namespace {

using K = Val::Kind;

constexpr std::string_view kNikSystem = "https://fhir.kemkes.go.id/id/nik";
constexpr std::string_view kMotherNikSystem = "https://fhir.kemkes.go.id/id/nik-ibu";

// A function got a value it cannot use: the record is refused, naming the field it came from.
Val wrong(EvalContext& ctx, const CallExpr& c, std::size_t arg, const std::string& en,
          const std::string& id) {
  ctx.fail(c, c.args[arg]->input_path(ctx), en, id);
  return {};
}

std::string_view text_of(const Val& v) { return v.is_string() ? v.str() : std::string_view(); }

// ---- Time ---------------------------------------------------------------------------------------

std::optional<std::int64_t> instant(EvalContext& ctx, const Val& v) {
  if (!v.is_string()) return std::nullopt;
  return parse_datetime(v.str(), ctx.facility.utc_offset_minutes);
}

// The local calendar date of a date or datetime text.
std::optional<std::chrono::year_month_day> local_day(EvalContext& ctx, const Val& v) {
  if (!v.is_string()) return std::nullopt;
  if (auto d = parse_date(v.str())) return d;
  if (auto t = instant(ctx, v)) return local_date(*t, ctx.facility.utc_offset_minutes);
  return std::nullopt;
}

Val fn_utc(EvalContext& ctx, const CallExpr& c) {
  const Val v = c.arg(ctx, 0);
  if (v.empty()) return {};
  const auto t = instant(ctx, v);
  if (!t) {
    return wrong(ctx, c, 0, "utc() needs a date and time (YYYY-MM-DDThh:mm[:ss])",
                 "utc() memerlukan tanggal dan jam (YYYY-MM-DDThh:mm[:ss])");
  }
  std::int64_t minutes = 0;
  if (c.args.size() > 1) {
    // A whole day either way is more than any visit lasts; a larger shift is a template mistake.
    const Val m = c.arg(ctx, 1);
    if (m.kind() != K::kInt || m.as_int() < -1440 || m.as_int() > 1440) {
      return wrong(ctx, c, 1, "utc()'s minutes must be a whole number from -1440 to 1440",
                   "menit pada utc() harus bilangan bulat -1440 sampai 1440");
    }
    minutes = m.as_int();
  }
  return Val::text(format_utc(*t + minutes * 60'000));
}

Val fn_date(EvalContext& ctx, const CallExpr& c) {
  const Val v = c.arg(ctx, 0);
  if (v.empty()) return {};
  if (v.is_string() && parse_date(v.str())) return v;
  const auto d = local_day(ctx, v);
  if (!d) {
    return wrong(ctx, c, 0, "date() needs a date or a date and time",
                 "date() memerlukan tanggal atau tanggal dan jam");
  }
  return Val::text(format_date(*d));
}

Val fn_days_between(EvalContext& ctx, const CallExpr& c) {
  const Val a = c.arg(ctx, 0);
  const Val b = c.arg(ctx, 1);
  if (a.empty() || b.empty()) return {};
  const auto da = local_day(ctx, a);
  if (!da)
    return wrong(ctx, c, 0, "days_between() needs dates", "days_between() memerlukan tanggal");
  const auto db = local_day(ctx, b);
  if (!db)
    return wrong(ctx, c, 1, "days_between() needs dates", "days_between() memerlukan tanggal");
  return Val::integer((std::chrono::sys_days(*db) - std::chrono::sys_days(*da)).count());
}

// ---- Presence and choice ------------------------------------------------------------------------

Val fn_exists(EvalContext& ctx, const CallExpr& c) { return Val::boolean(!c.arg(ctx, 0).empty()); }

Val fn_coalesce(EvalContext& ctx, const CallExpr& c) {
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    Val v = c.arg(ctx, i);
    if (!v.empty()) return v;
  }
  return {};
}

Val fn_if(EvalContext& ctx, const CallExpr& c) {
  if (c.arg(ctx, 0).as_bool()) return c.arg(ctx, 1);
  return c.args.size() > 2 ? c.arg(ctx, 2) : Val();
}

// ---- Tables, references ---------------------------------------------------------------------

bool check_lookup(CallExpr& c, const CompileScope& scope, std::string& problem) {
  const Val* name = literal_value(*c.args[0]);
  if (name == nullptr || !name->is_string()) {
    problem = "lookup() needs the table name in quotes, e.g. lookup('vaccines', vaccine)";
    return false;
  }
  c.table = scope.tables ? scope.tables->table(name->str()) : nullptr;
  if (c.table == nullptr) {
    problem = "there is no code table '" + std::string(name->str()) + "' (config/codes/" +
              std::string(name->str()) + ".csv)";
    return false;
  }
  return true;
}

Val fn_lookup(EvalContext& ctx, const CallExpr& c) {
  const Val code = c.arg(ctx, 1);
  if (code.empty()) return {};
  std::string key;
  if (!code.is_string() && !code.append_text(key)) {
    return wrong(ctx, c, 1, "lookup() needs a code (text or number)",
                 "lookup() memerlukan kode (teks atau angka)");
  }
  const CodeRow* row = c.table->find(code.is_string() ? code.str() : std::string_view(key));
  return row == nullptr ? Val() : Val::row(*row);
}

bool check_ref(CallExpr& c, const CompileScope& scope, std::string& problem) {
  const Val* name = literal_value(*c.args[0]);
  if (name == nullptr || !name->is_string()) {
    problem = "ref() needs the resource name in quotes, e.g. ref('encounter')";
    return false;
  }
  c.resource = scope.resource_index ? scope.resource_index(name->str()) : -1;
  if (c.resource < 0) {
    problem = "no resource is named '" + std::string(name->str()) + "' in this mapping";
    return false;
  }
  return true;
}

Val fn_ref(EvalContext& ctx, const CallExpr& c) {
  std::int64_t i = 0;
  if (c.args.size() > 1) {
    const Val v = c.arg(ctx, 1);
    if (v.kind() != K::kInt) return {};
    i = v.as_int();
  }
  if (ctx.urns == nullptr) return {};
  const auto& list = ctx.urns->urns[static_cast<std::size_t>(c.resource)];
  if (i < 0 || static_cast<std::size_t>(i) >= list.size()) return {};
  const auto& urn = list[static_cast<std::size_t>(i)];
  return urn.empty() ? Val() : Val::view(urn);
}

// Patient/{ihs} when the block names the IHS number, else a conditional reference by NIK (or the
// mother's NIK for a newborn) that delivery resolves by search (DESIGN.md §7).
Val person_ref(EvalContext& ctx, const CallExpr& c, std::string_view type, bool allow_mother) {
  const Val p = c.arg(ctx, 0);
  if (p.missing()) return {};
  if (!p.is_object()) {
    return wrong(ctx, c, 0, std::string(type) + " block must be an object",
                 "blok " + std::string(type) + " harus berupa objek");
  }
  const Val ihs = p.member("ihs_number");
  if (!ihs.empty() && ihs.is_string())
    return Val::text(std::string(type) + "/" + std::string(ihs.str()));
  std::string r(type);
  r += "?identifier=";
  const Val nik = p.member("nik");
  const Val mother = allow_mother ? p.member("mother_nik") : Val();
  if (!nik.empty() && nik.is_string()) {
    r += kNikSystem;
    r += '|';
    r += nik.str();
  } else if (!mother.empty() && mother.is_string()) {
    r += kMotherNikSystem;
    r += '|';
    r += mother.str();
  } else {
    return {};
  }
  return Val::text(std::move(r));
}

Val fn_patient_ref(EvalContext& ctx, const CallExpr& c) {
  return person_ref(ctx, c, "Patient", true);
}
Val fn_practitioner_ref(EvalContext& ctx, const CallExpr& c) {
  return person_ref(ctx, c, "Practitioner", false);
}

// A code that is given but not in the facility's table is an error, not a silently missing
// location: a vendor table (poli.csv) may point at a room this facility does not have.
const Location* location_of(EvalContext& ctx, const CallExpr& c) {
  const Val v = c.arg(ctx, 0);
  if (v.empty()) return nullptr;
  const Location* l = v.is_string() ? ctx.facility.location(v.str()) : nullptr;
  if (l == nullptr) {
    const std::string code = v.is_string() ? std::string(v.str()) : std::string(v.type_name());
    const std::string fac = ctx.facility.name.empty() ? ctx.facility.key : ctx.facility.name;
    ctx.fail(
        c, c.args[0]->input_path(ctx),
        "location code '" + code + "' is not in the locations of " + fac + " (facilities.yaml)",
        "kode lokasi '" + code + "' tidak ada di daftar lokasi " + fac + " (facilities.yaml)");
  }
  return l;
}

Val fn_location_ref(EvalContext& ctx, const CallExpr& c) {
  const Location* l = location_of(ctx, c);
  return l == nullptr ? Val() : Val::text("Location/" + l->id);
}

Val fn_location_name(EvalContext& ctx, const CallExpr& c) {
  const Location* l = location_of(ctx, c);
  return l == nullptr ? Val() : Val::view(l->name);
}

Val fn_org_ref(EvalContext& ctx, const CallExpr&) {
  return Val::text("Organization/" + ctx.facility.organization_id);
}

// ---- Text and numbers -------------------------------------------------------------------------

Val fn_concat(EvalContext& ctx, const CallExpr& c) {
  std::string out;
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const Val v = c.arg(ctx, i);
    if (v.missing() || v.kind() == K::kNull) return {};
    if (!v.append_text(out)) {
      return wrong(ctx, c, i,
                   "concat() joins text and numbers, not a " + std::string(v.type_name()),
                   "concat() hanya menggabungkan teks dan angka");
    }
  }
  return Val::text(std::move(out));
}

Val change_case(EvalContext& ctx, const CallExpr& c, bool up) {
  const Val v = c.arg(ctx, 0);
  if (v.missing() || v.kind() == K::kNull) return {};
  std::string s;
  if (!v.append_text(s)) return wrong(ctx, c, 0, "needs text", "memerlukan teks");
  for (auto& ch : s) {
    if (up && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (!up && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return Val::text(std::move(s));
}
Val fn_upper(EvalContext& ctx, const CallExpr& c) { return change_case(ctx, c, true); }
Val fn_lower(EvalContext& ctx, const CallExpr& c) { return change_case(ctx, c, false); }

Val fn_string(EvalContext& ctx, const CallExpr& c) {
  const Val v = c.arg(ctx, 0);
  if (v.missing() || v.kind() == K::kNull) return {};
  if (v.is_string()) return v;
  std::string s;
  if (!v.append_text(s))
    return wrong(ctx, c, 0, "cannot be written as text", "tidak dapat dijadikan teks");
  return Val::text(std::move(s));
}

Val fn_number(EvalContext& ctx, const CallExpr& c) {
  const Val v = c.arg(ctx, 0);
  if (v.is_number()) return v;
  if (!v.is_string()) return {};
  std::string s(v.str());
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  std::replace(s.begin(), s.end(), ',', '.');  // "36,8" as Indonesian clerks write it
  if (s.empty()) return {};
  char* end = nullptr;
  if (s.find_first_of(".eE") == std::string::npos) {
    const long long i = std::strtoll(s.c_str(), &end, 10);
    if (end != s.c_str() + s.size()) return {};
    return Val::integer(i);
  }
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return {};
  return Val::real(d);
}

Val fn_round(EvalContext& ctx, const CallExpr& c) {
  const Val v = c.arg(ctx, 0);
  if (v.missing() || v.kind() == K::kNull) return {};
  if (!v.is_number()) return wrong(ctx, c, 0, "round() needs a number", "round() memerlukan angka");
  std::int64_t digits = 0;
  if (c.args.size() > 1) {
    const Val d = c.arg(ctx, 1);
    if (d.kind() != K::kInt || d.as_int() < 0 || d.as_int() > 9) {
      return wrong(ctx, c, 1, "round()'s digits must be 0 to 9", "digit round() harus 0 sampai 9");
    }
    digits = d.as_int();
  }
  if (digits == 0) return Val::integer(std::llround(v.as_double()));
  const double scale = std::pow(10.0, static_cast<double>(digits));
  return Val::real(std::round(v.as_double() * scale) / scale);
}

Val fn_len(EvalContext& ctx, const CallExpr& c) {
  const Val v = c.arg(ctx, 0);
  if (v.is_list()) return Val::integer(static_cast<std::int64_t>(v.list_size()));
  if (v.is_string()) {
    std::int64_t n = 0;
    for (const char ch : v.str()) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    return Val::integer(n);
  }
  return v.empty() ? Val::integer(0) : Val();
}

// ---- Lists --------------------------------------------------------------------------------------

Val fn_entries(EvalContext& ctx, const CallExpr& c) {
  const Val v = c.arg(ctx, 0);
  if (v.missing() || v.kind() == K::kNull) return {};
  if (!v.is_object()) {
    return wrong(ctx, c, 0, "entries() needs an object, got " + std::string(v.type_name()),
                 "entries() memerlukan objek");
  }
  std::vector<Val> out;
  for (const auto& m : v.json_ptr()->GetObject()) {
    out.push_back(
        Val::entry(std::string_view(m.name.GetString(), m.name.GetStringLength()), m.value));
  }
  return Val::list(std::move(out));
}

Val fn_order_by(EvalContext& ctx, const CallExpr& c) {
  const Val list = c.arg(ctx, 0);
  if (list.missing() || list.kind() == K::kNull) return {};
  if (!list.is_list()) {
    return wrong(ctx, c, 0, "order_by() needs a list, got " + std::string(list.type_name()),
                 "order_by() memerlukan daftar");
  }
  const Val field = c.arg(ctx, 1);
  bool desc = false;
  if (c.args.size() > 2) desc = text_of(c.arg(ctx, 2)) == "desc";
  std::vector<Val> items;
  items.reserve(list.list_size());
  for (std::size_t i = 0; i < list.list_size(); ++i) items.push_back(list.list_at(i));
  const std::string key(text_of(field));
  // Missing sorts lowest; false < true; numbers by value; text by bytes.
  const auto rank = [&](const Val& item, const Val& other, bool& less) {
    const Val a = item.member(key), b = other.member(key);
    if (a.empty() || b.empty()) {
      less = a.empty() && !b.empty();
      return;
    }
    if (a.is_number() && b.is_number()) {
      less = a.as_double() < b.as_double();
    } else if (a.kind() == K::kBool && b.kind() == K::kBool) {
      less = !a.as_bool() && b.as_bool();
    } else if (a.is_string() && b.is_string()) {
      less = a.str() < b.str();
    } else {
      less = false;
    }
  };
  std::stable_sort(items.begin(), items.end(), [&](const Val& x, const Val& y) {
    bool less;
    if (desc) {
      rank(y, x, less);
    } else {
      rank(x, y, less);
    }
    return less;
  });
  return Val::list(std::move(items));
}

// ---- WHO growth z-scores (mappers/growth_zscore.hpp, config/growth-standards/)
// -------------------

bool check_growth(CallExpr& c, const CompileScope& scope, std::string& problem) {
  const Val* name = literal_value(*c.args[0]);
  GrowthIndicator ind;
  if (name == nullptr || !name->is_string() || !parse_indicator(name->str(), ind)) {
    problem = "the first argument must be the indicator in quotes: 'wfa', 'lhfa', 'wflh' or 'bfa'";
    return false;
  }
  if (scope.tables == nullptr || scope.tables->growth() == nullptr) {
    problem =
        "the WHO growth standards are not loaded (config/growth-standards/ next to config/codes/)";
    return false;
  }
  return true;
}

// The child's age in days at `at` and its sex, from a patient block; false when either is absent.
bool growth_subject(EvalContext& ctx, const CallExpr& c, std::size_t patient_arg,
                    std::size_t at_arg, GrowthInput& in) {
  const Val p = c.arg(ctx, patient_arg);
  if (!p.is_object()) return false;
  const Val gender = p.member("gender");
  const auto born = local_day(ctx, p.member("birth_date"));
  const auto at = local_day(ctx, c.arg(ctx, at_arg));
  if (!born || !at || !gender.is_string()) return false;
  if (gender.str() != "male" && gender.str() != "female") return false;
  in.sex = gender.str() == "male" ? GrowthSex::kMale : GrowthSex::kFemale;
  in.age_days =
      static_cast<int>((std::chrono::sys_days(*at) - std::chrono::sys_days(*born)).count());
  return true;
}

double number_or_zero(const Val& v) { return v.is_number() ? v.as_double() : 0.0; }

// who_zscore(indicator, patient, measured_at, weight_kg, length_cm[, position]): the z-score, not
// rounded; missing when the child's age, sex or a measure is absent or the WHO tables do not
// cover the child (the record still maps: the measurements go out without that z-score).
Val fn_who_zscore(EvalContext& ctx, const CallExpr& c) {
  GrowthInput in;
  parse_indicator(text_of(c.arg(ctx, 0)), in.indicator);
  if (!growth_subject(ctx, c, 1, 2, in)) return {};
  in.weight_kg = number_or_zero(c.arg(ctx, 3));
  in.length_cm = number_or_zero(c.arg(ctx, 4));
  if (c.args.size() > 5) {
    const std::string_view pos = text_of(c.arg(ctx, 5));
    in.position = pos == "lying"      ? MeasuringPosition::kLying
                  : pos == "standing" ? MeasuringPosition::kStanding
                                      : MeasuringPosition::kUnknown;
  }
  const ZScore z = ctx.tables.growth()->compute(in);
  return z.ok() ? Val::real(z.z) : Val();
}

// who_category(indicator, z, patient, measured_at): the Permenkes 2/2020 category row of
// config/growth-standards/categories.csv (.system, .code, .display, .category, .text_id), or
// missing when there is none for that indicator and age.
Val fn_who_category(EvalContext& ctx, const CallExpr& c) {
  GrowthIndicator ind;
  parse_indicator(text_of(c.arg(ctx, 0)), ind);
  const Val z = c.arg(ctx, 1);
  GrowthInput in;
  if (!z.is_number() || !growth_subject(ctx, c, 2, 3, in)) return {};
  const bool under5 = in.age_days <= kWho2006LastDay;
  const CodeRow* row = ctx.tables.growth()->categories().classify(ind, under5, z.as_double());
  return row == nullptr ? Val() : Val::row(*row);
}

constexpr std::size_t kAny = 64;

constexpr FunctionSpec kFunctions[] = {
    {"utc", 1, 2, fn_utc, nullptr},
    {"date", 1, 1, fn_date, nullptr},
    {"days_between", 2, 2, fn_days_between, nullptr},
    {"exists", 1, 1, fn_exists, nullptr},
    {"lookup", 2, 2, fn_lookup, check_lookup},
    {"ref", 1, 2, fn_ref, check_ref},
    {"patient_ref", 1, 1, fn_patient_ref, nullptr},
    {"practitioner_ref", 1, 1, fn_practitioner_ref, nullptr},
    {"location_ref", 1, 1, fn_location_ref, nullptr},
    {"location_name", 1, 1, fn_location_name, nullptr},
    {"org_ref", 0, 0, fn_org_ref, nullptr},
    {"concat", 1, kAny, fn_concat, nullptr},
    {"upper", 1, 1, fn_upper, nullptr},
    {"lower", 1, 1, fn_lower, nullptr},
    {"string", 1, 1, fn_string, nullptr},
    {"number", 1, 1, fn_number, nullptr},
    {"round", 1, 2, fn_round, nullptr},
    {"coalesce", 1, kAny, fn_coalesce, nullptr},
    {"if", 2, 3, fn_if, nullptr},
    {"len", 1, 1, fn_len, nullptr},
    {"entries", 1, 1, fn_entries, nullptr},
    {"order_by", 2, 3, fn_order_by, nullptr},
    {"who_zscore", 5, 6, fn_who_zscore, check_growth},
    {"who_category", 4, 4, fn_who_category, check_growth},
};

}  // namespace

const FunctionSpec* find_function(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace ilp::mappers::tmpl
