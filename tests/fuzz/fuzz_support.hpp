#pragma once
// What the libFuzzer targets of tests/fuzz share: a broken invariant is a __builtin_trap()
// (libFuzzer reports it as a crash, with the input), the shipped config loaded once, and the
// checks every OperationOutcome the gateway answers must pass. Header-only: tests/fuzz/run
// compiles each target's .cpp with it; not part of the CMake build.

#include <rapidjson/document.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/config/config.hpp"
#include "mappers/json.hpp"
#include "mappers/outcome.hpp"
#include "mappers/pseudonym.hpp"

#ifndef ILP_SOURCE_DIR
#define ILP_SOURCE_DIR "."
#endif

namespace ilp::fuzz {

// Prints why (and the issues of `o`, when given), then traps.
[[noreturn]] inline void broken(const char* target, const char* what,
                                const mappers::Outcome* o = nullptr) {
  std::fprintf(stderr, "%s: invariant broken: %s\n", target, what);
  if (o != nullptr) {
    for (const auto& i : o->issues) {
      std::fprintf(stderr, "  [%s] %s: %s\n", i.code.c_str(), i.expression.c_str(),
                   i.text.en.c_str());
    }
  }
  __builtin_trap();
}

inline bool utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

inline bool strict_json(std::string_view s) {
  rapidjson::Document d;
  return !mappers::parse_json_strict(s, d);
}

// The shipped config (config/gateway.yaml with its facilities, mappings, code tables and
// profiles), as `serve` loads it, with the test pseudonym key. Loaded once per process.
inline const gateway::config::Config& config() {
  static const std::shared_ptr<const gateway::config::Config> cfg = [] {
    for (const char* v : {"ILP_SECRET_PKM_SUKAMAJU", "ILP_SECRET_PKM_TANJUNG",
                          "ILP_SECRET_PKM_SENTANI", "ILP_ADMIN_TOKEN"}) {
      ::setenv(v, "fuzz", 0);
    }
    const std::string path = ILP_SOURCE_DIR "/config/gateway.yaml";
    try {
      auto loaded = std::make_shared<gateway::config::Config>(*gateway::config::load(path));
      loaded->pseudonymizer =
          std::make_shared<const mappers::Pseudonymizer>(mappers::Pseudonymizer::for_tests());
      return std::shared_ptr<const gateway::config::Config>(loaded);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz: cannot load %s: %s\n", path.c_str(), e.what());
      std::exit(2);  // a setup problem, not a finding
    }
  }();
  return *cfg;
}

// What every OperationOutcome the gateway answers must satisfy: at least one issue, each with a
// code and both texts, all valid UTF-8, and the serialised outcome strict JSON in both
// languages. With `need_expression`, at least one issue names where the problem is (an
// unknown key "" is named by nothing).
inline void check_outcome(const char* target, const mappers::Outcome& o, bool need_expression) {
  if (o.empty()) broken(target, "a rejection without an issue");
  bool named = false;
  for (const auto& i : o.issues) {
    named = named || !i.expression.empty();
    if (i.code.empty() || i.text.id.empty() || i.text.en.empty()) {
      broken(target, "an issue without a code or a text", &o);
    }
    if (!utf8(i.text.id) || !utf8(i.text.en) || !utf8(i.expression) || !utf8(i.input_expression) ||
        !utf8(i.diagnostics)) {
      broken(target, "an issue that is not valid UTF-8", &o);
    }
  }
  if (need_expression && !named) broken(target, "a rejection that names no field", &o);
  for (const auto lang : {mappers::Lang::kId, mappers::Lang::kEn}) {
    if (!strict_json(mappers::outcome_json(o, lang))) {
      broken(target, "an OperationOutcome that is not strict JSON", &o);
    }
  }
}

}  // namespace ilp::fuzz
