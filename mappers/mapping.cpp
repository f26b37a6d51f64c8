#include "mappers/mapping.hpp"

#include <yaml-cpp/yaml.h>

#include "mappers/datetime.hpp"
#include "mappers/json.hpp"
#include "mappers/json_emitter.hpp"
#include "mappers/person_blocks.hpp"
#include "mappers/practitioner_fallback.hpp"
#include "mappers/template_expr.hpp"
#include "mappers/template_input.hpp"
#include "mappers/template_tree.hpp"
#include "mappers/update_url.hpp"
#include "mappers/urn_factory.hpp"

namespace ilp::mappers {
namespace {

using tmpl::Element;
using tmpl::Member;
using tmpl::Node;
using tmpl::Resource;
using tmpl::Val;

// Sending computers' clocks drift; a visit "finished" a few minutes ahead of ours is accepted.
constexpr std::int64_t kFutureToleranceMs = 5 * 60 * 1000;

bool plain_word(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// YAML 1.2 core schema for plain (unquoted) scalars: booleans, null, integers and floats keep
// their JSON type; everything else, and every quoted scalar, is text.
void resolve_scalar(const YAML::Node& n, Node& out) {
  const std::string& s = n.Scalar();
  out.text = s;
  if (n.Tag() != "?") return;  // quoted: text
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    out.kind = Node::Kind::kBool;
    out.b = s[0] == 't' || s[0] == 'T';
    return;
  }
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    out.kind = Node::Kind::kString;
    out.text.clear();
    out.i = -1;  // marks null: written as nothing
    return;
  }
  std::size_t p = 0;
  if (s[p] == '-' || s[p] == '+') ++p;
  const std::size_t digits_start = p;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
  if (p == s.size() && p > digits_start) {
    try {
      out.i = std::stoll(s);
      out.kind = Node::Kind::kInt;
    } catch (const std::exception&) {
    }
    return;
  }
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() + s.size() && p > digits_start) {
    out.kind = Node::Kind::kDouble;
    out.d = d;
  }
}

class Compiler {
 public:
  // `file` is kept by reference: compiled expressions point into it, so it must be the
  // mapping's own copy.
  Compiler(const std::string& file, const CodeTables& tables, const tmpl::InputSpec& spec,
           CompileReport& report)
      : file_(file), report_(report) {
    scope_.tables = &tables;
    scope_.declared = [&spec](std::string_view p) { return spec.declared(p); };
    scope_.cache_slots = &slots_;
    scope_.cache_keys = &slot_keys_;
  }

  std::size_t cache_slots() const { return slots_; }

  void set_resources(const std::vector<Resource>* resources) {
    scope_.resource_index = [resources](std::string_view name) {
      for (std::size_t i = 0; i < resources->size(); ++i) {
        if ((*resources)[i].name == name) return static_cast<int>(i);
      }
      return -1;
    };
  }

  int line(const YAML::Node& n) const { return n.Mark().line + 1; }
  std::string where(const YAML::Node& n) const {
    return file_ + ":" + std::to_string(line(n)) + ": ";
  }
  void error(const YAML::Node& n, const std::string& what) {
    report_.errors.push_back(where(n) + what);
  }

  // A string that must be exactly one ${…} (when:, each:).
  std::unique_ptr<tmpl::Expr> single(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
      error(n, std::string(what) + " must be one ${…} expression");
      return nullptr;
    }
    tmpl::Interpolation in;
    bool ok = false;
    tmpl::CompileOutput out;
    const bool has = tmpl::compile_interpolation(n.Scalar(), file_, line(n), scope_, out, in, ok);
    absorb(out);
    if (!has || (ok && !in.single())) {
      error(n, std::string(what) + " must be exactly one ${…} expression");
      return nullptr;
    }
    return ok ? std::move(in.exprs[0]) : nullptr;
  }

  void push_each(const tmpl::Expr& each, std::string name) {
    std::string decl = tmpl::declared_path_of(each, scope_);
    if (!decl.empty()) decl += "[]";
    scope_.each_names.push_back(std::move(name));
    scope_.each_paths.push_back(std::move(decl));
  }
  void pop_each() {
    scope_.each_names.pop_back();
    scope_.each_paths.pop_back();
  }

  std::unique_ptr<Node> value(const YAML::Node& n, int depth) {
    auto out = std::make_unique<Node>();
    if (depth > kMaxDepth) {
      error(n, "the template is nested too deeply");
      return out;
    }
    if (n.IsScalar()) {
      resolve_scalar(n, *out);
      out->text_json = JsonEmitter::quoted(out->text);
      if (out->kind == Node::Kind::kString && out->text.find("${") != std::string::npos) {
        bool ok = false;
        tmpl::CompileOutput o;
        tmpl::compile_interpolation(out->text, file_, line(n), scope_, o, out->interp, ok);
        absorb(o);
        out->kind = ok && out->interp.single() ? Node::Kind::kExpr : Node::Kind::kInterp;
      }
      return out;
    }
    if (n.IsNull()) {
      out->i = -1;
      return out;
    }
    if (n.IsSequence()) {
      out->kind = Node::Kind::kArray;
      for (const auto& e : n) out->elements.push_back(element(e, depth + 1));
      fold(*out);
      return out;
    }
    if (n.IsMap()) {
      auto obj = object(n, depth, nullptr);
      fold(*obj);
      return obj;
    }
    error(n, "unsupported YAML value");
    return out;
  }

  Element element(const YAML::Node& n, int depth) {
    Element e;
    if (n.IsMap() && n["each"]) {
      e.each = single(n["each"], "each:");
      std::string as = "item";
      if (n["as"]) {
        as = n["as"].as<std::string>("");
        if (!plain_word(as)) error(n["as"], "as: must be a plain name such as dx");
      }
      if (e.each) push_each(*e.each, as);
      e.node = object(n, depth, &kEachKeys);
      if (e.each) pop_each();
      return e;
    }
    e.node = value(n, depth);
    return e;
  }

  // `skip` lists keys consumed by the caller (each:, as:).
  std::unique_ptr<Node> object(const YAML::Node& n, int depth,
                               const std::vector<std::string>* skip) {
    auto out = std::make_unique<Node>();
    out->kind = Node::Kind::kObject;
    for (const auto& kv : n) {
      const auto key = kv.first.Scalar();
      if (skip != nullptr && std::find(skip->begin(), skip->end(), key) != skip->end()) continue;
      // when: with one expression is a condition; FHIR's own `when` (Timing) is a list.
      if (key == "when" && kv.second.IsScalar()) {
        out->when = single(kv.second, "when:");
        continue;
      }
      for (const auto& m : out->members) {
        if (m.key == key) error(kv.first, "key '" + key + "' appears twice");
      }
      out->members.push_back({key, JsonEmitter::quoted(key) + ":", value(kv.second, depth + 1)});
    }
    return out;
  }

  Resource resource(const YAML::Node& n) {
    Resource r;
    r.line = line(n);
    if (!n.IsMap()) {
      error(n, "each resource is a map with name: and body:");
      return r;
    }
    for (const auto& kv : n) {
      const auto key = kv.first.Scalar();
      if (key != "name" && key != "when" && key != "each" && key != "as" && key != "body" &&
          key != "update") {
        error(kv.first, "unknown resource key '" + key + "' (name, when, each, as, body, update)");
      }
    }
    r.name = n["name"] ? n["name"].as<std::string>("") : "";
    if (!plain_word(r.name)) error(n, "name: must be a plain name such as encounter");
    const auto body = n["body"];
    if (!body || !body.IsMap()) {
      error(n, "body: must be the resource, written as a map");
      return r;
    }
    const auto type = body["resourceType"];
    if (!type || !type.IsScalar() || !plain_word(type.Scalar()) ||
        body.begin()->first.Scalar() != "resourceType") {
      error(body, "the body must start with resourceType: and a plain FHIR type");
      return r;
    }
    r.type = type.Scalar();
    if (const auto u = n["update"]) {
      if (!u.IsScalar() || u.Scalar() != "by_identifier") {
        error(u,
              "update: is by_identifier (the resource is found on the platform by its identifier)");
      } else if (!body["identifier"]) {
        error(body,
              "update: by_identifier needs an identifier: in the body to find the resource by");
      }
      r.update_by_identifier = true;
    }
    std::string as = "item";
    if (n["each"]) {
      r.each = single(n["each"], "each:");
      if (n["as"]) as = n["as"].as<std::string>("");
      if (r.each) push_each(*r.each, as);
    }
    if (n["when"]) r.when = single(n["when"], "when:");
    r.body = object(body, 0, nullptr);
    if (r.each) pop_each();
    return r;
  }

  void absorb(tmpl::CompileOutput& o) {
    for (auto& e : o.errors) report_.errors.push_back(std::move(e));
    for (auto& w : o.warnings) report_.warnings.push_back(std::move(w));
  }

 private:
  static constexpr int kMaxDepth = 48;
  inline static const std::vector<std::string> kEachKeys{"each", "as"};
  const std::string& file_;
  CompileReport& report_;
  tmpl::CompileScope scope_;
  std::size_t slots_ = 0;
  std::unordered_map<std::string, std::size_t> slot_keys_;
};

// ---- Evaluation
// ----------------------------------------------------------------------------------

// Evaluates nodes and writes them; a node that yields nothing writes nothing (its caller rolls
// back the key or comma it had written).
//
// With `Trace` (Mapping::trace(), the slow path after a bundle failed validation) it also keeps
// the bundle path of what it is writing ("Bundle.entry[2].resource.code.coding[0]") and records
// each value written from an expression with the record field behind it; whatever is rolled
// back out of the JSON is cut from the trace too. Without it the tracing code is not compiled
// in, so map() pays nothing for it.
template <bool Trace>
struct Writer {
  tmpl::EvalContext& ctx;
  JsonEmitter& out;
  std::vector<Mapping::FieldTrace>* trace = nullptr;  // Trace only
  std::string path;                                   // Trace only: where the writer is

  // Trace only: the value just written at `path` came from `e`.
  void record(const tmpl::Expr& e) {
    std::string from = e.source_path(ctx);
    if (!from.empty()) trace->push_back({path, std::move(from)});
  }

  bool val(const Val& v, const tmpl::Expr& at) {
    switch (v.kind()) {
      case Val::Kind::kMissing:
      case Val::Kind::kNull:
        return false;
      case Val::Kind::kBool:
        out.boolean(v.as_bool());
        return true;
      case Val::Kind::kInt:
        out.number(v.as_int());
        return true;
      case Val::Kind::kDouble:
        return out.number(v.as_double());
      case Val::Kind::kString:
        out.string(v.str());
        return true;
      case Val::Kind::kJson:
        out.raw(to_json(*v.json_ptr()));  // a block of the input passed through as it is
        return true;
      default:
        ctx.fail(
            at, at.input_path(ctx),
            "a " + std::string(v.type_name()) +
                " cannot be written as a JSON value (take a "
                "field of it, such as .code)",
            "nilai ini tidak dapat ditulis sebagai JSON (ambil salah satu kolomnya, mis. .code)");
        return false;
    }
  }

  bool node(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kString:
        if (n.i == -1) return false;  // YAML null
        out.raw(n.text_json);
        return true;
      case Node::Kind::kInt:
        out.number(n.i);
        return true;
      case Node::Kind::kDouble:
        return out.number(n.d);
      case Node::Kind::kBool:
        out.boolean(n.b);
        return true;
      case Node::Kind::kRaw:
        out.raw(n.text_json);
        return true;
      case Node::Kind::kExpr: {
        const tmpl::Expr& e = *n.interp.exprs[0];
        const Val v = e.eval(ctx);
        if constexpr (Trace) {
          if (!val(v, e)) return false;
          record(e);
          return true;
        } else {
          return val(v, e);
        }
      }
      case Node::Kind::kInterp:
        if constexpr (Trace) {
          if (!interp(n)) return false;
          for (const auto& e : n.interp.exprs) {  // the first one that reads a field
            std::string from = e->source_path(ctx);
            if (!from.empty()) {
              trace->push_back({path, std::move(from)});
              break;
            }
          }
          return true;
        } else {
          return interp(n);
        }
      case Node::Kind::kObject:
        return object(n);
      case Node::Kind::kArray:
        return array(n);
    }
    return false;
  }

  // Written piece by piece into the output; a missing part takes the whole string back out.
  bool interp(const Node& n) {
    const std::size_t start = out.mark();
    out.raw('"');
    out.string_piece(n.interp.literals[0]);
    std::string text;
    for (std::size_t i = 0; i < n.interp.exprs.size(); ++i) {
      const auto& e = *n.interp.exprs[i];
      const Val v = e.eval(ctx);
      if (v.missing() || v.kind() == Val::Kind::kNull) {
        out.rollback(start);
        return false;
      }
      if (v.is_string()) {
        out.string_piece(v.str());
      } else if (text.clear(), v.append_text(text)) {
        out.string_piece(text);
      } else {
        out.rollback(start);
        ctx.fail(e, e.input_path(ctx),
                 "a " + std::string(v.type_name()) + " cannot be written inside text",
                 "nilai ini tidak dapat ditulis di dalam teks");
        return false;
      }
      out.string_piece(n.interp.literals[i + 1]);
    }
    out.raw('"');
    return true;
  }

  bool object(const Node& n) {
    if (n.when && !n.when->eval(ctx).as_bool()) return false;
    const std::size_t start = out.mark();
    [[maybe_unused]] std::size_t trace_start = 0;
    if constexpr (Trace) trace_start = trace->size();
    out.raw('{');
    bool any = false;
    for (const auto& m : n.members) {
      const std::size_t before = out.mark();
      [[maybe_unused]] std::size_t path_len = 0, trace_before = 0;
      if constexpr (Trace) {
        path_len = path.size();
        trace_before = trace->size();
        path += '.';
        path += m.key;
      }
      if (any) out.raw(',');
      out.raw(m.key_json);
      if (node(*m.node)) {
        any = true;
      } else {
        out.rollback(before);
        if constexpr (Trace) trace->resize(trace_before);
      }
      if constexpr (Trace) path.resize(path_len);
      if (ctx.failed) return false;
    }
    if (!any) {  // FHIR forbids empty objects
      out.rollback(start);
      if constexpr (Trace) trace->resize(trace_start);
      return false;
    }
    out.raw('}');
    return true;
  }

  bool array(const Node& n) {
    const std::size_t start = out.mark();
    [[maybe_unused]] std::size_t trace_start = 0;
    if constexpr (Trace) trace_start = trace->size();
    out.raw('[');
    bool any = false;
    [[maybe_unused]] std::size_t written = 0;  // Trace: the output index of the next element
    const auto element = [&](const Node& e) {
      const std::size_t before = out.mark();
      [[maybe_unused]] std::size_t path_len = 0, trace_before = 0;
      if constexpr (Trace) {
        path_len = path.size();
        trace_before = trace->size();
        path += '[';
        path += std::to_string(written);
        path += ']';
      }
      if (any) out.raw(',');
      if (node(e)) {
        any = true;
        if constexpr (Trace) ++written;
      } else {
        out.rollback(before);
        if constexpr (Trace) trace->resize(trace_before);
      }
      if constexpr (Trace) path.resize(path_len);
    };
    for (const auto& e : n.elements) {
      if (e.each) {
        each(*e.each, [&] { element(*e.node); });
      } else {
        element(*e.node);
      }
      if (ctx.failed) return false;
    }
    if (!any) {  // FHIR forbids empty arrays
      out.rollback(start);
      if constexpr (Trace) trace->resize(trace_start);
      return false;
    }
    out.raw(']');
    return true;
  }

  // Calls `body` once per element of the list `each` gives, with item/index in scope.
  template <class F>
  void each(const tmpl::Expr& list_expr, F&& body) {
    const Val list = list_expr.eval(ctx);
    if (list.missing() || list.kind() == Val::Kind::kNull) return;
    if (!list.is_list()) {
      ctx.fail(list_expr, list_expr.input_path(ctx),
               "each: needs a list, got " + std::string(list.type_name()),
               "each: memerlukan daftar (list)");
      return;
    }
    const std::string base = list_expr.input_path(ctx);
    for (std::size_t i = 0; i < list.list_size() && !ctx.failed; ++i) {
      std::string item_path;
      if (!base.empty()) {
        item_path = base + "[" + std::to_string(i) + "]";
      } else if constexpr (Trace) {
        // A computed list (order_by(diagnoses, …), entries(vitals)): where its element sits in
        // the record, found by address (data.diagnoses[1], data.vitals.systolic).
        item_path = tmpl::locate_in_data(ctx.data, list.list_at(i));
      }
      ctx.push_scope({list.list_at(i), static_cast<std::int64_t>(i), std::move(item_path), 0});
      body();
      ctx.pop_scope();
    }
  }
};

struct Instance {
  std::size_t resource;
  std::int64_t index = -1;  // ≥ 0 for each: resources
  tmpl::Scope scope;
};

}  // namespace

struct Mapping::Impl {
  std::string file;
  std::string kind;
  int version = 1;
  std::string patient_path = "patient";  // "." = the record itself
  bool send_as_resources = false;
  std::size_t cache_slots = 0;
  const CodeTables* tables = nullptr;
  tmpl::InputSpec input;
  std::vector<Resource> resources;

  // map() without `Trace`; trace() with it, collecting into `trace`.
  template <bool Trace>
  MapResult run(const MapInput& in, std::vector<FieldTrace>* trace) const;
};

Mapping::Mapping(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Mapping::~Mapping() = default;
const std::string& Mapping::kind() const { return impl_->kind; }
int Mapping::version() const { return impl_->version; }
const std::string& Mapping::file() const { return impl_->file; }
bool Mapping::send_as_resources() const { return impl_->send_as_resources; }

std::unique_ptr<Mapping> Mapping::compile(std::string_view yaml_text, std::string file_label,
                                          const CodeTables& tables, CompileReport& report) {
  auto impl = std::make_unique<Impl>();
  impl->file = file_label;
  impl->tables = &tables;
  const auto errors_before = report.errors.size();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    report.errors.push_back(file_label + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    return nullptr;
  }
  if (!root.IsMap()) {
    report.errors.push_back(file_label +
                            ": a mapping file is a YAML map (kind:, input:, resources:)");
    return nullptr;
  }
  const auto at = [&](const YAML::Node& n) {
    return file_label + ":" + std::to_string(n.Mark().line + 1) + ": ";
  };
  for (const auto& kv : root) {
    static const std::vector<std::string> kKeys{"kind", "version", "description", "patient",
                                                "send", "input",   "resources"};
    if (std::find(kKeys.begin(), kKeys.end(), kv.first.Scalar()) == kKeys.end()) {
      report.errors.push_back(at(kv.first) + "unknown key '" + kv.first.Scalar() +
                              "' (kind, version, description, patient, send, input, resources)");
    }
  }
  try {
    impl->kind = root["kind"] ? root["kind"].as<std::string>() : "";
    if (root["version"]) impl->version = root["version"].as<int>();
    if (root["patient"]) impl->patient_path = root["patient"].as<std::string>();
    if (root["send"]) {
      const auto s = root["send"].as<std::string>();
      if (s != "transaction" && s != "resource") {
        report.errors.push_back(at(root["send"]) + "send: is transaction or resource");
      }
      impl->send_as_resources = s == "resource";
    }
  } catch (const YAML::Exception& e) {
    report.errors.push_back(file_label + ":" + std::to_string(e.mark.line + 1) +
                            ": kind, version, patient and send are plain values");
  }
  if (!plain_word(impl->kind)) report.errors.push_back(file_label + ": kind: is missing");
  if (root["input"]) {
    impl->input.compile(root["input"], file_label, tables, report.errors);
  } else {
    report.errors.push_back(file_label + ": input: is missing (declare the record's fields)");
  }
  if (impl->patient_path != "." && !impl->input.declared(impl->patient_path)) {
    // Records without a patient block are not ordered per patient; say so where it matters.
    impl->patient_path.clear();
  }

  const auto list = root["resources"];
  if (!list || !list.IsSequence() || list.size() == 0) {
    report.errors.push_back(file_label + ": resources: must list at least one resource");
    return nullptr;
  }
  Compiler c(impl->file, tables, impl->input, report);
  // Names first, so ref() can point forward (an Encounter names the Conditions after it).
  for (const auto& n : list) {
    Resource r;
    if (n.IsMap() && n["name"]) r.name = n["name"].as<std::string>("");
    impl->resources.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < impl->resources.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (!impl->resources[i].name.empty() && impl->resources[i].name == impl->resources[j].name) {
        report.errors.push_back(at(list[i]) + "two resources are named '" +
                                impl->resources[i].name + "'");
      }
    }
  }
  c.set_resources(&impl->resources);
  for (std::size_t i = 0; i < impl->resources.size(); ++i) {
    impl->resources[i] = c.resource(list[i]);
  }
  impl->cache_slots = c.cache_slots();
  if (impl->send_as_resources && (impl->resources.size() != 1 || impl->resources[0].each)) {
    // One request per record keeps "sent or not" a single fact; several creates would need
    // per-resource bookkeeping across crashes.
    report.errors.push_back(file_label +
                            ": send: resource needs exactly one resource without each:");
  }
  if (report.errors.size() != errors_before) return nullptr;
  return std::unique_ptr<Mapping>(new Mapping(std::move(impl)));
}

MapResult Mapping::map(const MapInput& in) const { return impl_->run<false>(in, nullptr); }

std::vector<Mapping::FieldTrace> Mapping::trace(const MapInput& in) const {
  std::vector<FieldTrace> trace;
  const MapResult r = impl_->run<true>(in, &trace);
  if (!r.ok()) trace.clear();  // no bundle, nothing to point into
  return trace;
}

template <bool Trace>
MapResult Mapping::Impl::run(const MapInput& in, std::vector<FieldTrace>* trace) const {
  const Impl& m = *this;
  MapResult result;
  const auto floor = parse_date(in.date_floor);
  if (!floor) {
    // A configuration fault, not the sender's: refuse loudly rather than skip the check.
    result.outcome.add("exception", "", msg::bad_date_floor_config(), "invalid date_floor setting");
    return result;
  }
  TimeRules rules;
  rules.local_offset_minutes = in.facility.utc_offset_minutes;
  rules.floor = *floor;
  rules.floor_ms = epoch_ms(*floor);
  rules.latest_ms = in.now_ms + kFutureToleranceMs;
  rules.today = local_date(in.now_ms, in.facility.utc_offset_minutes);
  auto fallback = practitioner_fallback(m.input, in.data, in.facility);
  const rapidjson::Value& data = fallback ? fallback->data : in.data;
  if (fallback) result.notes.push_back(std::move(fallback->note));
  m.input.check(data, in.facility, rules, result.outcome, &result.notes);
  if (!result.outcome.empty()) return result;

  tmpl::UrnTable urns;
  urns.urns.resize(m.resources.size());
  // Every function is pure, so a call repeated in the template (utc(started_at) in every
  // Observation, lookup('vital-signs', item.key) five times per vital) is computed once.
  tmpl::CallCache cache;
  cache.reset(m.cache_slots);
  tmpl::EvalContext ctx{in.facility, in.record_id, in.revision, data, *m.tables,
                        &urns,       {},           false,       {},   &cache};
  std::string& json = result.bundle_json;
  json.reserve(4096);
  JsonEmitter emit(json);
  Writer<Trace> w{ctx, emit, trace, {}};

  // Pass 1: which resources (and which elements of each:) are emitted, and their urn:uuids.
  const UrnFactory factory(in.facility.key, in.record_id, in.revision);
  std::vector<Instance> instances;
  for (std::size_t r = 0; r < m.resources.size() && !ctx.failed; ++r) {
    const auto& res = m.resources[r];
    if (!res.each) {
      if (res.when && !res.when->eval(ctx).as_bool()) continue;
      urns.urns[r].push_back(factory.urn(res.name));
      instances.push_back({r, -1, {}});
      result.resources.push_back({res.name, res.type, urns.urns[r].back()});
      continue;
    }
    w.each(*res.each, [&] {
      const auto& scope = ctx.scopes.back();
      urns.urns[r].resize(static_cast<std::size_t>(scope.index) + 1);
      if (res.when && !res.when->eval(ctx).as_bool()) return;
      std::string name = res.name + "." + std::to_string(scope.index);
      urns.urns[r].back() = factory.urn(name);
      instances.push_back({r, scope.index, scope});
      result.resources.push_back({std::move(name), res.type, urns.urns[r].back()});
    });
  }

  // Pass 2: the bodies, in bundle order.
  emit.raw(R"({"resourceType":"Bundle","type":"transaction","entry":[)");
  for (std::size_t k = 0; k < instances.size() && !ctx.failed; ++k) {
    const auto& inst = instances[k];
    const auto& res = m.resources[inst.resource];
    if (k > 0) emit.raw(',');
    emit.raw(R"({"fullUrl":)");
    emit.string(result.resources[k].local);
    emit.raw(R"(,"resource":)");
    if constexpr (Trace) w.path = "Bundle.entry[" + std::to_string(k) + "].resource";
    if (inst.index >= 0) ctx.push_scope(inst.scope);
    const std::size_t body_at = json.size();
    w.node(*res.body);  // never empty: resourceType is a constant
    if (inst.index >= 0) ctx.pop_scope();
    if (res.update_by_identifier) {
      const auto url = update_url(res.type, std::string_view(json).substr(body_at));
      if (!url) {
        result.outcome.add("processing", "", msg::update_without_identifier(res.name),
                           "update resource without identifier");
        result.resources.clear();
        result.bundle_json.clear();
        return result;
      }
      emit.raw(R"(,"request":{"method":"PUT","url":)");
      emit.string(*url);
    } else {
      emit.raw(R"(,"request":{"method":"POST","url":)");
      emit.string(res.type);
    }
    emit.raw("}}");
  }
  emit.raw("]}");
  if (ctx.failed) {
    result.outcome.add("processing", ctx.error.input_path, {ctx.error.what_id, ctx.error.what_en},
                       ctx.error.what_en);
    result.resources.clear();
    result.bundle_json.clear();
    return result;
  }

  // The patient key orders one patient's records in delivery without storing the NIK in clear.
  const rapidjson::Value* block = nullptr;
  if (m.patient_path == ".") {
    block = &data;
  } else if (!m.patient_path.empty()) {
    block = at_path(data, m.patient_path);
  }
  if (block != nullptr && block->IsObject()) {
    PatientInput p;
    if (auto v = string_member(*block, "nik")) p.nik = *v;
    if (auto v = string_member(*block, "mother_nik")) p.mother_nik = *v;
    if (auto v = string_member(*block, "ihs_number")) p.ihs_number = *v;
    if (auto v = string_member(*block, "birth_date")) {
      if (auto d = parse_date(*v)) p.birth_date = *d;
    }
    if (in.pseudonymizer != nullptr &&
        (!p.nik.empty() || !p.mother_nik.empty() || !p.ihs_number.empty())) {
      result.patient_key = patient_key(p, *in.pseudonymizer);
    }
  }
  return result;
}

}  // namespace ilp::mappers
