#pragma once
// `${…}` expressions of mapping templates: parsed once when a mapping loads, then evaluated per
// record without re-parsing (config/mappings/LANGUAGE.md, "Expressions" and "Functions").

#include <rapidjson/document.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mappers/code_tables.hpp"
#include "mappers/facility.hpp"
#include "mappers/template_value.hpp"

namespace ilp::mappers::tmpl {

// The urn:uuids of the resources a record emits; `ref()` reads them.
struct UrnTable {
  // [resource index][instance index] → urn, empty when that instance was not emitted.
  std::vector<std::vector<std::string>> urns;
};

// What goes wrong while mapping one record: the record is refused with this (HTTP 422).
struct EvalError {
  std::string input_path;  // "data.diagnoses[1].icd10" where known
  std::string what_en;
  std::string what_id;
};

struct Scope {
  Val item;
  std::int64_t index = 0;
  std::string input_path;        // "data.diagnoses[1]" when the list came from the record
  std::uint64_t generation = 0;  // which function results cached under this scope are valid
};

// Function results of one record. Templates repeat themselves (utc(started_at) in every
// Observation, lookup('vital-signs', item.key) five times per vital), and every function is
// pure, so each call site computes once per record, or once per `each` element when it reads
// item/index.
struct CallCache {
  struct Entry {
    std::uint64_t generation = 0;  // 0: empty; else the scope generation + 1 it was computed in
    Val value;
  };
  std::vector<Entry> entries;
  std::uint64_t next_generation = 0;

  void reset(std::size_t slots) {
    entries.resize(slots);
    for (auto& e : entries) e.generation = 0;
    next_generation = 0;
  }
};

struct EvalContext {
  const Facility& facility;
  std::string_view record_id;
  int revision = 1;
  const rapidjson::Value& data;
  const CodeTables& tables;
  const UrnTable* urns = nullptr;
  std::vector<Scope> scopes;  // innermost `each` last
  bool failed = false;
  EvalError error;  // the first failure
  CallCache* cache = nullptr;

  // Enters an `each` element (a fresh generation of scope-dependent cached results).
  void push_scope(Scope s) {
    s.generation = cache ? ++cache->next_generation : 0;
    scopes.push_back(std::move(s));
  }
  void pop_scope() { scopes.pop_back(); }
  std::uint64_t scope_generation() const { return scopes.empty() ? 0 : scopes.back().generation; }

  void fail(const struct Expr& at, std::string input_path, std::string en, std::string id);
};

struct Expr {
  std::string text;  // the whole `${…}` source, for messages
  int line = 0;      // 1-based line in the mapping file
  std::string_view file;

  virtual ~Expr() = default;
  virtual Val eval(EvalContext& ctx) const = 0;
  // The record field this expression reads directly ("data.vitals.weight"), or "".
  virtual std::string input_path(const EvalContext& ctx) const {
    (void)ctx;
    return {};
  }
  // The record field a value written from this expression came from, for Mapping::trace():
  // input_path() and also through functions (utc(finished_at) → data.finished_at), operators
  // (the side `??` took), table rows (lookup('t', item.code).display → the code's field) and
  // `each` items of computed lists. May evaluate parts of the expression again (the same parts
  // eval() evaluated); only called while tracing. "" when the value comes from no record field.
  virtual std::string source_path(EvalContext& ctx) const { return input_path(ctx); }
};

// Where `v` sits in the record: "data.diagnoses[1]" for an object, list, entries() entry or
// text of `data` (found by address, so also through order_by()), "" for anything else (numbers
// and booleans are copies, computed text is new).
std::string locate_in_data(const rapidjson::Value& data, const Val& v);

// Names visible while compiling one expression.
struct CompileScope {
  std::vector<std::string> each_names;  // `item` / `as:` names, innermost last
  std::vector<std::string> each_paths;  // their declared list paths ("diagnoses[]") or ""
  const CodeTables* tables = nullptr;
  // Resource name → index, for ref(); nullptr while resources are not known yet.
  std::function<int(std::string_view)> resource_index;
  // Is this data path declared in the input? ("vitals.systolic", "diagnoses[].icd10")
  std::function<bool(std::string_view)> declared;
  // Cache slots handed out to call sites so far (one counter per mapping), and the slot of each
  // call text (with whether it reads item/index) so that equal calls share one; nullptr: a slot
  // per call site.
  std::size_t* cache_slots = nullptr;
  std::unordered_map<std::string, std::size_t>* cache_keys = nullptr;
};

struct CompileOutput {
  std::vector<std::string> errors;    // "file:line: …"
  std::vector<std::string> warnings;  // undeclared fields
};

// Parses `source` (the text between `${` and `}`). nullptr when it has errors (reported).
std::unique_ptr<Expr> compile_expr(std::string_view source, std::string_view file, int line,
                                   const CompileScope& scope, CompileOutput& out);

// The declared input path an expression reads ("diagnoses" for ${diagnoses}, also through
// order_by()), or "" when it is computed; `each:` uses it to know what `item` is.
std::string declared_path_of(const Expr& e, const CompileScope& scope);

// The constant an expression is, when it is a literal (`'vaccines'`); nullptr otherwise.
const Val* literal_value(const Expr& e);

// Every `${…}` of a YAML string: the literal pieces between them and the expressions.
struct Interpolation {
  std::vector<std::string> literals;  // literals.size() == exprs.size() + 1
  std::vector<std::unique_ptr<Expr>> exprs;
  bool single() const { return exprs.size() == 1 && literals[0].empty() && literals[1].empty(); }
};
// false when `text` has no `${` (a plain string). Errors are reported to `out`.
bool compile_interpolation(std::string_view text, std::string_view file, int line,
                           const CompileScope& scope, CompileOutput& out, Interpolation& result,
                           bool& ok);

}  // namespace ilp::mappers::tmpl
