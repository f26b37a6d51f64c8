#include "gateway/validation/rules.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "mappers/datetime.hpp"

namespace ilp::validation {

namespace dom = simdjson::dom;

// ---- Shape --------------------------------------------------------------------------------------

bool Shape::compile(std::string_view text, Shape& out, std::string& error) {
  out.text_ = std::string(text);
  out.alternatives_.assign(1, {});
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    auto& alt = out.alternatives_.back();
    if (c == '|') {
      if (alt.empty()) {
        error = "empty alternative in shape \"" + std::string(text) + "\"";
        return false;
      }
      out.alternatives_.emplace_back();
    } else if (c == '+') {
      if (alt.empty() || alt.back().repeat) {
        error = "'+' without a class before it in shape \"" + std::string(text) + "\"";
        return false;
      }
      alt.back().repeat = true;
    } else if (c == '\'') {
      const auto end = text.find('\'', i + 1);
      if (end == std::string_view::npos || end == i + 1) {
        error = "unclosed or empty quote in shape \"" + std::string(text) + "\"";
        return false;
      }
      for (std::size_t k = i + 1; k < end; ++k) alt.push_back({'L', text[k], false});
      i = end;
    } else if (c == 'A' || c == 'a' || c == '9' || c == 'X') {
      alt.push_back({c, 0, false});
    } else {
      alt.push_back({'L', c, false});  // punctuation such as '.' or '-' stands for itself
    }
  }
  if (out.alternatives_.back().empty()) {
    error = "empty shape \"" + std::string(text) + "\"";
    return false;
  }
  return true;
}

namespace {
bool atom_accepts(char cls, char literal, char c) {
  switch (cls) {
    case 'A':
      return c >= 'A' && c <= 'Z';
    case 'a':
      return c >= 'a' && c <= 'z';
    case '9':
      return c >= '0' && c <= '9';
    case 'X':
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    default:
      return c == literal;
  }
}
}  // namespace

bool Shape::match_from(const std::vector<Atom>& alt, std::size_t ai, std::string_view s,
                       std::size_t si) {
  while (ai < alt.size()) {
    const Atom& a = alt[ai];
    if (!a.repeat) {
      if (si >= s.size() || !atom_accepts(a.cls, a.literal, s[si])) return false;
      ++ai;
      ++si;
      continue;
    }
    // One or more, longest first; shapes are short, so backtracking stays cheap.
    std::size_t n = 0;
    while (si + n < s.size() && atom_accepts(a.cls, a.literal, s[si + n])) ++n;
    for (; n >= 1; --n) {
      if (match_from(alt, ai + 1, s, si + n)) return true;
    }
    return false;
  }
  return si == s.size();
}

bool Shape::matches(std::string_view code) const {
  for (const auto& alt : alternatives_) {
    if (match_from(alt, 0, code, 0)) return true;
  }
  return false;
}

// ---- loading ------------------------------------------------------------------------------------

namespace {

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= p.size()) {
    const auto dot = p.find('.', start);
    out.push_back(p.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

bool text_of(const YAML::Node& n, mappers::Text& out) {
  if (!n || !n.IsMap()) return false;
  const auto id = n["id"];
  const auto en = n["en"];
  if (!id || !en || !id.IsScalar() || !en.IsScalar()) return false;
  out.id = id.as<std::string>();
  out.en = en.as<std::string>();
  return !out.id.empty() && !out.en.empty();
}

std::vector<std::string> scalars(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.as<std::string>());
  } else if (n.IsSequence()) {
    for (const auto& v : n) out.push_back(v.as<std::string>());
  }
  return out;
}

const std::pair<std::string_view, Check> kChecks[] = {
    {"required", Check::kRequired},
    {"system", Check::kSystem},
    {"code", Check::kCode},
    {"pattern", Check::kPattern},
    {"utc", Check::kUtc},
    {"floor", Check::kFloor},
    {"after", Check::kAfter},
    {"includes", Check::kIncludes},
    {"values", Check::kValues},
    {"unit", Check::kUnit},
    {"system_prefix", Check::kSystemPrefix},
    {"identifier_values", Check::kIdentifierValues},
};

}  // namespace

std::string_view to_string(Check c) {
  for (const auto& [name, check] : kChecks) {
    if (check == c) return name;
  }
  return "?";
}

bool RuleSet::load(const std::string& yaml_text, const std::string& label,
                   std::vector<std::string>& errors) {
  const auto before = errors.size();
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    errors.push_back(label + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    return false;
  }
  std::unordered_map<std::string, Shape> shapes;
  if (const auto s = root["shapes"]; s && s.IsMap()) {
    for (const auto& kv : s) {
      Shape shape;
      std::string err;
      if (!Shape::compile(kv.second.as<std::string>(), shape, err)) {
        errors.push_back(label + ":" + std::to_string(kv.second.Mark().line + 1) + ": " + err);
        continue;
      }
      shapes.emplace(kv.first.as<std::string>(), std::move(shape));
    }
  }
  if (const auto f = root["future"]) {
    const auto where = label + ":" + std::to_string(f.Mark().line + 1) + ": ";
    try {
      future_.on = true;
      future_.tolerance_ms =
          (f["tolerance_minutes"] ? f["tolerance_minutes"].as<std::int64_t>() : 0) * 60 * 1000;
      if (future_.tolerance_ms < 0) errors.push_back(where + "future: tolerance_minutes < 0");
      if (const auto a = f["allowed"]; a && a.IsSequence()) {
        for (const auto& p : a) {
          future_.allowed.push_back(p.as<std::string>());
          future_.allowed_lines.push_back(p.Mark().line + 1);
        }
      }
      if (!text_of(f["message"], future_.message)) {
        errors.push_back(where + "future: message needs both `id` and `en` text");
      }
    } catch (const YAML::Exception& e) {
      errors.push_back(where + "future: " + e.msg);
    }
  }
  if (const auto o = root["own_organization"]) {
    own_org_.on = true;
    own_org_.elements = scalars(o["elements"]);
    if (own_org_.elements.empty() || !text_of(o["message"], own_org_.message)) {
      errors.push_back(label + ":" + std::to_string(o.Mark().line + 1) +
                       ": own_organization: needs `elements` and a message with `id` and `en`");
    }
  }
  // The checks of every time in every resource: a message each.
  for (auto [name, on, message] : {std::tuple{"floor", &floor_.on, &floor_.message},
                                   std::tuple{"utc", &utc_.on, &utc_.message}}) {
    if (const auto f = root[name]) {
      *on = true;
      if (!text_of(f["message"], *message)) {
        errors.push_back(label + ":" + std::to_string(f.Mark().line + 1) + ": " + name +
                         ": message needs both `id` and `en` text");
      }
    }
  }
  const auto list = root["rules"];
  if (!list || !list.IsSequence()) {
    errors.push_back(label + ":1: a list `rules:` is required");
    return false;
  }
  std::set<std::string> ids;
  for (const auto& n : list) {
    Rule r;
    r.line = n.Mark().line + 1;
    const std::string where = label + ":" + std::to_string(r.line) + ": ";
    auto fail = [&](const std::string& what) { errors.push_back(where + what); };
    try {
      r.id = n["id"] ? n["id"].as<std::string>() : "";
      r.type = n["type"] ? n["type"].as<std::string>() : "";
      r.path_text = n["path"] ? n["path"].as<std::string>() : "";
      r.number = n["rule"] ? n["rule"].as<int>() : 0;
      if (r.id.empty() || r.type.empty() || r.path_text.empty()) {
        fail("every rule needs id, type and path");
        continue;
      }
      if (!ids.insert(r.id).second) {
        fail("rule id \"" + r.id + "\" is used twice");
        continue;
      }
      r.path = split_path(r.path_text);
      const auto check = n["check"] ? n["check"].as<std::string>() : "";
      const auto it = std::find_if(std::begin(kChecks), std::end(kChecks),
                                   [&](const auto& c) { return c.first == check; });
      if (it == std::end(kChecks)) {
        fail("rule " + r.id + ": unknown check \"" + check + "\"");
        continue;
      }
      r.check = it->second;
      if (!text_of(n["message"], r.message)) {
        fail("rule " + r.id + ": message needs both `id` and `en` text");
        continue;
      }
      if (n["fix"] && !text_of(n["fix"], r.fix)) {
        fail("rule " + r.id + ": fix needs both `id` and `en` text");
        continue;
      }
      if (const auto w = n["when"]) {
        const auto add = [&](const YAML::Node& c) {
          Condition cond;
          cond.path = split_path(c["path"].as<std::string>());
          if (c["equals"]) {
            cond.op = Condition::Op::kEquals;
            cond.values = scalars(c["equals"]);
          } else if (c["exists"]) {
            cond.op = c["exists"].as<bool>() ? Condition::Op::kExists : Condition::Op::kMissing;
          } else {
            return false;
          }
          r.when.push_back(std::move(cond));
          return true;
        };
        bool ok = true;
        if (w.IsSequence()) {
          for (const auto& c : w) ok = ok && add(c);
        } else {
          ok = add(w);
        }
        if (!ok) {
          fail("rule " + r.id + ": `when` needs path and equals or exists");
          continue;
        }
      }
      r.systems = scalars(n["systems"]);
      r.every = n["every"] && n["every"].as<bool>();
      r.values = scalars(n["values"]);
      if (n["than"]) r.than = split_path(n["than"].as<std::string>());
      r.or_equal = n["or_equal"] && n["or_equal"].as<bool>();
      if (n["pattern"]) r.pattern = n["pattern"].as<std::string>();
      if (const auto u = n["units"]; u && u.IsMap()) {
        for (const auto& kv : u)
          r.units.emplace(kv.first.as<std::string>(), kv.second.as<std::string>());
      }
      if (const auto s = n["shapes"]; s && s.IsMap()) {
        bool ok = true;
        for (const auto& kv : s) {
          const auto name = kv.second.as<std::string>();
          const auto sh = shapes.find(name);
          if (sh == shapes.end()) {
            fail("rule " + r.id + ": unknown shape \"" + name + "\" (define it under shapes:)");
            ok = false;
            break;
          }
          r.shapes.emplace_back(kv.first.as<std::string>(), sh->second);
        }
        if (!ok) continue;
      }
      const bool missing =
          ((r.check == Check::kSystem || r.check == Check::kSystemPrefix) && r.systems.empty()) ||
          (r.check == Check::kIdentifierValues && (r.systems.empty() || r.values.empty())) ||
          (r.check == Check::kCode && r.shapes.empty()) ||
          (r.check == Check::kPattern && r.pattern.empty()) ||
          (r.check == Check::kAfter && r.than.empty()) ||
          ((r.check == Check::kIncludes || r.check == Check::kValues) && r.values.empty()) ||
          (r.check == Check::kUnit && r.units.empty());
      if (missing) {
        fail("rule " + r.id + ": check \"" + check + "\" needs its parameter (see README)");
        continue;
      }
    } catch (const YAML::Exception& e) {
      fail("rule " + r.id + ": " + e.msg);
      continue;
    }
    rules_.push_back(std::move(r));
  }
  return errors.size() == before;
}

// ---- evaluation ---------------------------------------------------------------------------------

namespace {

using Pieces = std::vector<PathPiece>;

template <class F>
void each_at(const dom::element& at, const std::vector<std::string>& path, std::size_t i,
             Pieces& pieces, F&& fn);

// `child` was found at path[i]: fan out over a list, then go on below it.
template <class F>
void step(const dom::element& child, const std::vector<std::string>& path, std::size_t i,
          Pieces& pieces, F&& fn) {
  if (child.type() == dom::element_type::ARRAY) {
    int k = 0;
    for (const auto v : child.get_array()) {
      pieces.push_back({path[i], k++});
      each_at(v, path, i + 1, pieces, fn);
      pieces.pop_back();
    }
    return;
  }
  pieces.push_back({path[i], -1});
  each_at(child, path, i + 1, pieces, fn);
  pieces.pop_back();
}

// Calls fn(value, pieces) for every value at `path` below `at`, arrays fanned out.
template <class F>
void each_at(const dom::element& at, const std::vector<std::string>& path, std::size_t i,
             Pieces& pieces, F&& fn) {
  if (i == path.size()) {
    fn(at, pieces);
    return;
  }
  dom::element child;
  if (at.type() != dom::element_type::OBJECT ||
      at.get_object().at_key(path[i]).get(child) != simdjson::SUCCESS) {
    return;
  }
  step(child, path, i, pieces, fn);
}

// The same from the resource, its first step taken from the walk's index of top-level members.
struct Root {
  const dom::element& resource;
  const RootMembers& members;
};

template <class F>
void each_at(const Root& root, const std::vector<std::string>& path, int first_key, Pieces& pieces,
             F&& fn) {
  if (path.empty()) return;
  if (first_key < 0 || root.members.present == nullptr) {
    each_at(root.resource, path, 0, pieces, fn);
    return;
  }
  if (root.members.present[first_key] == 0) return;
  step(root.members.values[first_key], path, 0, pieces, fn);
}

// The path as far as it exists, then the rest as written: where a missing element belongs.
Pieces missing_at(const dom::element& root, const std::vector<std::string>& path) {
  Pieces out;
  dom::element at = root;
  bool gone = false;  // once a step is missing, the rest is only named
  for (const auto& key : path) {
    dom::element child;
    if (gone || at.type() != dom::element_type::OBJECT ||
        at.get_object().at_key(key).get(child) != simdjson::SUCCESS) {
      gone = true;
      out.push_back({key, -1});
      continue;
    }
    if (child.type() == dom::element_type::ARRAY) {
      dom::element first;
      if (child.get_array().at(0).get(first) != simdjson::SUCCESS) {
        gone = true;
        out.push_back({key, -1});
        continue;
      }
      out.push_back({key, 0});
      at = first;
    } else {
      out.push_back({key, -1});
      at = child;
    }
  }
  return out;
}

bool present(const dom::element& v);

// `every: true` on a required rule: each item of each list on the way must lead to a value. The
// first that does not is left in `at` (its list indexes, then the rest of the path as written).
// A resource without the first element at all is left to a plain required rule.
bool first_missing(const dom::element& v, const std::vector<std::string>& path, std::size_t i,
                   Pieces& at) {
  if (i == path.size()) return !present(v);
  dom::element child;
  if (v.type() != dom::element_type::OBJECT ||
      v.get_object().at_key(path[i]).get(child) != simdjson::SUCCESS) {
    if (i == 0) return false;
    for (std::size_t k = i; k < path.size(); ++k) at.push_back({path[k], -1});
    return true;
  }
  if (child.type() == dom::element_type::ARRAY) {
    int n = 0;
    for (const auto item : child.get_array()) {
      at.push_back({path[i], n++});
      if (first_missing(item, path, i + 1, at)) return true;
      at.pop_back();
    }
    if (n > 0) return false;
    at.push_back({path[i], -1});
    return true;
  }
  at.push_back({path[i], -1});
  if (first_missing(child, path, i + 1, at)) return true;
  at.pop_back();
  return false;
}

bool present(const dom::element& v) {
  switch (v.type()) {
    case dom::element_type::NULL_VALUE:
      return false;
    case dom::element_type::STRING:
      return !std::string_view(v.get_string().value()).empty();
    case dom::element_type::ARRAY:
      return v.get_array().size() > 0;
    case dom::element_type::OBJECT:
      return v.get_object().size() > 0;
    default:
      return true;
  }
}

// JSON scalar as text, for `equals` and `values`: strings as they are, the rest as written.
// Numbers are written into `buf`, which `out` then points into: no string is built per value.
struct ScalarText {
  std::string_view out;
  char buf[24];  // an int64 or uint64 in decimal

  bool of(const dom::element& v) {
    switch (v.type()) {
      case dom::element_type::STRING:
        out = v.get_string().value();
        return true;
      case dom::element_type::BOOL:
        out = v.get_bool().value() ? "true" : "false";
        return true;
      case dom::element_type::INT64:
        return number(v.get_int64().value());
      case dom::element_type::UINT64:
        return number(v.get_uint64().value());
      default:
        return false;
    }
  }

 private:
  template <class N>
  bool number(N n) {
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out = std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
    return true;
  }
};

bool listed(const std::vector<std::string>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

std::string_view string_at(const dom::element& obj, std::string_view key) {
  std::string_view s;
  if (obj.type() != dom::element_type::OBJECT) return {};
  if (obj.get_object().at_key(key).get_string().get(s)) return {};
  return s;
}

bool conditions_hold(const Rule& r, const Root& resource, Pieces& scratch) {
  for (const auto& c : r.when) {
    bool any = false;
    bool equal = false;
    ScalarText text;
    scratch.clear();
    each_at(resource, c.path, c.first_key, scratch, [&](const dom::element& v, const Pieces&) {
      if (!present(v)) return;
      any = true;
      if (c.op == Condition::Op::kEquals && text.of(v) && listed(c.values, text.out)) {
        equal = true;
      }
    });
    const bool holds = c.op == Condition::Op::kExists    ? any
                       : c.op == Condition::Op::kMissing ? !any
                                                         : equal;
    if (!holds) return false;
  }
  return true;
}

// Codings of a Coding or CodeableConcept value, with the pieces that lead to each.
template <class F>
void each_coding(const dom::element& v, Pieces& pieces, F&& fn) {
  if (v.type() != dom::element_type::OBJECT) return;
  dom::array codings;
  if (!v.get_object().at_key("coding").get_array().get(codings)) {
    int k = 0;
    for (const auto c : codings) {
      pieces.push_back({"coding", k++});
      fn(c, pieces);
      pieces.pop_back();
    }
    return;
  }
  fn(v, pieces);
}

bool pattern_matches(std::string_view pattern, std::string_view org, std::string_view s) {
  const auto at = pattern.find("{org}");
  if (at == std::string_view::npos) return s == pattern;
  const auto prefix = pattern.substr(0, at);
  const auto suffix = pattern.substr(at + 5);
  if (s.size() < prefix.size() + suffix.size() || s.substr(0, prefix.size()) != prefix ||
      s.substr(s.size() - suffix.size()) != suffix) {
    return false;
  }
  const auto middle = s.substr(prefix.size(), s.size() - prefix.size() - suffix.size());
  if (!org.empty()) return middle == org;
  return !middle.empty() && std::all_of(middle.begin(), middle.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
  });
}

}  // namespace

bool utc_text(std::string_view s) {
  static constexpr std::string_view kMask = "9999-99-99T99:99:99+00:00";
  if (s.size() != kMask.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (kMask[i] == '9' ? (s[i] < '0' || s[i] > '9') : s[i] != kMask[i]) return false;
  }
  return true;
}

void RuleSet::run(const std::vector<std::size_t>& rules, const dom::element& resource,
                  const RootMembers& members, const RuleContext& ctx, Report report,
                  Scratch& scratch) const {
  const Root root{resource, members};
  Pieces& pieces = scratch.pieces;
  for (const auto idx : rules) {
    const Rule& r = rules_[idx];
    if (!r.when.empty() && !conditions_hold(r, root, scratch.condition)) continue;
    pieces.clear();
    switch (r.check) {
      case Check::kRequired: {
        if (r.every) {
          if (first_missing(resource, r.path, 0, pieces)) report(r, pieces);
          break;
        }
        bool any = false;
        each_at(root, r.path, r.first_key, pieces,
                [&](const dom::element& v, const Pieces&) { any = any || present(v); });
        if (!any) report(r, missing_at(resource, r.path));
        break;
      }
      case Check::kSystem:
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, Pieces& at) {
          bool any_listed = false;
          bool reported = false;
          each_coding(v, at, [&](const dom::element& c, const Pieces& cat) {
            const auto sys = string_at(c, "system");
            const bool listed =
                std::find(r.systems.begin(), r.systems.end(), sys) != r.systems.end();
            any_listed = any_listed || listed;
            if (r.every && !listed) {
              Pieces where = cat;
              where.push_back({"system", -1});
              report(r, where);
              reported = true;
            }
          });
          if (any_listed || reported) return;
          Pieces where = at;
          dom::element codings;
          if (v.type() == dom::element_type::OBJECT &&
              v.get_object().at_key("coding").get(codings) == simdjson::SUCCESS) {
            where.push_back({"coding", 0});
          }
          where.push_back({"system", -1});
          report(r, where);
        });
        break;
      case Check::kCode:
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, Pieces& at) {
          each_coding(v, at, [&](const dom::element& c, const Pieces& cat) {
            const auto sys = string_at(c, "system");
            for (const auto& [system, shape] : r.shapes) {
              if (system != sys) continue;
              if (!shape.matches(string_at(c, "code"))) {
                Pieces where = cat;
                where.push_back({"code", -1});
                report(r, where);
              }
            }
          });
        });
        break;
      case Check::kPattern: {
        bool any = false;
        bool ok = false;
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, const Pieces&) {
          any = true;
          ok = ok || pattern_matches(r.pattern, ctx.org_id, string_at(v, "system"));
        });
        if (!ok) {
          Pieces where = missing_at(resource, r.path);
          if (any) where.push_back({"system", -1});
          report(r, where);
        }
        break;
      }
      case Check::kUtc:
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, const Pieces& at) {
          std::string_view s;
          if (!v.get_string().get(s) && !utc_text(s)) report(r, at);
        });
        break;
      case Check::kFloor:
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, const Pieces& at) {
          std::string_view s;
          if (v.get_string().get(s)) return;
          const auto date = s.substr(0, std::min<std::size_t>(10, s.size()));
          if (date < ctx.date_floor.substr(0, date.size())) report(r, at);
        });
        break;
      case Check::kAfter: {
        std::string_view than;
        each_at(root, r.than, r.than_first_key, pieces, [&](const dom::element& v, const Pieces&) {
          if (than.empty() && v.get_string().get(than) != simdjson::SUCCESS) than = {};
        });
        if (than.size() < 10) break;
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, const Pieces& at) {
          std::string_view s;
          if (v.get_string().get(s) != simdjson::SUCCESS || s.size() < 10) return;
          if (s.size() == 10 || than.size() == 10) {
            // A date against a date-time: the day counts (a vaccine expiring on the 19th may be
            // given on the 19th).
            if (s.substr(0, 10) < than.substr(0, 10)) report(r, at);
            return;
          }
          const auto t = mappers::parse_datetime(s, 0);
          const auto limit = mappers::parse_datetime(than, 0);
          if (t && limit && (r.or_equal ? *t < *limit : *t <= *limit)) report(r, at);
        });
        break;
      }
      case Check::kIncludes: {
        // Which of r.values were met, by position; counted rather than collected, so no string
        // is kept per value.
        std::vector<bool> met(r.values.size());
        std::size_t missing = r.values.size();
        ScalarText text;
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, const Pieces&) {
          if (!text.of(v)) return;
          for (std::size_t i = 0; i < r.values.size(); ++i) {
            if (!met[i] && r.values[i] == text.out) {
              met[i] = true;
              --missing;
            }
          }
        });
        if (missing != 0) report(r, missing_at(resource, r.path));
        break;
      }
      case Check::kValues: {
        ScalarText text;
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, const Pieces& at) {
          if (text.of(v) && !listed(r.values, text.out)) report(r, at);
        });
        break;
      }
      case Check::kSystemPrefix:
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, Pieces& at) {
          const auto sys = string_at(v, "system");
          const bool ok = std::any_of(r.systems.begin(), r.systems.end(),
                                      [&](const std::string& p) { return sys.starts_with(p); });
          if (ok) return;
          at.push_back({"system", -1});
          report(r, at);
          at.pop_back();
        });
        break;
      case Check::kIdentifierValues:
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, Pieces& at) {
          if (!listed(r.systems, string_at(v, "system"))) return;
          if (listed(r.values, string_at(v, "value"))) return;
          at.push_back({"value", -1});
          report(r, at);
          at.pop_back();
        });
        break;
      case Check::kUnit: {
        // The unit SATUSEHAT expects follows from the observation's LOINC code.
        const std::string* want = nullptr;
        dom::array codings;
        dom::element code;
        if (resource.get_object().at_key("code").get(code) == simdjson::SUCCESS &&
            code.type() == dom::element_type::OBJECT &&
            code.get_object().at_key("coding").get_array().get(codings) == simdjson::SUCCESS) {
          for (const auto c : codings) {
            if (string_at(c, "system") != "http://loinc.org") continue;
            const auto u = r.units.find(string_at(c, "code"));
            if (u != r.units.end()) want = &u->second;
          }
        }
        if (want == nullptr) break;
        each_at(root, r.path, r.first_key, pieces, [&](const dom::element& v, Pieces& at) {
          const bool ucum = string_at(v, "system") == "http://unitsofmeasure.org";
          if (ucum && string_at(v, "code") == *want) return;
          at.push_back({ucum ? "code" : "system", -1});
          report(r, at);
          at.pop_back();
        });
        break;
      }
    }
  }
}

}  // namespace ilp::validation
