#include "mappers/template_tree.hpp"

namespace ilp::mappers::tmpl {

bool is_null(const Node& n) { return n.kind == Node::Kind::kString && n.i == -1; }

bool constant(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kString:
    case Node::Kind::kInt:
    case Node::Kind::kDouble:
    case Node::Kind::kBool:
    case Node::Kind::kRaw:
      return true;
    default:
      return false;
  }
}

void write_constant(const Node& n, JsonEmitter& out) {
  switch (n.kind) {
    case Node::Kind::kInt:
      out.number(n.i);
      break;
    case Node::Kind::kDouble:
      out.number(n.d);
      break;
    case Node::Kind::kBool:
      out.boolean(n.b);
      break;
    default:
      out.raw(n.text_json);
  }
}

void fold(Node& n) {
  std::string json;
  JsonEmitter out(json);
  bool any = false;
  if (n.kind == Node::Kind::kObject) {
    if (n.when) return;
    for (const auto& m : n.members) {
      if (!constant(*m.node)) return;
    }
    out.raw('{');
    for (const auto& m : n.members) {
      if (is_null(*m.node)) continue;
      if (any) out.raw(',');
      out.raw(m.key_json);
      write_constant(*m.node, out);
      any = true;
    }
    out.raw('}');
  } else if (n.kind == Node::Kind::kArray) {
    for (const auto& e : n.elements) {
      if (e.each || !constant(*e.node)) return;
    }
    out.raw('[');
    for (const auto& e : n.elements) {
      if (is_null(*e.node)) continue;
      if (any) out.raw(',');
      write_constant(*e.node, out);
      any = true;
    }
    out.raw(']');
  } else {
    return;
  }
  n.members.clear();
  n.elements.clear();
  if (any) {
    n.kind = Node::Kind::kRaw;
    n.text_json = std::move(json);
  } else {
    n.kind = Node::Kind::kString;
    n.i = -1;
  }
}

}  // namespace ilp::mappers::tmpl
