#pragma once
// fhir_profiles/ compiled into lookup tables: what the validator walks with. Built once by
// Profiles::load; read-only afterwards.

#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
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
  int children = -1;           // node of a backbone element or a contentReference target
  int binding = -1;            // index into Data::valuesets
  bool may_be_future = false;  // rules.yaml future.allowed: times below it may lie ahead
};

// One JSON key a node accepts: "status", "deceasedBoolean", or "_status" (primitive extension).
struct Key {
  std::string text;
  std::uint16_t element = 0;
  std::uint8_t type = 0;  // index into ElementDef::types
  bool underscore = false;
};

// A key's first and last eight bytes (zero-padded when shorter), as two integers: for keys of up
// to 16 bytes, which are nearly all FHIR element names, comparing these two words is comparing the
// whole key, without a call to memcmp per candidate.
struct KeyProbe {
  static_assert(std::endian::native == std::endian::little, "byte positions below assume it");
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
  static KeyProbe of(std::string_view s) {
    KeyProbe p;
    // Shorter keys are read as two overlapping loads (4 + 4, or the first, middle and last
    // byte), each shifted to its bytes' own position: where they overlap they carry the same
    // bytes, so OR-ing them gives the key zero-padded, without a loop per byte.
    const auto n = s.size();
    const auto* c = reinterpret_cast<const unsigned char*>(s.data());
    if (n >= 8) {
      std::memcpy(&p.head, c, 8);
      std::memcpy(&p.tail, c + n - 8, 8);
      return p;
    }
    if (n >= 4) {
      std::uint32_t lo;
      std::uint32_t hi;
      std::memcpy(&lo, c, 4);
      std::memcpy(&hi, c + n - 4, 4);
      p.head = std::uint64_t{lo} | (std::uint64_t{hi} << (8 * (n - 4)));
    } else if (n > 0) {
      p.head = std::uint64_t{c[0]} | (std::uint64_t{c[n / 2]} << (8 * (n / 2))) |
               (std::uint64_t{c[n - 1]} << (8 * (n - 1)));
    }
    p.tail = p.head;
    return p;
  }
  bool operator==(const KeyProbe&) const = default;
};

struct Node {
  std::string path;  // "Encounter", "Encounter.statusHistory"
  std::vector<ElementDef> elements;
  std::vector<Key> keys;         // sorted by (length, text)
  std::vector<KeyProbe> probes;  // probes[i] = KeyProbe::of(keys[i].text)
  // Open-addressing hash table over the keys: index + 1, 0 for an empty slot; a power of two of
  // at least twice the keys, so that a lookup, hit or miss, usually reads one or two slots.
  std::vector<std::uint16_t> slots;
  int slot_shift = 62;  // 64 - log2(slots.size()): the hash's top bits pick the slot
  std::vector<std::uint16_t> required;

  std::size_t slot_of(const KeyProbe& p, std::size_t len) const {
    return static_cast<std::size_t>(((p.head ^ (p.tail * 31) ^ len) * 0x9E3779B97F4A7C15ULL) >>
                                    slot_shift);
  }

  // Called for every member of every object.
  const Key* find(std::string_view key) const {
    if (slots.empty()) return nullptr;  // not indexed (Profiles::load failed)
    const KeyProbe p = KeyProbe::of(key);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t h = slot_of(p, key.size());; h = (h + 1) & mask) {
      const auto at = slots[h];
      if (at == 0) return nullptr;
      const Key& k = keys[at - 1];
      // Equal probes and lengths are equal keys up to 16 bytes (the probe covers them all).
      if (probes[at - 1] == p && k.text.size() == key.size() &&
          (key.size() <= 16 || k.text == key)) {
        return &k;
      }
    }
  }
};

// Lets unordered containers of std::string be searched with a string_view, without building a
// string per lookup (C++20 heterogeneous lookup).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct ValueSet {
  std::string name;
  // system → codes; a `code` element accepts a code of any system of the set.
  StringMap<StringSet> codes;
  bool contains(std::string_view code) const;
};

struct Profiles::Data {
  std::vector<TypeDef> types;
  StringMap<int> type_index;
  std::vector<Node> nodes;
  std::vector<ValueSet> valuesets;
  int element_node = -1;  // Element: what `_field` objects are checked against
  RuleSet rules;
  std::vector<std::vector<std::size_t>> rules_by_type;  // by index into `types`
  // "Encounter.period.start": elements a `utc` rule names, which the general UTC check leaves to
  // it.
  StringSet utc_rule_paths;
  std::vector<Profiles::RuleInfo> rule_infos;

  int type(std::string_view name) const {
    auto it = type_index.find(name);
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
