#include "gateway/validation/validator.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <climits>
#include <string>

#include "gateway/validation/messages.hpp"
#include "gateway/validation/primitives.hpp"
#include "gateway/validation/profile_data.hpp"
#include "mappers/datetime.hpp"

namespace ilp::validation {

namespace dom = simdjson::dom;

mappers::Outcome Result::outcome() const {
  mappers::Outcome o;
  for (const auto& p : problems) {
    o.add(p.code, p.expression, p.text,
          p.rule != 0 ? "SATUSEHAT rule " + std::to_string(p.rule) + " (" + p.rule_id + ")"
                      : p.rule_id);
  }
  return o;
}

namespace {

// Where the walk is. Fixed storage: the depth is bounded by the parser's limit, and pushing and
// popping happen for every member of every object.
class PathStack {
 public:
  void push_back(PathPiece p) {
    if (n_ < kCap) items_[n_] = p;
    ++n_;
  }
  void pop_back() { --n_; }
  bool empty() const { return n_ == 0; }
  void clear() { n_ = 0; }
  std::size_t size() const { return std::min(n_, kCap); }
  const PathPiece* begin() const { return items_.data(); }
  const PathPiece* end() const { return items_.data() + std::min(n_, kCap); }

 private:
  static constexpr std::size_t kCap = 256;
  std::array<PathPiece, kCap> items_{};
  std::size_t n_ = 0;
};

}  // namespace

// R4 datatypes: "strings SHALL NOT exceed 1MB in size".
constexpr std::size_t kMaxString = 1024 * 1024;

struct Validator::Impl {
  std::shared_ptr<const Profiles> profiles;
  const Profiles::Data& d;
  Limits limits;
  dom::parser parser;

  // Per call.
  const Context* ctx = nullptr;
  Result* result = nullptr;
  PathStack path;
  // Per open object, which key set each element: a stack whose slots [0, seen_top) are in use.
  // It only grows (a fresh object's slots are zeroed by hand), so opening an object costs no
  // vector resize.
  std::vector<std::uint32_t> seen;
  std::size_t seen_top = 0;
  // Top-level members of each open resource by key index, for the SATUSEHAT rules.
  std::vector<dom::element> root_values;
  std::vector<std::uint8_t> root_present;
  RuleSet::Scratch rule_scratch;
  std::string scratch;
  int future_allowed = 0;  // open elements whose times may lie ahead (rules.yaml future.allowed)
  // The resource being walked: its type, and where its own elements start in `path`.
  std::string_view resource_type;
  std::size_t resource_base = 0;

  Impl(std::shared_ptr<const Profiles> p, Limits l)
      : profiles(std::move(p)), d(profiles->data()), limits(l), parser(l.max_bytes) {
    // simdjson counts the document itself as one level.
    if (parser.allocate(64 * 1024, l.max_depth + 1) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  bool full() const { return result->problems.size() >= ctx->max_problems; }

  std::string expression(const std::vector<PathPiece>* extra = nullptr) const {
    std::string out;
    auto add = [&](const PathPiece& p) {
      if (!out.empty()) out.push_back('.');
      out.append(p.key);
      if (p.index >= 0) {
        out.push_back('[');
        out.append(std::to_string(p.index));
        out.push_back(']');
      }
    };
    for (const auto& p : path) add(p);
    if (extra != nullptr) {
      for (const auto& p : *extra) add(p);
    }
    return out;
  }

  void problem(const char* code, const char* rule_id, mappers::Text text, std::string_view key = {},
               int index = -1) {
    if (full()) return;
    Problem p;
    p.code = code;
    p.rule_id = rule_id;
    p.text = std::move(text);
    if (!key.empty()) {
      path.push_back({key, index});
      p.expression = expression();
      path.pop_back();
    } else {
      p.expression = expression();
    }
    result->problems.push_back(std::move(p));
  }

  // ---- resources ----

  void resource(const dom::element& v) {
    if (v.type() != dom::element_type::OBJECT) {
      problem("structure", "r4.resource-object", msg::resource_not_object());
      return;
    }
    std::string_view type;
    if (v.get_object().at_key("resourceType").get_string().get(type) != simdjson::SUCCESS) {
      problem("required", "r4.resource-type", msg::resource_type_missing(), "resourceType");
      return;
    }
    const int t = d.type(type);
    if (t < 0 || d.types[t].kind != TypeKind::kResource || d.types[t].abstract) {
      problem("structure", "r4.resource-type", msg::resource_type_unknown(type), "resourceType");
      return;
    }
    ++result->resources;
    const bool root = path.empty();
    if (root) path.push_back({d.types[t].name, -1});
    const auto outer_type = resource_type;
    const auto outer_base = resource_base;
    resource_type = d.types[t].name;
    resource_base = path.size();
    const Node& node = d.nodes[d.types[t].node];
    const auto& rules = d.rules_by_type[t];
    const bool run_rules = ctx->satusehat && !rules.empty();
    const std::size_t roots = root_values.size();
    if (run_rules) {
      root_values.resize(roots + node.keys.size());
      root_present.resize(roots + node.keys.size(), 0);
    }
    object(v.get_object(), node, run_rules ? static_cast<std::ptrdiff_t>(roots) : -1);
    if (run_rules && !full()) {
      d.rules.run(
          rules, v, RootMembers{root_values.data() + roots, root_present.data() + roots},
          RuleContext{ctx->org_id, ctx->date_floor},
          [this](const Rule& r, const std::vector<PathPiece>& at) {
            if (full()) return;
            Problem p;
            p.code = r.check == Check::kRequired ? "required"
                     : r.check == Check::kCode || r.check == Check::kSystem ||
                             r.check == Check::kValues || r.check == Check::kIdentifierValues
                         ? "code-invalid"
                         : "value";
            p.expression = expression(&at);
            p.rule = r.number;
            p.rule_id = r.id;
            p.text = r.message;
            result->problems.push_back(std::move(p));
          },
          rule_scratch);
    }
    if (run_rules) {
      root_values.resize(roots);
      root_present.resize(roots);
    }
    resource_type = outer_type;
    resource_base = outer_base;
    if (root) path.pop_back();
  }

  // ---- objects ----

  // `roots` >= 0: a resource's own object, whose members are noted from root_values[roots].
  void object(const dom::object& obj, const Node& node, std::ptrdiff_t roots = -2) {
    const bool resource_root = roots != -2;
    if (obj.size() == 0) {
      problem("structure", "r4.empty", msg::empty_object());
      return;
    }
    const std::size_t base = seen_top;
    seen_top += node.elements.size();
    if (seen.size() < seen_top) seen.resize(seen_top);
    std::fill_n(seen.begin() + static_cast<std::ptrdiff_t>(base), node.elements.size(), 0U);
    for (const auto field : obj) {
      if (full()) break;
      const std::string_view key = field.key;
      if (resource_root && key == "resourceType") continue;
      const Key* k = node.find(key);
      if (k == nullptr) {
        problem("structure", "r4.unknown-element", msg::unknown_element(key, node.path), key);
        continue;
      }
      const auto key_no = static_cast<std::uint32_t>(k - node.keys.data()) + 1;
      auto& slot = seen[base + k->element];
      // A primitive may come as its value and its "_" extension object, but only once each and
      // both of the same choice type.
      const std::uint32_t same = k->underscore ? slot >> 16 : slot & 0xffff;
      const std::uint32_t partner = k->underscore ? slot & 0xffff : slot >> 16;
      if (same == key_no) {
        problem("structure", "r4.duplicate-key", msg::duplicate_key(key), key);
        continue;
      }
      if (same != 0 || (partner != 0 && node.keys[partner - 1].type != k->type)) {
        problem("structure", "r4.choice-collision",
                msg::choice_collision(node.elements[k->element].name), key);
        continue;
      }
      const std::uint32_t mine = k->underscore ? key_no << 16 : key_no;
      slot |= mine;
      if (roots >= 0 && !k->underscore) {
        const auto at = static_cast<std::size_t>(roots) + static_cast<std::size_t>(key_no - 1);
        root_values[at] = field.value;
        root_present[at] = 1;
      }
      member(field.value, node.elements[k->element], *k, key, obj);
    }
    for (const auto e : node.required) {
      if (seen[base + e] == 0) {  // a value, or only its extension (data-absent-reason)
        const auto& el = node.elements[e];
        scratch = el.choice ? el.name + "[x]" : el.name;
        problem("required", "r4.required", msg::required(scratch), scratch);
      }
    }
    seen_top = base;
  }

  // Item i of the "_key" list beside a primitive list, when it is an extension object.
  static bool has_extension_at(const dom::object& parent, std::string_view key, std::size_t i) {
    std::string name;
    name.reserve(key.size() + 1);
    name.push_back('_');
    name.append(key);
    dom::array ext;
    if (parent.at_key(name).get_array().get(ext) != simdjson::SUCCESS) return false;
    dom::element item;
    return ext.at(i).get(item) == simdjson::SUCCESS && item.type() == dom::element_type::OBJECT;
  }

  void member(const dom::element& v, const ElementDef& el, const Key& k, std::string_view key,
              const dom::object& parent) {
    if (el.may_be_future) {
      ++future_allowed;
      member_values(v, el, k, key, parent);
      --future_allowed;
      return;
    }
    member_values(v, el, k, key, parent);
  }

  void member_values(const dom::element& v, const ElementDef& el, const Key& k,
                     std::string_view key, const dom::object& parent) {
    const ElementType& et = el.types[k.type];
    if (v.type() == dom::element_type::ARRAY) {
      if (el.max == 1 || el.max == 0) {
        problem("structure", "r4.not-an-array", msg::not_an_array(key), key);
        return;
      }
      const auto arr = v.get_array();
      if (arr.size() == 0) {
        problem("structure", "r4.empty", msg::empty_array(key), key);
        return;
      }
      if (el.max > 1 && arr.size() > static_cast<std::size_t>(el.max)) {
        problem("structure", "r4.max", msg::too_many(key, el.max), key);
      }
      int i = 0;
      for (const auto item : arr) {
        if (full()) return;
        path.push_back({key, i++});
        if (k.underscore) {
          if (item.type() != dom::element_type::NULL_VALUE) extension_holder(item);
        } else if (item.type() == dom::element_type::NULL_VALUE) {
          // null keeps a value list aligned with its "_" list: only where the other has an
          // extension at the same place (R4 JSON, "Representing primitive elements").
          if (!has_extension_at(parent, key, static_cast<std::size_t>(i - 1))) {
            problem("structure", "r4.null", msg::null_value());
          }
        } else {
          value(item, el, et);
        }
        path.pop_back();
      }
      return;
    }
    if (el.max != 1 && el.max != 0) {
      problem("structure", "r4.array-expected", msg::array_expected(key), key);
      return;
    }
    if (el.max == 0) {
      problem("structure", "r4.prohibited", msg::prohibited(key), key);
      return;
    }
    path.push_back({key, -1});
    if (k.underscore) {
      extension_holder(v);
    } else if (v.type() == dom::element_type::NULL_VALUE) {
      problem("structure", "r4.null", msg::null_value());
    } else {
      value(v, el, et);
    }
    path.pop_back();
  }

  // The object beside a primitive ("_birthDate"): id and extensions only.
  void extension_holder(const dom::element& v) {
    if (v.type() != dom::element_type::OBJECT) {
      problem("structure", "r4.json-type", msg::expected_object());
      return;
    }
    if (d.element_node >= 0) object(v.get_object(), d.nodes[d.element_node]);
  }

  // ---- values ----

  void value(const dom::element& v, const ElementDef& el, const ElementType& et) {
    const TypeDef& t = d.types[et.type];
    if (el.children >= 0) {
      if (v.type() != dom::element_type::OBJECT) {
        problem("structure", "r4.json-type", msg::expected_object());
        return;
      }
      object(v.get_object(), d.nodes[el.children]);
      return;
    }
    switch (t.kind) {
      case TypeKind::kResource:
        resource(v);
        return;
      case TypeKind::kPrimitive:
        primitive(v, t, el);
        return;
      case TypeKind::kComplex:
        break;
    }
    if (v.type() != dom::element_type::OBJECT) {
      problem("structure", "r4.json-type", msg::expected_object());
      return;
    }
    object(v.get_object(), d.nodes[t.node]);
    if (!et.targets.empty()) reference_target(v, et);
    if (!et.targets.empty()) own_organization(v, el);
    if (el.binding >= 0) coded_binding(v, d.valuesets[el.binding]);
  }

  void primitive(const dom::element& v, const TypeDef& t, const ElementDef& el) {
    const auto jt = v.type();
    switch (t.primitive) {
      case Primitive::kBoolean:
        if (jt != dom::element_type::BOOL)
          problem("value", "r4.json-type", msg::expected_boolean());
        return;
      case Primitive::kDecimal:
        if (jt != dom::element_type::INT64 && jt != dom::element_type::UINT64 &&
            jt != dom::element_type::DOUBLE) {
          problem("value", "r4.json-type", msg::expected_number());
        }
        return;
      case Primitive::kInteger:
      case Primitive::kPositiveInt:
      case Primitive::kUnsignedInt: {
        std::int64_t n = 0;
        if (jt == dom::element_type::INT64) {
          n = v.get_int64().value();
        } else if (jt == dom::element_type::UINT64) {
          n = LLONG_MAX;
        } else {
          problem("value", "r4.json-type", msg::expected_integer());
          return;
        }
        const std::int64_t lo = t.primitive == Primitive::kPositiveInt   ? 1
                                : t.primitive == Primitive::kUnsignedInt ? 0
                                                                         : INT_MIN;
        if (n < lo || n > INT_MAX) problem("value", "r4.range", msg::integer_range(t.name));
        return;
      }
      default:
        break;
    }
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
      problem("value", "r4.json-type", msg::expected_string(t.name));
      return;
    }
    if (s.size() > kMaxString) {
      problem("too-long", "r4.too-long", msg::string_too_long(kMaxString));
      return;
    }
    if (!valid_value(t.primitive, s)) {
      problem("value", "r4.format", msg::bad_format(t.name));
      return;
    }
    if (ctx->satusehat) platform_time(s, t.primitive);
    if (el.binding >= 0 && t.primitive == Primitive::kCode &&
        !d.valuesets[el.binding].contains(s)) {
      problem("code-invalid", "r4.binding", msg::not_in_valueset(d.valuesets[el.binding].name));
    }
  }

  // SATUSEHAT's checks of every time in every element (rules.yaml utc:, floor:, future:): written
  // in UTC, not before the date floor, not in the future. Plain dates only meet the last.
  void platform_time(std::string_view s, Primitive p) {
    const bool date_time = p == Primitive::kDateTime || p == Primitive::kInstant;
    if (!date_time && p != Primitive::kDate) return;
    if (date_time && d.rules.utc().on && s.size() > 10 && !utc_text(s) && !utc_rule_covers()) {
      problem("value", "satusehat.utc", d.rules.utc().message);
    }
    if (date_time && d.rules.floor().on && before_floor(s)) {
      problem("value", "satusehat.floor", d.rules.floor().message);
    }
    if (ctx->now_ms != 0 && future_allowed == 0 && in_future(s)) {
      problem("value", "satusehat.future", d.rules.future().message);
    }
  }

  // Whether a `utc` rule of the resource being walked names the element at the current path; then
  // the rule reports it, with its number and words. Only asked about a time not in UTC.
  bool utc_rule_covers() {
    scratch.assign(resource_type);
    for (std::size_t i = resource_base; i < path.size(); ++i) {
      scratch.push_back('.');
      scratch.append(path.begin()[i].key);
    }
    return d.utc_rule_paths.find(scratch) != d.utc_rule_paths.end();
  }

  // The calendar date of a date-time against the floor: "2014-06-02T23:00:00+00:00" is before
  // "2014-06-03". A year or a month alone is compared as far as it goes.
  bool before_floor(std::string_view s) const {
    const auto date = s.substr(0, std::min<std::size_t>(10, s.size()));
    return date < ctx->date_floor.substr(0, std::min(date.size(), ctx->date_floor.size()));
  }

  // "Organization/{id}" under serviceProvider, managingOrganization or performer: the facility's
  // own.
  void own_organization(const dom::element& v, const ElementDef& el) {
    const auto& own = d.rules.own_organization();
    if (!own.on || !ctx->satusehat || ctx->org_id.empty()) return;
    if (std::find(own.elements.begin(), own.elements.end(), el.name) == own.elements.end()) return;
    std::string_view ref;
    if (v.get_object().at_key("reference").get_string().get(ref) != simdjson::SUCCESS) return;
    constexpr std::string_view kPrefix = "Organization/";
    if (!ref.starts_with(kPrefix)) return;
    auto id = ref.substr(kPrefix.size());
    id = id.substr(0, id.find('/'));  // Organization/{id}/_history/{v}
    if (id == ctx->org_id) return;
    path.push_back({"reference", -1});
    problem("business-rule", "satusehat.organization", own.message);
    path.pop_back();
  }

  // A time later than now plus the tolerance; a date counts from its first moment (UTC). Partial
  // dates ("2025", "2025-03") are not looked at.
  bool in_future(std::string_view s) const {
    const auto& f = d.rules.future();
    if (!f.on) return false;
    std::int64_t t = 0;
    if (s.size() > 10) {
      const auto ms = mappers::parse_datetime(s, 0);
      if (!ms) return false;
      t = *ms;
    } else if (const auto day = mappers::parse_date(s)) {
      t = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::sys_days(*day).time_since_epoch())
              .count();
    } else {
      return false;
    }
    return t > ctx->now_ms + f.tolerance_ms;
  }

  // Reference.reference "Patient/123" or "Patient?identifier=…" must name a type the element
  // allows; urn:uuid and absolute URLs are left to the bundle.
  void reference_target(const dom::element& v, const ElementType& et) {
    if (et.targets.size() == 1 && et.targets[0] == "Resource") return;
    std::string_view ref;
    if (v.get_object().at_key("reference").get_string().get(ref) != simdjson::SUCCESS) return;
    // Most references in a bundle are urn:uuid: ones, so the prefixes are looked at before the
    // reference is scanned; and a loop rather than find_first_of("/?"), which calls memchr once
    // per character.
    if (ref.empty() || ref.starts_with("urn:") || ref.starts_with("http") || ref.front() == '#') {
      return;
    }
    std::size_t end = 0;
    while (end < ref.size() && ref[end] != '/' && ref[end] != '?') ++end;
    if (end == ref.size()) return;
    const auto type = ref.substr(0, end);
    for (const auto& target : et.targets) {
      if (target == type) return;
    }
    path.push_back({"reference", -1});
    problem("value", "r4.reference-target", msg::reference_target(type));
    path.pop_back();
  }

  // A required binding on a Coding or CodeableConcept: a coding must come from the value set
  // (R4: "the concept SHALL be from the value set"). Codings of other systems beside it are
  // translations and are left alone.
  void coded_binding(const dom::element& v, const ValueSet& vs) {
    // Returns true when the coding is from the value set; reports a wrong code of its system.
    auto from_set = [&](const dom::element& coding, int index) {
      std::string_view system;
      std::string_view code;
      if (coding.type() != dom::element_type::OBJECT ||
          coding.get_object().at_key("system").get_string().get(system) != simdjson::SUCCESS ||
          coding.get_object().at_key("code").get_string().get(code) != simdjson::SUCCESS) {
        return false;
      }
      const auto set = vs.codes.find(system);
      if (set == vs.codes.end()) return false;
      if (set->second.find(code) != set->second.end()) return true;
      if (index >= 0) path.push_back({"coding", index});
      path.push_back({"code", -1});
      problem("code-invalid", "r4.binding", msg::not_in_valueset(vs.name));
      path.pop_back();
      if (index >= 0) path.pop_back();
      return true;  // reported already
    };
    dom::array codings;
    bool found = false;
    const auto has_codings =
        v.get_object().at_key("coding").get_array().get(codings) == simdjson::SUCCESS;
    if (has_codings) {
      int i = 0;
      for (const auto c : codings) found = from_set(c, i++) || found;
    } else if (v.get_object().at_key("code").error() == simdjson::SUCCESS ||
               v.get_object().at_key("system").error() == simdjson::SUCCESS) {
      found = from_set(v, -1);  // a Coding
    } else {
      found = false;  // a CodeableConcept with text only
    }
    if (!found) {
      if (has_codings) path.push_back({"coding", -1});
      problem("code-invalid", "r4.binding", msg::no_code_from_valueset(vs.name));
      if (has_codings) path.pop_back();
    }
  }
};

Validator::Validator(std::shared_ptr<const Profiles> profiles, Limits limits)
    : impl_(std::make_unique<Impl>(std::move(profiles), limits)) {}
Validator::~Validator() = default;

Result Validator::validate(std::string_view json, const Context& ctx) {
  Result result;
  auto& m = *impl_;
  m.ctx = &ctx;
  m.result = &result;
  m.path.clear();
  m.seen_top = 0;
  if (json.size() > m.limits.max_bytes) {
    m.problem("too-long", "r4.size", msg::too_large(m.limits.max_bytes));
    return result;
  }
  dom::element root;
  const auto err = m.parser.parse(json.data(), json.size(), true).get(root);
  if (err != simdjson::SUCCESS) {
    m.problem(err == simdjson::DEPTH_ERROR ? "too-long" : "structure", "r4.json",
              msg::bad_json(err, m.limits.max_depth));
    return result;
  }
  m.resource(root);
  return result;
}

}  // namespace ilp::validation
