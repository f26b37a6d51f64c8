#pragma once
// A compiled mapping template as a tree: what mappers/mapping.cpp's compiler builds from the
// YAML and its writer walks for every record. Constant parts are folded into pre-written JSON
// once, at compile time.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mappers/json_emitter.hpp"
#include "mappers/template_expr.hpp"

namespace ilp::mappers::tmpl {

struct Node;

struct Element {
  std::unique_ptr<Node> node;
  std::unique_ptr<Expr> each;  // nullptr: the element is written once
};

struct Member {
  std::string key;
  std::string key_json;  // "\"key\":", escaped once at compile time
  std::unique_ptr<Node> node;
};

struct Node {
  // kRaw: an object or list with no expression inside, serialised once at compile time.
  enum class Kind { kString, kInt, kDouble, kBool, kRaw, kExpr, kInterp, kObject, kArray };
  Kind kind = Kind::kString;
  std::string text;
  std::string text_json;  // kString: the quoted, escaped constant; kRaw: the JSON
  std::int64_t i = 0;
  double d = 0;
  bool b = false;
  Interpolation interp;           // kExpr, kInterp
  std::vector<Member> members;    // kObject
  std::unique_ptr<Expr> when;     // kObject
  std::vector<Element> elements;  // kArray
};

struct Resource {
  std::string name;
  std::string type;
  int line = 0;
  std::unique_ptr<Expr> when;
  std::unique_ptr<Expr> each;
  std::unique_ptr<Node> body;
  // `update: by_identifier`: the resource already exists on the platform (an episode opened by
  // an earlier record); the entry is a conditional update found by the body's identifier.
  bool update_by_identifier = false;
};

// A null constant: a member written as nothing.
bool is_null(const Node& n);
// Written the same for every record (no expression inside).
bool constant(const Node& n);
void write_constant(const Node& n, JsonEmitter& out);
// Objects and lists with nothing to evaluate become one pre-written JSON fragment (codings,
// categories), so mapping a record copies them instead of walking them. Null members are
// dropped and an object or list left empty becomes null, exactly as evaluation would.
void fold(Node& n);

}  // namespace ilp::mappers::tmpl
