#pragma once
// fhir_profiles/ compiled into lookup tables: what the validator walks with. Built once by
// Profiles::load; read-only afterwards.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gateway/validation/rules.hpp"
#include "gateway/validation/validator.hpp"

namespace ilp::validation {

enum class TypeKind : std::uint8_t { kPrimitive, kComplex, kResource };

// How a primitive's JSON value is checked (fhir_profiles/r4/types.tsv names the type; the
// format of each is fixed by the FHIR specification, so it is code, not data).
enum class Primitive : std::uint8_t {
  kNone,
  kBoolean,
  kInteger,
  kPositiveInt,
  kUnsignedInt,
  kDecimal,
  kString,
  kMarkdown,
  kCode,
  kId,
  kUri,
  kOid,
  kUuid,
  kDate,
  kDateTime,
  kInstant,
  kTime,
  kBase64,
  kXhtml,
};

struct TypeDef {
  std::string name;
  TypeKind kind = TypeKind::kComplex;
  bool abstract = false;
  Primitive primitive = Primitive::kNone;
  int node = -1;  // element table of complex types and resources
};

struct ElementType {
  int type = -1;                     // index into Data::types
  std::vector<std::string> targets;  // Reference(...) targets; empty or {"Resource"} = any
  std::string suffix;                // choice key suffix: "Boolean" for deceasedBoolean
};

struct ElementDef {
  std::string name;  // JSON key without the choice suffix ("deceased" for deceased[x])
  bool choice = false;
  int min = 0;
  int max = 1;  // -1 = unbounded
  std::vector<ElementType> types;
  int children = -1;  // node of a backbone element or a contentReference target
  int binding = -1;   // index into Data::valuesets
};

// One JSON key a node accepts: "status", "deceasedBoolean", or "_status" (primitive extension).
struct Key {
  std::string text;
  std::uint16_t element = 0;
  std::uint8_t type = 0;  // index into ElementDef::types
  bool underscore = false;
};

struct Node {
  std::string path;  // "Encounter", "Encounter.statusHistory"
  std::vector<ElementDef> elements;
  std::vector<Key> keys;              // sorted by (length, text)
  std::vector<std::uint32_t> by_len;  // keys with length n start at by_len[n] (size 65)
  std::vector<std::uint16_t> required;

  const Key* find(std::string_view key) const;
};

struct ValueSet {
  std::string name;
  // system → codes; a `code` element accepts a code of any system of the set.
  std::unordered_map<std::string, std::unordered_set<std::string>> codes;
  bool contains(std::string_view code) const;
};

struct Profiles::Data {
  std::vector<TypeDef> types;
  std::unordered_map<std::string, int> type_index;
  std::vector<Node> nodes;
  std::vector<ValueSet> valuesets;
  int element_node = -1;  // Element: what `_field` objects are checked against
  RuleSet rules;
  std::vector<std::vector<std::size_t>> rules_by_type;  // by index into `types`
  std::vector<Profiles::RuleInfo> rule_infos;

  int type(std::string_view name) const {
    // Heterogeneous lookup would spare the string; type names are short and this is not per
    // element but per resource.
    auto it = type_index.find(std::string(name));
    return it == type_index.end() ? -1 : it->second;
  }
};

// Loaders, one per file of fhir_profiles/r4; problems as "file:line: …".
void load_types(const std::string& text, const std::string& label, Profiles::Data& d,
                std::vector<std::string>& errors);
void load_valuesets(const std::string& text, const std::string& label, Profiles::Data& d,
                    std::vector<std::string>& errors);
void load_elements(const std::string& text, const std::string& label, Profiles::Data& d,
                   std::vector<std::string>& errors);

}  // namespace ilp::validation
