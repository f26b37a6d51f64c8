#include "mappers/template_expr.hpp"

#include <cstdlib>

#include "mappers/template_functions.hpp"
#include "mappers/template_lexer.hpp"

namespace ilp::mappers::tmpl {

void EvalContext::fail(const Expr& at, std::string input_path, std::string en, std::string id) {
  if (failed) return;
  failed = true;
  const std::string where = std::string(at.file) + ":" + std::to_string(at.line);
  error.input_path = std::move(input_path);
  error.what_en =
      "mapping " + where + " could not evaluate ${" + at.text + "} for this record: " + en;
  error.what_id =
      "pemetaan " + where + " tidak dapat menghitung ${" + at.text + "} untuk rekam ini: " + id;
}

namespace {

// ---- Nodes -----------------------------------------------------------------------------------

struct LiteralExpr final : Expr {
  Val value;
  std::string storage;
  Val eval(EvalContext&) const override { return value; }
};

enum class Root { kData, kScope, kIndex, kFacility, kRecord };

struct PathExpr final : Expr {
  struct Segment {
    std::string key;
    long index = -1;  // ≥ 0: a list position
  };
  Root root = Root::kData;
  std::size_t depth = 0;  // kScope/kIndex: 0 = innermost `each`
  std::vector<Segment> segments;

  Val eval(EvalContext& ctx) const override {
    Val v;
    std::size_t first = 0;
    switch (root) {
      case Root::kData:
        v = Val::json(ctx.data);
        break;
      case Root::kScope:
        v = ctx.scopes[ctx.scopes.size() - 1 - depth].item;
        break;
      case Root::kIndex:
        return Val::integer(ctx.scopes[ctx.scopes.size() - 1 - depth].index);
      case Root::kFacility: {
        const auto& k = segments[0].key;
        first = 1;
        const auto& f = ctx.facility;
        v = k == "key"               ? Val::view(f.key)
            : k == "name"            ? Val::view(f.name)
            : k == "organization_id" ? Val::view(f.organization_id)
                                     : Val::view(f.timezone);
        break;
      }
      case Root::kRecord:
        first = 1;
        v = segments[0].key == "id" ? Val::view(ctx.record_id) : Val::integer(ctx.revision);
        break;
    }
    for (std::size_t i = first; i < segments.size() && !v.missing(); ++i) {
      const auto& s = segments[i];
      if (s.index >= 0) {
        v = static_cast<std::size_t>(s.index) < v.list_size() ? v.list_at(s.index) : Val();
      } else {
        v = v.member(s.key);
      }
    }
    return v;
  }

  std::string input_path(const EvalContext& ctx) const override {
    std::string p;
    if (root == Root::kData) {
      p = "data";
    } else if (root == Root::kScope) {
      p = ctx.scopes[ctx.scopes.size() - 1 - depth].input_path;
      if (p.empty()) return {};
    } else {
      return {};
    }
    for (const auto& s : segments) {
      p += s.index >= 0 ? "[" + std::to_string(s.index) + "]" : "." + s.key;
    }
    return p;
  }

  // An entries() item is the field itself: item.key and item.value both name data.vitals.x.
  std::string source_path(EvalContext& ctx) const override {
    if (root != Root::kScope || segments.empty()) return input_path(ctx);
    const Scope& scope = ctx.scopes[ctx.scopes.size() - 1 - depth];
    if (scope.input_path.empty()) return {};
    std::string p = scope.input_path;
    std::size_t first = 0;
    if (scope.item.kind() == Val::Kind::kEntry && segments[0].index < 0 &&
        (segments[0].key == "key" || segments[0].key == "value")) {
      first = 1;
    }
    for (std::size_t i = first; i < segments.size(); ++i) {
      const auto& s = segments[i];
      p += s.index >= 0 ? "[" + std::to_string(s.index) + "]" : "." + s.key;
    }
    return p;
  }
};

struct MemberExpr final : Expr {
  std::unique_ptr<Expr> base;
  std::string key;
  Val eval(EvalContext& ctx) const override { return base->eval(ctx).member(key); }

  // A field of a record object extends the path; a table row's column (lookup(…).code) or an
  // entry's key/value is the field the base came from.
  std::string source_path(EvalContext& ctx) const override {
    std::string p = base->source_path(ctx);
    if (p.empty()) return p;
    if (base->eval(ctx).is_object()) p += "." + key;
    return p;
  }
};

struct IndexExpr final : Expr {
  std::unique_ptr<Expr> base;
  std::unique_ptr<Expr> index;
  Val eval(EvalContext& ctx) const override {
    const Val b = base->eval(ctx);
    const Val i = index->eval(ctx);
    if (i.kind() != Val::Kind::kInt || i.as_int() < 0) return {};
    const auto n = static_cast<std::size_t>(i.as_int());
    return n < b.list_size() ? b.list_at(n) : Val();
  }

  std::string source_path(EvalContext& ctx) const override {
    std::string p = base->source_path(ctx);
    if (p.empty()) return p;
    const Val b = base->eval(ctx);
    const Val i = index->eval(ctx);
    if (b.is_array() && i.kind() == Val::Kind::kInt && i.as_int() >= 0) {
      p += "[" + std::to_string(i.as_int()) + "]";
    } else if (b.kind() == Val::Kind::kList) {  // order_by(…)[n]: where that element sits
      if (auto at = locate_in_data(ctx.data, eval(ctx)); !at.empty()) return at;
    }
    return p;
  }
};

enum class Op { kCoalesce, kOr, kAnd, kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv };

int compare(const Val& a, const Val& b, bool& comparable) {
  comparable = true;
  if (a.is_number() && b.is_number()) {
    const double x = a.as_double(), y = b.as_double();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) return a.str().compare(b.str());
  if (a.kind() == Val::Kind::kBool && b.kind() == Val::Kind::kBool) {
    return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
  }
  comparable = false;
  return 0;
}

bool absent(const Val& v) { return v.missing() || v.kind() == Val::Kind::kNull; }

struct BinaryExpr final : Expr {
  Op op;
  std::unique_ptr<Expr> a, b;

  Val eval(EvalContext& ctx) const override {
    switch (op) {
      case Op::kCoalesce: {
        Val x = a->eval(ctx);
        return x.empty() ? b->eval(ctx) : x;
      }
      case Op::kOr: {
        const Val x = a->eval(ctx);
        return Val::boolean(x.as_bool() || b->eval(ctx).as_bool());
      }
      case Op::kAnd: {
        const Val x = a->eval(ctx);
        return Val::boolean(x.as_bool() && b->eval(ctx).as_bool());
      }
      default:
        break;
    }
    const Val x = a->eval(ctx);
    const Val y = b->eval(ctx);
    if (op == Op::kEq || op == Op::kNe) {
      bool same;
      if (absent(x) || absent(y)) {
        same = absent(x) && absent(y);
      } else {
        bool comparable;
        same = compare(x, y, comparable) == 0 && comparable;
      }
      return Val::boolean(op == Op::kEq ? same : !same);
    }
    if (x.missing() || y.missing()) return {};
    if (op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe) {
      bool comparable;
      const int c = compare(x, y, comparable);
      if (!comparable) return {};
      return Val::boolean(op == Op::kLt   ? c < 0
                          : op == Op::kLe ? c <= 0
                          : op == Op::kGt ? c > 0
                                          : c >= 0);
    }
    if (!x.is_number() || !y.is_number()) {
      ctx.fail(*this, a->input_path(ctx).empty() ? b->input_path(ctx) : a->input_path(ctx),
               "arithmetic needs numbers, got " + std::string(x.type_name()) + " and " +
                   std::string(y.type_name()),
               "hitungan memerlukan angka");
      return {};
    }
    if (op != Op::kDiv && x.kind() == Val::Kind::kInt && y.kind() == Val::Kind::kInt) {
      const auto i = x.as_int(), j = y.as_int();
      return Val::integer(op == Op::kAdd ? i + j : op == Op::kSub ? i - j : i * j);
    }
    const double p = x.as_double(), q = y.as_double();
    if (op == Op::kDiv && q == 0) return {};
    return Val::real(op == Op::kAdd   ? p + q
                     : op == Op::kSub ? p - q
                     : op == Op::kMul ? p * q
                                      : p / q);
  }

  // `a ?? b`: the side that gave the value; otherwise the first operand that reads a field.
  std::string source_path(EvalContext& ctx) const override {
    if (op == Op::kCoalesce) {
      return a->eval(ctx).empty() ? b->source_path(ctx) : a->source_path(ctx);
    }
    std::string p = a->source_path(ctx);
    return p.empty() ? b->source_path(ctx) : p;
  }
};

struct NotExpr final : Expr {
  std::unique_ptr<Expr> a;
  Val eval(EvalContext& ctx) const override { return Val::boolean(!a->eval(ctx).as_bool()); }
  std::string source_path(EvalContext& ctx) const override { return a->source_path(ctx); }
};

struct NegExpr final : Expr {
  std::unique_ptr<Expr> a;
  Val eval(EvalContext& ctx) const override {
    const Val x = a->eval(ctx);
    if (x.kind() == Val::Kind::kInt) return Val::integer(-x.as_int());
    if (x.kind() == Val::Kind::kDouble) return Val::real(-x.as_double());
    return {};
  }
  std::string source_path(EvalContext& ctx) const override { return a->source_path(ctx); }
};

struct CallNode final : CallExpr {
  Val eval(EvalContext& ctx) const override {
    if (!cached || ctx.cache == nullptr) return fn->impl(ctx, *this);
    auto& e = ctx.cache->entries[cache_slot];
    const std::uint64_t gen = (uses_scope ? ctx.scope_generation() : 0) + 1;
    if (e.generation == gen) return e.value;
    Val v = fn->impl(ctx, *this);
    if (!ctx.failed) {
      e.generation = gen;
      e.value = v;
    }
    return v;
  }

  // The argument the value is made from: lookup()'s code, the branch if() took (else its
  // condition), the first argument coalesce() found; otherwise the first argument that reads a
  // field (utc(finished_at), patient_ref(patient), concat('…', visit_no)). ref() and org_ref()
  // read no field.
  std::string source_path(EvalContext& ctx) const override {
    const std::string_view name = fn->name;
    if (name == "ref" || name == "org_ref") return {};
    if (name == "lookup") return args[1]->source_path(ctx);
    if (name == "if") {
      const bool yes = args[0]->eval(ctx).as_bool();
      std::string p;
      if (yes) {
        p = args[1]->source_path(ctx);
      } else if (args.size() > 2) {
        p = args[2]->source_path(ctx);
      }
      return p.empty() ? args[0]->source_path(ctx) : p;
    }
    if (name == "coalesce") {
      for (const auto& a : args) {
        if (!a->eval(ctx).empty()) return a->source_path(ctx);
      }
      return {};
    }
    for (const auto& a : args) {
      if (std::string p = a->source_path(ctx); !p.empty()) return p;
    }
    return {};
  }
};

// ---- Parser ----------------------------------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view src, std::string_view file, int line, const CompileScope& scope,
         CompileOutput& out)
      : lex_(src), src_(src), file_(file), line_(line), scope_(scope), out_(out) {
    advance();
  }

  std::unique_ptr<Expr> parse() {
    auto e = expression(0);
    if (!failed_ && tok_.kind != Tok::kEnd) error("unexpected '" + std::string(tok_.text) + "'");
    if (failed_) return nullptr;
    return e;
  }

 private:
  template <class T>
  std::unique_ptr<T> make() {
    auto n = std::make_unique<T>();
    n->text = std::string(src_);
    n->line = line_;
    n->file = file_;
    return n;
  }

  void error(const std::string& what) {
    if (failed_) return;
    failed_ = true;
    out_.errors.push_back(std::string(file_) + ":" + std::to_string(line_) + ": in ${" +
                          std::string(src_) + "}: " + what);
  }

  void advance() {
    tok_ = lex_.next();
    if (tok_.kind == Tok::kError) error(tok_.value);
  }
  bool is_op(std::string_view op) const { return tok_.kind == Tok::kOp && tok_.text == op; }
  bool is_word(std::string_view w) const { return tok_.kind == Tok::kIdent && tok_.text == w; }
  void expect(std::string_view op) {
    if (!is_op(op)) {
      error("expected '" + std::string(op) + "'" +
            (tok_.kind == Tok::kEnd ? " at the end" : " before '" + std::string(tok_.text) + "'"));
      return;
    }
    advance();
  }

  // Binding powers: ?? 1, or 2, and 3, not 4 (prefix), comparisons 5, + - 6, * / 7.
  struct Infix {
    Op op;
    int power;
  };
  bool infix(Infix& out) const {
    if (tok_.kind == Tok::kIdent) {
      if (tok_.text == "or") return out = {Op::kOr, 2}, true;
      if (tok_.text == "and") return out = {Op::kAnd, 3}, true;
      return false;
    }
    if (tok_.kind != Tok::kOp) return false;
    const auto t = tok_.text;
    if (t == "??") return out = {Op::kCoalesce, 1}, true;
    if (t == "==") return out = {Op::kEq, 5}, true;
    if (t == "!=") return out = {Op::kNe, 5}, true;
    if (t == "<") return out = {Op::kLt, 5}, true;
    if (t == "<=") return out = {Op::kLe, 5}, true;
    if (t == ">") return out = {Op::kGt, 5}, true;
    if (t == ">=") return out = {Op::kGe, 5}, true;
    if (t == "+") return out = {Op::kAdd, 6}, true;
    if (t == "-") return out = {Op::kSub, 6}, true;
    if (t == "*") return out = {Op::kMul, 7}, true;
    if (t == "/") return out = {Op::kDiv, 7}, true;
    return false;
  }

  std::unique_ptr<Expr> expression(int min_power) {
    if (++depth_ > kMaxDepth) {
      error("the expression is nested too deeply");
      return nullptr;
    }
    auto left = prefix();
    Infix in{};
    while (!failed_ && infix(in) && in.power > min_power) {
      advance();
      // `??` is right-associative: a ?? b ?? c = a ?? (b ?? c).
      auto right = expression(in.op == Op::kCoalesce ? in.power - 1 : in.power);
      if (failed_) break;
      auto b = make<BinaryExpr>();
      b->op = in.op;
      b->a = std::move(left);
      b->b = std::move(right);
      left = std::move(b);
      if (in.power == 5) {  // comparisons don't chain: "a < b < c" is a mistake
        Infix next{};
        if (infix(next) && next.power == 5) error("comparisons cannot be chained");
      }
    }
    --depth_;
    return failed_ ? nullptr : std::move(left);
  }

  std::unique_ptr<Expr> prefix() {
    if (is_word("not")) {
      advance();
      auto n = make<NotExpr>();
      n->a = expression(4);
      return n;
    }
    if (is_op("-")) {
      advance();
      auto n = make<NegExpr>();
      n->a = expression(7);
      return n;
    }
    return postfix(primary());
  }

  std::unique_ptr<Expr> primary() {
    if (failed_) return nullptr;
    if (is_op("(")) {
      advance();
      auto e = expression(0);
      expect(")");
      return e;
    }
    if (tok_.kind == Tok::kNumber) {
      auto n = make<LiteralExpr>();
      const std::string s(tok_.text);
      if (s.find('.') == std::string::npos) {
        n->value = Val::integer(std::strtoll(s.c_str(), nullptr, 10));
      } else {
        n->value = Val::real(std::strtod(s.c_str(), nullptr));
      }
      advance();
      return n;
    }
    if (tok_.kind == Tok::kString) {
      auto n = make<LiteralExpr>();
      n->storage = tok_.value;
      n->value = Val::view(n->storage);  // the node is on the heap and never moves
      advance();
      return n;
    }
    if (tok_.kind != Tok::kIdent) {
      error(tok_.kind == Tok::kEnd ? "the expression ends too early"
                                   : "unexpected '" + std::string(tok_.text) + "'");
      return nullptr;
    }
    const std::string name(tok_.text);
    const char* start = tok_.text.data();
    advance();
    if (name == "true" || name == "false") {
      auto n = make<LiteralExpr>();
      n->value = Val::boolean(name == "true");
      return n;
    }
    if (name == "null") {
      auto n = make<LiteralExpr>();
      n->value = Val::null();
      return n;
    }
    if (is_op("(")) return call(name, start);
    return path(name);
  }

  // `start`: where the call's name begins in the source, for its cache key.
  std::unique_ptr<Expr> call(const std::string& name, const char* start) {
    const FunctionSpec* fn = find_function(name);
    if (fn == nullptr) {
      error("unknown function '" + name + "' (see config/mappings/LANGUAGE.md for the list)");
      return nullptr;
    }
    advance();  // (
    auto c = make<CallNode>();
    c->fn = fn;
    const int scope_refs_before = scope_refs_;
    const int ref_calls_before = ref_calls_;
    if (!is_op(")")) {
      while (!failed_) {
        c->args.push_back(expression(0));
        if (!is_op(",")) break;
        advance();
      }
    }
    const char* end = is_op(")") ? tok_.text.data() + tok_.text.size() : nullptr;
    expect(")");
    if (failed_) return nullptr;
    const auto n = c->args.size();
    if (n < fn->min_args || n > fn->max_args) {
      const std::string count = fn->min_args == fn->max_args
                                    ? std::to_string(fn->min_args)
                                    : std::to_string(fn->min_args) + " to " +
                                          (fn->max_args > 16 ? std::string("any number of")
                                                             : std::to_string(fn->max_args));
      error(name + "() takes " + count + " argument(s), not " + std::to_string(n));
      return nullptr;
    }
    std::string problem;
    if (fn->check && !fn->check(*c, scope_, problem)) {
      error(problem);
      return nullptr;
    }
    c->uses_scope = scope_refs_ != scope_refs_before;
    // ref() reads the urn table, which fills up while the resources are chosen: neither it nor a
    // call around it is remembered.
    const bool reads_urns = fn->name == "ref" || ref_calls_ != ref_calls_before;
    if (fn->name == "ref") ++ref_calls_;
    if (!reads_urns && scope_.cache_slots != nullptr) {
      c->cached = true;
      c->cache_slot =
          slot_for(std::string_view(start, static_cast<std::size_t>(end - start)), c->uses_scope);
    }
    return c;
  }

  std::unique_ptr<Expr> path(const std::string& first) {
    auto p = make<PathExpr>();
    std::string decl_prefix;  // declaration path of the root, for the undeclared-field warning
    bool check_decl = true;
    bool resolved = false;
    for (std::size_t k = scope_.each_names.size(); k-- > 0;) {
      if (scope_.each_names[k] == first) {
        ++scope_refs_;
        p->root = Root::kScope;
        p->depth = scope_.each_names.size() - 1 - k;
        decl_prefix = scope_.each_paths[k];
        check_decl = !decl_prefix.empty();
        resolved = true;
        break;
      }
    }
    if (!resolved && first == "index") {
      if (scope_.each_names.empty()) {
        error("'index' is only known inside an each:");
        return nullptr;
      }
      ++scope_refs_;
      p->root = Root::kIndex;
      return p;
    }
    if (!resolved && (first == "facility" || first == "record")) {
      p->root = first == "facility" ? Root::kFacility : Root::kRecord;
      if (!is_op(".")) {
        error("use " + first + ".<field>");
        return nullptr;
      }
      advance();
      const std::string field(tok_.text);
      const bool ok = tok_.kind == Tok::kIdent &&
                      (first == "facility" ? (field == "key" || field == "name" ||
                                              field == "organization_id" || field == "timezone")
                                           : (field == "id" || field == "revision"));
      if (!ok) {
        error(first == "facility" ? "facility has key, name, organization_id and timezone"
                                  : "record has id and revision");
        return nullptr;
      }
      advance();
      p->segments.push_back({field, -1});
      return p;
    }
    if (!resolved) {
      p->root = Root::kData;
      if (first == "data" && is_op(".")) {
        advance();
        if (tok_.kind != Tok::kIdent) {
          error("expected a field name after 'data.'");
          return nullptr;
        }
        p->segments.push_back({std::string(tok_.text), -1});
        advance();
      } else {
        p->segments.push_back({first, -1});
      }
    }
    // Field access and constant list positions extend the path; the rest is postfix().
    while (!failed_) {
      if (is_op(".")) {
        advance();
        if (tok_.kind != Tok::kIdent) {
          error("expected a field name after '.'");
          return nullptr;
        }
        p->segments.push_back({std::string(tok_.text), -1});
        advance();
      } else if (is_op("[")) {
        advance();
        if (tok_.kind != Tok::kNumber || tok_.text.find('.') != std::string_view::npos) break;
        p->segments.push_back({"", std::strtol(std::string(tok_.text).c_str(), nullptr, 10)});
        advance();
        expect("]");
      } else {
        break;
      }
    }
    if (failed_) return nullptr;
    if (check_decl && scope_.declared) {
      std::string decl = decl_prefix;
      for (const auto& s : p->segments) {
        if (s.index >= 0) {
          decl += "[]";
        } else {
          if (!decl.empty()) decl += '.';
          decl += s.key;
        }
      }
      if (!decl.empty() && !scope_.declared(decl)) {
        out_.warnings.push_back(std::string(file_) + ":" + std::to_string(line_) + ": ${" +
                                std::string(src_) + "} uses '" + decl +
                                "', which the input declaration does not declare");
      }
    }
    return p;
  }

  std::unique_ptr<Expr> postfix(std::unique_ptr<Expr> e) {
    while (!failed_ && e) {
      if (is_op(".")) {
        advance();
        if (tok_.kind != Tok::kIdent) {
          error("expected a field name after '.'");
          return nullptr;
        }
        auto m = make<MemberExpr>();
        m->base = std::move(e);
        m->key = std::string(tok_.text);
        advance();
        e = std::move(m);
      } else if (is_op("[")) {
        advance();
        auto ix = make<IndexExpr>();
        ix->base = std::move(e);
        ix->index = expression(0);
        expect("]");
        e = std::move(ix);
      } else {
        break;
      }
    }
    return failed_ ? nullptr : std::move(e);
  }

  static constexpr int kMaxDepth = 64;
  Lexer lex_;
  Token tok_;
  std::string_view src_;
  std::string_view file_;
  int line_;
  const CompileScope& scope_;
  CompileOutput& out_;
  bool failed_ = false;
  int depth_ = 0;
  int scope_refs_ = 0;  // item/index paths parsed so far
  int ref_calls_ = 0;   // ref() calls parsed so far

  // The same call text shares one slot across the mapping: utc(finished_at) written in every
  // resource is computed once per record. A call that reads item/index is only valid in the
  // `each` element it was computed in (CallCache's generations), and the same text in the same
  // element is the same call: the names it sees are those of that element's `each:` chain.
  std::size_t slot_for(std::string_view text, bool uses_scope) {
    if (scope_.cache_keys == nullptr) return (*scope_.cache_slots)++;
    std::string key(text);
    key += uses_scope ? '\1' : '\0';
    const auto [it, fresh] = scope_.cache_keys->try_emplace(std::move(key), *scope_.cache_slots);
    if (fresh) ++*scope_.cache_slots;
    return it->second;
  }
};

}  // namespace

std::unique_ptr<Expr> compile_expr(std::string_view source, std::string_view file, int line,
                                   const CompileScope& scope, CompileOutput& out) {
  Parser p(source, file, line, scope, out);
  return p.parse();
}

std::string declared_path_of(const Expr& e, const CompileScope& scope) {
  if (const auto* call = dynamic_cast<const CallExpr*>(&e)) {
    if (call->fn->name == "order_by") return declared_path_of(*call->args[0], scope);
    return {};
  }
  const auto* p = dynamic_cast<const PathExpr*>(&e);
  if (p == nullptr) return {};
  std::string out;
  if (p->root == Root::kScope) {
    out = scope.each_paths[scope.each_paths.size() - 1 - p->depth];
    if (out.empty()) return {};
  } else if (p->root != Root::kData) {
    return {};
  }
  for (const auto& s : p->segments) {
    if (s.index >= 0) {
      out += "[]";
    } else {
      if (!out.empty()) out += '.';
      out += s.key;
    }
  }
  return out;
}

const Val* literal_value(const Expr& e) {
  const auto* lit = dynamic_cast<const LiteralExpr*>(&e);
  return lit == nullptr ? nullptr : &lit->value;
}

bool compile_interpolation(std::string_view text, std::string_view file, int line,
                           const CompileScope& scope, CompileOutput& out, Interpolation& result,
                           bool& ok) {
  ok = true;
  if (text.find("${") == std::string_view::npos) return false;
  std::size_t pos = 0;
  std::string literal;
  while (pos < text.size()) {
    const auto open = text.find("${", pos);
    if (open == std::string_view::npos) {
      literal += text.substr(pos);
      break;
    }
    literal += text.substr(pos, open - pos);
    // The closing brace is the first '}' outside quotes.
    std::size_t i = open + 2;
    char quote = 0;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (quote) {
        if (c == '\\') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '}') {
        break;
      }
    }
    if (i >= text.size()) {
      out.errors.push_back(std::string(file) + ":" + std::to_string(line) + ": '${' in \"" +
                           std::string(text) + "\" is never closed with '}'");
      ok = false;
      return true;
    }
    auto e = compile_expr(text.substr(open + 2, i - open - 2), file, line, scope, out);
    if (!e) ok = false;
    result.literals.push_back(std::move(literal));
    literal.clear();
    result.exprs.push_back(std::move(e));
    pos = i + 1;
  }
  result.literals.push_back(std::move(literal));
  return true;
}

}  // namespace ilp::mappers::tmpl
