#include "mappers/template_input.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

#include "mappers/code_shapes.hpp"
#include "mappers/datetime.hpp"
#include "mappers/json.hpp"
#include "mappers/messages.hpp"
#include "mappers/person_blocks.hpp"

namespace ilp::mappers::tmpl {
namespace {

using Need = InputReader::Need;

struct TypeName {
  std::string_view name;
  InputSpec::Type type;
};
constexpr TypeName kTypes[] = {
    {"string", InputSpec::Type::kString},
    {"code", InputSpec::Type::kCode},
    {"number", InputSpec::Type::kNumber},
    {"integer", InputSpec::Type::kInteger},
    {"boolean", InputSpec::Type::kBoolean},
    {"date", InputSpec::Type::kDate},
    {"datetime", InputSpec::Type::kDatetime},
    {"nik", InputSpec::Type::kNik},
    {"ihs", InputSpec::Type::kIhs},
    {"icd10", InputSpec::Type::kIcd10},
    {"icd9cm", InputSpec::Type::kIcd9cm},
    {"object", InputSpec::Type::kObject},
    {"array", InputSpec::Type::kArray},
    {"patient", InputSpec::Type::kPatient},
    {"practitioner", InputSpec::Type::kPractitioner},
    {"location", InputSpec::Type::kLocation},
    {"scalar", InputSpec::Type::kScalar},
};

// The fields the shared blocks check, so templates may use them without declaring each.
constexpr std::string_view kPatientFields[] = {"nik",        "mother_nik", "name",
                                               "birth_date", "gender",     "ihs_number"};
constexpr std::string_view kPractitionerFields[] = {"nik", "ihs_number", "name"};

// Times leave as whole seconds, so order is judged on what SATUSEHAT will see.
std::int64_t seconds(std::int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

std::string_view parent_of(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}
std::string_view last_of(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

}  // namespace

bool InputSpec::compile(const YAML::Node& input, std::string_view file, const CodeTables& tables,
                        std::vector<std::string>& errors) {
  const auto where = [&](const YAML::Node& n) {
    return std::string(file) + ":" + std::to_string(n.Mark().line + 1) + ": ";
  };
  const std::size_t errors_before = errors.size();
  if (!input.IsMap()) {
    errors.push_back(where(input) + "input: must map field paths to their rules");
    return false;
  }
  for (const auto& kv : input) {
    Field f;
    f.path = kv.first.as<std::string>();
    const auto& rules = kv.second;
    const std::string at = where(kv.first) + "input '" + f.path + "': ";
    // "diagnoses[].icd10" → diagnoses (each) / icd10
    std::string_view rest = f.path;
    bool bad_path = rest.empty();
    while (!rest.empty()) {
      const auto dot = rest.find('.');
      std::string_view seg = rest.substr(0, dot);
      Segment s;
      if (seg.size() > 2 && seg.substr(seg.size() - 2) == "[]") {
        s.each = true;
        seg.remove_suffix(2);
      }
      s.key = std::string(seg);
      if (s.key.empty() || s.key.find_first_of("[] ") != std::string::npos) bad_path = true;
      f.segments.push_back(std::move(s));
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    }
    if (bad_path || f.segments.back().each) {
      errors.push_back(at + "a path is field names joined by '.', with [] after a list name");
      continue;
    }
    if (!rules.IsMap()) {
      errors.push_back(at + "rules must be a map such as {type: string, required: true}");
      continue;
    }
    bool has_type = false;
    for (const auto& r : rules) {
      const auto key = r.first.as<std::string>();
      const auto& v = r.second;
      try {
        if (key == "type") {
          const auto t = v.as<std::string>();
          has_type = false;
          for (const auto& tn : kTypes) {
            if (tn.name == t) {
              f.type = tn.type;
              has_type = true;
            }
          }
          if (!has_type) errors.push_back(at + "unknown type '" + t + "'");
          has_type = true;
        } else if (key == "required") {
          f.required = v.as<bool>();
        } else if (key == "required_unless") {
          f.required_unless = v.as<std::string>();
        } else if (key == "max_length") {
          f.max_length = v.as<std::size_t>();
        } else if (key == "min") {
          f.min = v.as<double>();
        } else if (key == "max") {
          f.max = v.as<double>();
        } else if (key == "unit") {
          // "mmHg", or {id: "kali per menit", en: "per minute"}; "%" is written without a space.
          const auto spaced = [](std::string u) { return u.empty() || u == "%" ? u : " " + u; };
          if (v.IsMap() && v["id"] && v["en"]) {
            f.unit_id = spaced(v["id"].as<std::string>());
            f.unit_en = spaced(v["en"].as<std::string>());
          } else {
            f.unit_id = f.unit_en = spaced(v.as<std::string>());
          }
        } else if (key == "below") {
          f.below = v.as<std::string>();
        } else if (key == "after") {
          f.after = v.as<std::string>();
        } else if (key == "not_future") {
          f.not_future = v.as<bool>();
        } else if (key == "not_before") {
          f.not_before = v.as<std::string>();
        } else if (key == "within_days") {
          if (!v.IsMap() || !v["from"] || !v["to"] || !v["max"]) {
            errors.push_back(at + "within_days needs from:, to: and max: (days)");
          } else {
            f.within_from = v["from"].as<std::string>();
            f.within_to = v["to"].as<std::string>();
            f.within_max = v["max"].as<int>();
          }
        } else if (key == "expected_days") {
          if (!v.IsMap() || !v["from"] || !v["to"] || v.size() < 3) {
            errors.push_back(at + "expected_days needs from:, to: and <value>: [min, max] (days)");
          } else {
            f.expected_from = v["from"].as<std::string>();
            f.expected_to = v["to"].as<std::string>();
            for (const auto& w : v) {
              const auto value = w.first.as<std::string>();
              if (value == "from" || value == "to") continue;
              const auto range = w.second.as<std::vector<int>>();
              if (range.size() != 2 || range[0] > range[1]) {
                errors.push_back(where(w.first) + "input '" + f.path + "': expected_days " + value +
                                 " is [min, max] with min <= max");
                continue;
              }
              f.expected.push_back({value, range[0], range[1]});
            }
          }
        } else if (key == "values") {
          f.values = v.as<std::vector<std::string>>();
        } else if (key == "table") {
          const auto name = v.as<std::string>();
          f.table = tables.table(name);
          if (f.table == nullptr) {
            errors.push_back(at + "there is no code table '" + name + "' (config/codes/" + name +
                             ".csv)");
          }
        } else if (key == "max_items") {
          f.max_items = v.as<std::size_t>();
        } else if (key == "label") {
          if (!v.IsMap() || !v["id"] || !v["en"]) {
            errors.push_back(at + "label needs both id: (Bahasa Indonesia) and en: (English)");
          } else {
            f.label_id = v["id"].as<std::string>();
            f.label_en = v["en"].as<std::string>();
          }
        } else {
          errors.push_back(where(r.first) + "input '" + f.path + "': unknown rule '" + key +
                           "' (see config/mappings/LANGUAGE.md)");
        }
      } catch (const YAML::Exception&) {
        errors.push_back(where(r.second) + "input '" + f.path + "': the value of '" + key +
                         "' has the wrong type");
      }
    }
    if (!has_type) errors.push_back(at + "type is missing");
    if ((f.table || !f.values.empty()) && f.type != Type::kCode) {
      errors.push_back(at + "values: and table: need type: code");
    }
    if (f.label_id.empty()) f.label_id = f.label_en = f.path;
    if (find(f.path) != nullptr) {
      errors.push_back(at + "declared twice");
      continue;
    }
    fields_.push_back(std::move(f));
  }
  for (const auto& f : fields_) {
    for (const auto* other : {&f.required_unless, &f.below, &f.after, &f.not_before, &f.within_from,
                              &f.within_to, &f.expected_from, &f.expected_to}) {
      if (!other->empty() && !declared(*other)) {
        errors.push_back(std::string(file) + ": input '" + f.path + "' refers to '" + *other +
                         "', which is not declared");
      }
    }
  }
  return errors.size() == errors_before;
}

const InputSpec::Field* InputSpec::find(std::string_view path) const {
  for (const auto& f : fields_) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

std::optional<InputSpec::Type> InputSpec::type_of(std::string_view path) const {
  const Field* f = find(path);
  if (f == nullptr) return std::nullopt;
  return f->type;
}

bool InputSpec::declared(std::string_view path) const {
  if (find(path) != nullptr) return true;
  for (const auto& f : fields_) {
    // A parent of something declared ("vitals" for "vitals.systolic").
    if (f.path.size() > path.size() && f.path.compare(0, path.size(), path) == 0 &&
        (f.path[path.size()] == '.' || f.path[path.size()] == '[')) {
      return true;
    }
  }
  // A field of a shared block ("patient.nik").
  const auto parent = parent_of(path);
  const auto t = type_of(parent);
  const auto leaf = last_of(path);
  if (t == Type::kPatient) {
    for (const auto k : kPatientFields) {
      if (k == leaf) return true;
    }
  }
  if (t == Type::kPractitioner) {
    for (const auto k : kPractitionerFields) {
      if (k == leaf) return true;
    }
  }
  return false;
}

// Walks one declared field through the record (into every element of `[]` lists) and checks it.
struct InputSpec::Checker {
  const InputSpec& spec;
  const rapidjson::Value& data;
  const Facility& facility;
  const TimeRules& rules;
  InputReader in;
  std::vector<std::string>* notes = nullptr;

  Label label(const Field& f, int item) const { return Label{f.label_id, f.label_en, item}; }

  // The value of another declared field: in the same object when it shares the parent path,
  // otherwise from the top of the record.
  const rapidjson::Value* other(const Field& f, const std::string& other_path,
                                const rapidjson::Value& parent) const {
    const rapidjson::Value* v = nullptr;
    if (parent_of(other_path) == parent_of(f.path)) {
      v = member(parent, last_of(other_path));
    } else if (other_path.find('[') == std::string::npos) {
      v = at_path(data, other_path);
    }
    return v != nullptr && !v->IsNull() ? v : nullptr;
  }

  void walk(const Field& f, std::size_t seg, const rapidjson::Value& parent,
            const std::string& path, int item) {
    const auto& s = f.segments[seg];
    if (seg + 1 == f.segments.size()) {
      check(f, parent, path, s.key, item);
      return;
    }
    const auto* v = member(parent, s.key);
    if (v == nullptr) return;  // absent parents are their own declaration's business
    const std::string child = InputReader::path(path, s.key);
    if (s.each) {
      if (!v->IsArray()) return;
      for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        if ((*v)[i].IsObject()) {
          walk(f, seg + 1, (*v)[i], InputReader::item_path(child, i), static_cast<int>(i));
        }
      }
    } else if (v->IsObject()) {
      walk(f, seg + 1, *v, child, item);
    }
  }

  void check(const Field& f, const rapidjson::Value& parent, const std::string& path,
             const std::string& key, int item) {
    const Label l = label(f, item);
    Need need = f.required ? Need::kRequired : Need::kOptional;
    if (!f.required_unless.empty() && other(f, f.required_unless, parent) == nullptr) {
      need = Need::kRequired;
    }
    switch (f.type) {
      case Type::kString:
        in.string(parent, path, key, l, need, f.max_length);
        break;
      case Type::kCode:
        code(f, parent, path, key, l, need);
        break;
      case Type::kNumber:
      case Type::kInteger:
        number(f, parent, path, key, l, need);
        break;
      case Type::kBoolean:
        in.boolean(parent, path, key, l, need);
        break;
      case Type::kDate:
        if (const auto d = in.date(parent, path, key, l, need);
            d && f.not_future && *d > rules.today) {
          in.add("value", path, key, msg::in_future(l));
        }
        break;
      case Type::kScalar:
        scalar(f, parent, path, key, l, need);
        break;
      case Type::kDatetime:
        datetime(f, parent, path, key, l, need);
        break;
      case Type::kNik:
        in.nik(parent, path, key, l, need);
        break;
      case Type::kIhs:
        in.ihs_number(parent, path, key, l, need);
        break;
      case Type::kIcd10:
      case Type::kIcd9cm: {
        constexpr std::size_t kMaxCodeChars = 16;
        const auto c = in.string(parent, path, key, l, need, kMaxCodeChars);
        const bool icd10 = f.type == Type::kIcd10;
        if (c && !(icd10 ? icd10_shape(*c) : icd9cm_shape(*c))) {
          in.add("value", path, key, icd10 ? msg::icd10(l) : msg::icd9cm(l));
        }
        break;
      }
      case Type::kObject:
        in.object(parent, path, key, l, need);
        break;
      case Type::kArray:
        if (const auto* a = in.array(parent, path, key, l, need)) list(f, *a, path, key, l);
        break;
      case Type::kPatient:
        if (const auto* o = in.object(parent, path, key, l, need)) {
          read_patient_block(in, *o, InputReader::path(path, key), rules);
        }
        break;
      case Type::kPractitioner:
        if (const auto* o = in.object(parent, path, key, l, need)) {
          read_practitioner_block(in, *o, InputReader::path(path, key));
        }
        break;
      case Type::kLocation:
        location(parent, path, key, l, need);
        break;
    }
    within_days(f, parent, path, key, l);
    expected_days(f, parent, path, key);
  }

  // A note, not an issue: the clinic records the visit it made, late or early; the note tells
  // the coordinator (e.g. "KF2 11 days after born_at, usually 3-7").
  void expected_days(const Field& f, const rapidjson::Value& parent, const std::string& path,
                     const std::string& key) {
    if (f.expected.empty() || notes == nullptr) return;
    const auto value = string_member(parent, key);
    if (!value) return;
    const auto w = std::find_if(f.expected.begin(), f.expected.end(),
                                [&](const Field::Window& x) { return x.value == *value; });
    if (w == f.expected.end()) return;
    const auto from = local_day_of(f, f.expected_from, parent);
    const auto to = local_day_of(f, f.expected_to, parent);
    if (!from || !to) return;
    const auto days = (std::chrono::sys_days(*to) - std::chrono::sys_days(*from)).count();
    if (days >= w->min && days <= w->max) return;
    notes->push_back(InputReader::path(path, key).substr(5) + " " + w->value + " " +
                     std::to_string(days) + " days after " + f.expected_from + ", usually " +
                     std::to_string(w->min) + "-" + std::to_string(w->max));
  }

  void list(const Field& f, const rapidjson::Value& a, const std::string& path,
            const std::string& key, const Label& l) {
    if (a.Size() > f.max_items) {
      in.add("value", path, key, msg::too_many(l, f.max_items));
      return;
    }
    // When fields of the elements are declared, every element must be an object.
    const std::string prefix = f.path + "[].";
    bool has_fields = false;
    for (const auto& other : spec.fields_) {
      has_fields = has_fields || other.path.compare(0, prefix.size(), prefix) == 0;
    }
    if (!has_fields) return;
    const std::string list_path = InputReader::path(path, key);
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!a[i].IsObject()) {
        in.add("invalid", InputReader::item_path(list_path, i), "",
               msg::not_object(l.at(static_cast<int>(i))));
      }
    }
  }

  // Text, a number or true/false: values such as a lab result ("13.5", 13.5 or "reaktif").
  void scalar(const Field& f, const rapidjson::Value& parent, const std::string& path,
              const std::string& key, const Label& l, Need need) {
    if (!InputReader::given(parent, key)) {
      if (need == Need::kRequired) in.add("required", path, key, msg::required(l));
      return;
    }
    const auto* v = member(parent, key);
    if (v->IsString()) {
      in.string(parent, path, key, l, need, f.max_length);
    } else if (!v->IsNumber() && !v->IsBool()) {
      in.add("invalid", path, key, msg::not_text(l));
    }
  }

  void code(const Field& f, const rapidjson::Value& parent, const std::string& path,
            const std::string& key, const Label& l, Need need) {
    constexpr std::size_t kMaxCodeChars = 128;
    const auto c = in.string(parent, path, key, l, need, kMaxCodeChars);
    if (!c) return;
    if (!f.values.empty()) {
      bool found = false;
      for (const auto& v : f.values) found = found || v == *c;
      if (!found) {
        in.add("value", path, key, msg::not_one_of(l, f.values));
        return;
      }
    }
    if (f.table != nullptr && f.table->find(*c) == nullptr) {
      in.add("code-invalid", path, key, msg::unknown_code(l, f.table->name()));
    }
  }

  // The local date of a date or datetime field, or nothing when absent or unreadable (the field
  // reports its own problem).
  std::optional<std::chrono::year_month_day> local_day_of(const Field& f,
                                                          const std::string& other_path,
                                                          const rapidjson::Value& parent) const {
    const auto* o = other(f, other_path, parent);
    if (o == nullptr || !o->IsString()) return std::nullopt;
    const std::string_view s(o->GetString(), o->GetStringLength());
    if (auto d = parse_date(s)) return d;
    const auto t = parse_datetime(s, rules.local_offset_minutes);
    if (!t) return std::nullopt;
    return local_date(*t, rules.local_offset_minutes);
  }

  void within_days(const Field& f, const rapidjson::Value& parent, const std::string& path,
                   const std::string& key, const Label& l) {
    if (!f.within_max || !InputReader::given(parent, key)) return;
    const auto from = local_day_of(f, f.within_from, parent);
    const auto to = local_day_of(f, f.within_to, parent);
    if (!from || !to) return;
    const auto days = (std::chrono::sys_days(*to) - std::chrono::sys_days(*from)).count();
    if (days <= *f.within_max) return;
    const Field* ff = spec.find(f.within_from);
    // A field inside a shared block (patient.birth_date) has the block's own label.
    const bool birth_date = f.within_from.ends_with(".birth_date");
    const Label from_label = ff != nullptr ? label(*ff, -1)
                             : birth_date  ? labels::kBirthDate
                                           : Label{f.within_from, f.within_from};
    in.add("value", path, key,
           msg::too_many_days_after(l, from_label, *f.within_max, static_cast<long>(days)));
  }

  void number(const Field& f, const rapidjson::Value& parent, const std::string& path,
              const std::string& key, const Label& l, Need need) {
    const auto* v = in.number(parent, path, key, l, need);
    if (v == nullptr) return;
    const double x = v->GetDouble();
    if (f.type == Type::kInteger && !v->IsInt64()) {
      in.add("value", path, key, msg::not_whole_number(l));
      return;
    }
    const UnitText ut{f.unit_id, f.unit_en};
    if (f.min && f.max && (x < *f.min || x > *f.max)) {
      in.add("value", path, key, msg::out_of_range(l, *f.min, *f.max, ut));
      return;
    }
    if (f.min && !f.max && x < *f.min) {
      in.add("value", path, key, msg::at_least(l, *f.min, ut));
      return;
    }
    if (f.max && !f.min && x > *f.max) {
      in.add("value", path, key, msg::at_most(l, *f.max, ut));
      return;
    }
    if (!f.below.empty()) {
      const auto* o = other(f, f.below, parent);
      if (o != nullptr && o->IsNumber() && x >= o->GetDouble()) {
        const Field* of = spec.find(f.below);
        in.add("value", path, key, msg::not_below(l, label(*of, -1)));
      }
    }
  }

  void datetime(const Field& f, const rapidjson::Value& parent, const std::string& path,
                const std::string& key, const Label& l, Need need) {
    const auto t = in.instant(parent, path, key, l, need, rules);
    if (!t) return;
    const auto compare_with = [&](const std::string& other_path, bool strictly) {
      const auto* o = other(f, other_path, parent);
      if (o == nullptr || !o->IsString()) return;
      const auto ot = parse_datetime(std::string_view(o->GetString(), o->GetStringLength()),
                                     rules.local_offset_minutes);
      if (!ot) return;  // the other field reports its own problem
      const Label ol = label(*spec.find(other_path), -1);
      if (seconds(*t) < seconds(*ot)) {
        in.add("value", path, key, msg::earlier_than(l, ol));
      } else if (strictly && seconds(*t) == seconds(*ot)) {
        in.add("value", path, key, msg::not_after(l, ol));
      }
    };
    if (!f.after.empty()) compare_with(f.after, true);
    if (!f.not_before.empty()) compare_with(f.not_before, false);
  }

  void location(const rapidjson::Value& parent, const std::string& path, const std::string& key,
                const Label& l, Need need) {
    constexpr std::size_t kMaxCodeChars = 64;
    const auto c = in.string(parent, path, key, l, need, kMaxCodeChars);
    if (!c || facility.location(*c) != nullptr) return;
    std::vector<std::string_view> codes;
    codes.reserve(facility.locations.size());
    for (const auto& loc : facility.locations) codes.emplace_back(loc.code);
    in.add("value", path, key,
           msg::unknown_location(facility.name.empty() ? facility.key : facility.name, codes));
  }
};

void InputSpec::check(const rapidjson::Value& data, const Facility& facility,
                      const TimeRules& rules, Outcome& out, std::vector<std::string>* notes) const {
  Checker c{*this, data, facility, rules, InputReader(out), notes};
  if (!data.IsObject()) {
    c.in.add("invalid", "data", "", msg::not_object(labels::kData));
    return;
  }
  for (const auto& f : fields_) c.walk(f, 0, data, "data", -1);
}

}  // namespace ilp::mappers::tmpl
