// validate_fuzz: libFuzzer target for gateway/validation. Arbitrary bytes go to
// Validator::validate the way the gateway sends a mapped bundle (SATUSEHAT rules on, facility
// "10000004") and the way `ilp-gateway validate` checks any R4 resource (structure only). It must
// never crash, leak or hang, and what it returns must keep the invariants checked below; a
// broken invariant is a __builtin_trap(), which libFuzzer reports as a crash with the input.
//
// Built and run by tests/fuzz/run (clang++ -fsanitize=fuzzer,address,undefined); not part of the
// CMake build, which uses g++. Profiles: $ILP_PROFILES_DIR, else ILP_SOURCE_DIR/fhir_profiles.
//
//   build-fuzz/validate_fuzz CORPUS_DIR [libFuzzer flags]     fuzz
//   build-fuzz/validate_fuzz crash-<sha1>                     replay one input
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/validation/validator.hpp"
#include "mappers/json.hpp"
#include "mappers/outcome.hpp"

#ifndef ILP_SOURCE_DIR
#define ILP_SOURCE_DIR "."
#endif

namespace {

using ilp::validation::Context;
using ilp::validation::Limits;
using ilp::validation::Problem;
using ilp::validation::Result;
using ilp::validation::Validator;

// Prints why, then traps: the message lands in the fuzzer's log beside the reproducer.
[[noreturn]] void broken(const char* what, const Result* r = nullptr) {
  std::fprintf(stderr, "validate_fuzz: invariant broken: %s\n", what);
  if (r != nullptr) {
    for (const auto& p : r->problems) {
      std::fprintf(stderr, "  [%s] %s rule=%d %s: %s\n", p.code.c_str(), p.rule_id.c_str(), p.rule,
                   p.expression.c_str(), p.text.en.c_str());
    }
  }
  __builtin_trap();
}
#define CHECK(cond, r)             \
  do {                             \
    if (!(cond)) broken(#cond, r); \
  } while (0)

struct State {
  std::shared_ptr<const ilp::validation::Profiles> profiles;
  std::unique_ptr<Validator> validator;  // default Limits (8 MiB, depth 64): what ingest uses
  std::unique_ptr<Validator> tight;      // small limits, so the size and depth refusals are hit
};

constexpr Limits kTight{1024, 8};

State& state() {
  static State* s = [] {
    const char* env = std::getenv("ILP_PROFILES_DIR");
    const std::string dir = env != nullptr && *env != '\0' ? env : ILP_SOURCE_DIR "/fhir_profiles";
    std::vector<std::string> errors;
    auto profiles = ilp::validation::Profiles::load(dir, errors);
    if (!profiles) {
      std::fprintf(stderr, "validate_fuzz: cannot load profiles from %s:\n", dir.c_str());
      for (const auto& e : errors) std::fprintf(stderr, "  %s\n", e.c_str());
      std::exit(2);  // a setup problem, not a finding
    }
    auto* st = new State;  // lives for the whole process (not a leak: reachable)
    st->profiles = profiles;
    st->validator = std::make_unique<Validator>(profiles);
    st->tight = std::make_unique<Validator>(profiles, kTight);
    return st;
  }();
  return *s;
}

bool utf8(const std::string& s) { return simdjson::validate_utf8(s.data(), s.size()); }

bool same(const Problem& a, const Problem& b) {
  return a.code == b.code && a.expression == b.expression && a.rule == b.rule &&
         a.rule_id == b.rule_id && a.text.id == b.text.id && a.text.en == b.text.en;
}

// What every result must satisfy, whatever the input.
void check_result(const Result& r, const Context& ctx) {
  CHECK(r.problems.size() <= ctx.max_problems, &r);
  for (const auto& p : r.problems) {
    CHECK(!p.code.empty(), &r);
    CHECK(!p.rule_id.empty(), &r);
    CHECK(!p.text.id.empty(), &r);
    CHECK(!p.text.en.empty(), &r);
    // Texts and paths quote keys and codes of the input: they must stay valid UTF-8 so the
    // OperationOutcome built from them is valid JSON.
    CHECK(utf8(p.text.id) && utf8(p.text.en) && utf8(p.expression), &r);
    CHECK(p.rule >= 0, &r);
    if (!ctx.satusehat) {
      // Structure only: no SATUSEHAT rule may fire.
      CHECK(p.rule == 0 && p.rule_id.rfind("r4.", 0) == 0, &r);
    }
  }
  // The OperationOutcome of the problems, in both languages, is JSON the gateway can send.
  if (!r.problems.empty()) {
    const auto outcome = r.outcome();
    CHECK(outcome.issues.size() == r.problems.size(), &r);
    for (const auto lang : {ilp::mappers::Lang::kId, ilp::mappers::Lang::kEn}) {
      rapidjson::Document doc;
      CHECK(!ilp::mappers::parse_json_strict(ilp::mappers::outcome_json(outcome, lang), doc), &r);
    }
  }
}

// True when every problem of `part` is also in `all` (as many times).
bool contained(const Result& part, const Result& all) {
  std::vector<bool> used(all.problems.size(), false);
  for (const auto& p : part.problems) {
    bool found = false;
    for (std::size_t i = 0; i < all.problems.size() && !found; ++i) {
      if (!used[i] && same(p, all.problems[i])) used[i] = found = true;
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  state();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& st = state();
  const std::string_view json(reinterpret_cast<const char*>(data), size);

  // 1. As the gateway checks a mapped bundle before storing it.
  const Context full{"10000004"};
  const Result a = st.validator->validate(json, full);
  check_result(a, full);

  // 2. Structure only, as for the official examples.
  Context structure{"10000004"};
  structure.satusehat = false;
  const Result b = st.validator->validate(json, structure);
  check_result(b, structure);

  // The structure checks are the same in both modes: unless the full run stopped at its problem
  // limit, it found every structure problem and walked the same resources.
  if (a.problems.size() < full.max_problems && b.problems.size() < structure.max_problems) {
    CHECK(contained(b, a), &a);
    CHECK(a.resources == b.resources, &a);
  }
  if (a.ok()) CHECK(b.ok(), &b);

  // 3. Same validator, same input, a low problem limit: the parser and walk buffers are reused,
  //    so this must give exactly the first problems of run 1, no more.
  Context few{"10000004"};
  few.max_problems = 1 + size % 3;
  const Result c = st.validator->validate(json, few);
  check_result(c, few);
  CHECK(c.problems.size() == std::min(a.problems.size(), few.max_problems), &c);
  for (std::size_t i = 0; i < c.problems.size(); ++i) CHECK(same(c.problems[i], a.problems[i]), &c);

  // 4. Empty org_id accepts any organization in identifier systems, and changes nothing else:
  //    it finds a subset of what the specific facility's run found.
  const Context any_org{""};
  const Result d = st.validator->validate(json, any_org);
  check_result(d, any_org);
  if (a.problems.size() < full.max_problems) CHECK(contained(d, a), &d);

  // 5. Small limits: documents over them are refused with one problem and nothing is walked.

  const Result e = st.tight->validate(json, structure);
  check_result(e, structure);
  if (size > kTight.max_bytes) {
    CHECK(e.problems.size() == 1 && e.problems[0].code == "too-long" && e.resources == 0, &e);
  }
  if (size <= kTight.max_bytes && b.problems.empty()) {
    // Fits the small limits only if it is shallow enough; when it does, it is equally valid.
    CHECK(e.problems.empty() || (e.problems.size() == 1 && e.problems[0].rule_id == "r4.json"), &e);
  }
  return 0;
}
