#pragma once
// SATUSEHAT's own rules (fhir_profiles/satusehat/rules.yaml): what the platform refuses beyond
// plain FHIR R4, each with its rule number from the validation dictionary. The file format is
// described in fhir_profiles/README.md; this is its compiled form and its evaluation over one
// resource.

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "mappers/outcome.hpp"

namespace ilp::validation {

// A code shape such as "A99|A99.X+" — letters and digits by class, literals in quotes,
// alternatives with '|'. Matched without regexes: a code is checked in tens of nanoseconds.
class Shape {
 public:
  static bool compile(std::string_view text, Shape& out, std::string& error);
  bool matches(std::string_view code) const;
  const std::string& text() const { return text_; }

 private:
  struct Atom {
    char cls = 0;  // 'A' upper, 'a' lower, '9' digit, 'X' upper|digit, 'L' literal
    char literal = 0;
    bool repeat = false;  // one or more
  };
  static bool match_from(const std::vector<Atom>& alt, std::size_t ai, std::string_view s,
                         std::size_t si);
  std::string text_;
  std::vector<std::vector<Atom>> alternatives_;
};

enum class Check {
  kRequired,  // something non-empty at path
  kSystem,    // a Coding / CodeableConcept at path has a coding from `systems`
  kCode,      // codings at path of system S have a code of shape shapes[S]
  kPattern,   // an identifier at path has a system matching `pattern` ({org} = the facility)
  kUtc,       // dateTimes at path are YYYY-MM-DDThh:mm:ss+00:00
  kFloor,     // dates at path are not before the configured floor
  kAfter,     // the instant at path is later than the one at `than`
  kIncludes,  // values at path include every one of `values`
  kValues,    // every value at path is one of `values`
  kUnit,      // a Quantity at path has system UCUM and the unit `units` gives for the LOINC code
  kSystemPrefix,      // every identifier at path has a system starting with one of `systems`
  kIdentifierValues,  // identifiers at path whose system is one of `systems` have a listed value
};
std::string_view to_string(Check c);

struct Condition {
  std::vector<std::string> path;
  int first_key = -1;  // index of path[0] among the type's keys (see RootMembers)
  enum class Op { kEquals, kExists, kMissing } op = Op::kEquals;
  std::vector<std::string> values;  // any of; booleans and numbers as their JSON text
};

struct Rule {
  std::string id;
  int number = 0;
  std::string type;
  std::string path_text;
  std::vector<std::string> path;
  int first_key = -1;
  Check check = Check::kRequired;
  std::vector<Condition> when;
  std::vector<std::string> systems;
  bool every = false;  // kSystem: every coding, not just one, must use a listed system
  std::vector<std::pair<std::string, Shape>> shapes;  // system → shape (kCode)
  std::string pattern;                                // kPattern
  std::vector<std::string> than;                      // kAfter
  int than_first_key = -1;
  bool or_equal = false;            // kAfter: the same instant passes
  std::vector<std::string> values;  // kIncludes, kValues
  // LOINC → UCUM (kUnit); std::less<> so that a code is looked up without copying it.
  std::map<std::string, std::string, std::less<>> units;
  mappers::Text message;
  mappers::Text fix;
  int line = 0;
};

// Where a problem is, below the resource: ("valueQuantity", -1), ("coding", 0), ("code", -1).
struct PathPiece {
  std::string_view key;
  int index = -1;
};

// The resource's top-level members by key index (of its type's node), as the structural walk
// met them: rules start there instead of searching the resource's keys again.
struct RootMembers {
  const simdjson::dom::element* values = nullptr;
  const std::uint8_t* present = nullptr;
};

struct RuleContext {
  std::string_view org_id;
  std::string_view date_floor;
};

// SATUSEHAT refuses a time in the future in any resource ("no future dates", reference §2.1),
// except where a time is meant to lie ahead (a prescription's validity period). Not a rule of one
// path: every date, dateTime and instant the walk meets is checked (rules.yaml `future:`).
struct FutureCheck {
  bool on = false;
  std::int64_t tolerance_ms = 0;     // the sender's clock may run a little ahead
  std::vector<std::string> allowed;  // element paths whose times may lie ahead
  std::vector<int> allowed_lines;
  mappers::Text message;
};

// Every date-time and instant that carries a time is written YYYY-MM-DDThh:mm:ss+00:00 (reference
// §2.1, §4.3), in every resource (rules.yaml `utc:`); the `utc` rules name the main elements with
// their rule numbers, this catches the rest.
struct UtcCheck {
  bool on = false;
  mappers::Text message;
};

// YYYY-MM-DDThh:mm:ss+00:00 exactly, which is what SATUSEHAT's rules ask for.
bool utc_text(std::string_view s);

// References to an Organization under these element names, in any resource, name the facility's
// own organization (reference §1.2: anything else is refused with 403) (rules.yaml
// `own_organization:`).
struct OwnOrganization {
  bool on = false;
  std::vector<std::string> elements;  // "serviceProvider", "managingOrganization", "performer"
  mappers::Text message;
};

// No date-time or instant before the platform's date floor (reference §2.1: "dates may not be
// earlier than 03 June 2014", on every resource page), in every resource (rules.yaml `floor:`).
// Plain dates are left alone: a birth date long before the floor is a birth date.
struct FloorCheck {
  bool on = false;
  mappers::Text message;
};

class RuleSet {
 public:
  // rules.yaml text; problems go to `errors` as "label:line: …".
  bool load(const std::string& yaml_text, const std::string& label,
            std::vector<std::string>& errors);

  const std::vector<Rule>& all() const { return rules_; }
  const FutureCheck& future() const { return future_; }
  const FloorCheck& floor() const { return floor_; }
  const UtcCheck& utc() const { return utc_; }
  const OwnOrganization& own_organization() const { return own_org_; }
  bool empty() const { return rules_.empty(); }

  // The caller's callback for a broken rule, by reference: a plain function pointer and object
  // instead of a std::function, as run() is called for every resource of every bundle.
  class Report {
   public:
    template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, Report>)
        Report(const F& f)  // NOLINT(google-explicit-constructor): passed as a lambda
        : fn_(&f), call_([](const void* fn, const Rule& r, const std::vector<PathPiece>& at) {
            (*static_cast<const F*>(fn))(r, at);
          }) {}
    void operator()(const Rule& r, const std::vector<PathPiece>& at) const { call_(fn_, r, at); }

   private:
    const void* fn_;
    void (*call_)(const void*, const Rule&, const std::vector<PathPiece>&);
  };

  // Path pieces run() works with, kept by the caller between resources so that they are
  // allocated once rather than per resource.
  struct Scratch {
    std::vector<PathPiece> pieces;
    std::vector<PathPiece> condition;
  };

  // Runs `rules` (indexes into all(), those of the resource's type) over `resource`.
  void run(const std::vector<std::size_t>& rules, const simdjson::dom::element& resource,
           const RootMembers& root, const RuleContext& ctx, Report report, Scratch& scratch) const;

  // Resolves each rule's first path step to a key index; `key_of` gives -1 for a name the type
  // does not have, which is an error naming the rule.
  template <class KeyOf>
  void resolve(KeyOf&& key_of, const std::string& label, std::vector<std::string>& errors);

 private:
  std::vector<Rule> rules_;
  FutureCheck future_;
  FloorCheck floor_;
  UtcCheck utc_;
  OwnOrganization own_org_;
};

template <class KeyOf>
void RuleSet::resolve(KeyOf&& key_of, const std::string& label, std::vector<std::string>& errors) {
  for (auto& r : rules_) {
    auto one = [&](const std::vector<std::string>& path, int& out) {
      if (path.empty()) return;
      out = key_of(r.type, path[0]);
      if (out < 0) {
        errors.push_back(label + ":" + std::to_string(r.line) + ": rule " + r.id + ": " + r.type +
                         " has no element \"" + path[0] + "\"");
      }
    };
    one(r.path, r.first_key);
    one(r.than, r.than_first_key);
    for (auto& c : r.when) one(c.path, c.first_key);
  }
}

}  // namespace ilp::validation
