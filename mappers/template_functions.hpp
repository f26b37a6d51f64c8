#pragma once
// The function set of mapping templates (config/mappings/LANGUAGE.md, "Functions").

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/template_expr.hpp"

namespace ilp::mappers::tmpl {

struct FunctionSpec;

struct CallExpr : Expr {
  const FunctionSpec* fn = nullptr;
  std::vector<std::unique_ptr<Expr>> args;
  int resource = -1;                 // ref('name'): resolved when the mapping compiles
  std::size_t cache_slot = 0;        // in EvalContext::cache
  bool cached = false;               // pure and worth remembering (not ref(): urns fill up)
  bool uses_scope = false;           // reads item/index: valid per `each` element only
  const CodeTable* table = nullptr;  // lookup('table', …) with a literal table name

  // Evaluates argument i; the function decides which arguments it needs (if/coalesce are lazy).
  Val arg(EvalContext& ctx, std::size_t i) const { return args[i]->eval(ctx); }
};

struct FunctionSpec {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
  Val (*impl)(EvalContext& ctx, const CallExpr& call);
  // Compile-time checks (literal table and resource names); nullptr when there are none.
  bool (*check)(CallExpr& call, const CompileScope& scope, std::string& problem);
};

const FunctionSpec* find_function(std::string_view name);

}  // namespace ilp::mappers::tmpl
