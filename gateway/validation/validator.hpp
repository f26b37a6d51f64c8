#pragma once
// Offline validation of FHIR R4 JSON against fhir_profiles/: the R4 base structure (r4/, generated
// from the official definitions) and SATUSEHAT's own rules (satusehat/rules.yaml, with their rule
// numbers). Pure: the profiles are loaded once at startup; validate() touches no file, socket or
// clock, and one Validator per thread reuses its parser buffers.
//
// JSON is read with simdjson (Debian's libsimdjson-dev): a mapped visit bundle is parsed and
// walked in a few microseconds, which is what lets every bundle be checked before it is stored.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/outcome.hpp"

namespace ilp::validation {

class Profiles;

struct Problem {
  std::string code = "invalid";  // FHIR IssueType: structure, required, value, code-invalid, …
  std::string expression;        // FHIRPath-style: Bundle.entry[2].resource.valueQuantity.code
  int rule = 0;                  // SATUSEHAT rule number (0 when the rule has none)
  std::string rule_id;           // our rule id ("encounter-period-end"), or "r4.<check>"
  mappers::Text text;            // for people, both languages
};

struct Context {
  // SATUSEHAT organization id of the sending facility; "{org}" in identifier-system patterns.
  // Empty: any organization id is accepted (`ilp-gateway validate` without --facility).
  std::string_view org_id;
  std::string_view date_floor = "2014-06-03";  // earliest date SATUSEHAT accepts (configurable)
  bool satusehat = true;                       // false: R4 structure only (the official examples)
  // Now, in milliseconds since the epoch: times later than now (plus rules.yaml's tolerance) are
  // refused. 0: not looked for.
  std::int64_t now_ms = 0;
  std::size_t max_problems = 50;  // the walk stops collecting after this many
};

struct Result {
  std::vector<Problem> problems;
  std::size_t resources = 0;  // resources walked (a Bundle counts its entries)
  bool ok() const { return problems.empty(); }
  // One OperationOutcome issue per problem (expression = the FHIR path).
  mappers::Outcome outcome() const;
};

struct Limits {
  std::size_t max_bytes = 8 * 1024 * 1024;
  std::size_t max_depth = 64;
};

class Validator {
 public:
  explicit Validator(std::shared_ptr<const Profiles> profiles, Limits limits = {});
  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  // Any FHIR R4 resource or Bundle as JSON text. Malformed JSON is a problem, never a throw.
  Result validate(std::string_view json, const Context& ctx);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// fhir_profiles/ as loaded at startup. Immutable and shared between threads.
class Profiles {
 public:
  // `dir` holds r4/ and satusehat/. Problems with the files go to `errors` ("file:line: …");
  // nullptr when any.
  static std::shared_ptr<const Profiles> load(const std::filesystem::path& dir,
                                              std::vector<std::string>& errors);
  ~Profiles();

  struct RuleInfo {
    int number = 0;
    std::string id;
    std::string type;       // resource type
    std::string path;       // element path within the resource ("period.end")
    std::string check;      // the rule's check as rules.yaml names it ("required", "system")
    mappers::Text message;  // what is wrong
    mappers::Text fix;      // what to do about it, for needs_correction
  };
  // Rules carrying SATUSEHAT rule number `n` (the platform's `RuleNumber: n`); empty if unknown.
  std::vector<const RuleInfo*> rules_numbered(int n) const;
  const std::vector<RuleInfo>& rules() const;

  struct Data;
  const Data& data() const { return *data_; }

 private:
  Profiles();
  std::unique_ptr<Data> data_;
};

}  // namespace ilp::validation
