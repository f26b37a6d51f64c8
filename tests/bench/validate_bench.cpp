// validate_bench: what gateway/validation costs, on one core. Prints figures; asserts nothing.
//
//   build/tests/validate_bench
//
// ILP_BENCH_SECONDS     seconds per timed set (default 3)
// ILP_FHIR_EXAMPLES_DIR the official FHIR R4 examples (default .cache/fhir/hl7.fhir.r4.examples-
//                       4.0.1/package, fetched by `node scripts/update-profiles --fetch`)
// ILP_PROFILES_DIR      profiles to validate against (default fhir_profiles)
//
// Sets: the official examples as published (structure only), every golden bundle compacted as the
// gateway validates it (full: R4 + SATUSEHAT rules, any organization id), and the typical visit
// (tests/golden/visit/full-visit, facility pkm-sukamaju = organization 10000004) timed one call at
// a time: what validation adds to a visit's ingest. Problem counts are printed so that a run that
// silently fails is visible (goldens: 0; the official examples: a handful of known ones).
//
// After the typical visit, the floor under it: the same bundle parsed by simdjson alone, and
// parsed then visited value by value with no check at all. What validation can cost is bounded
// below by these two.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/validation/validator.hpp"
#include "mappers/json.hpp"
#include "unit/validation/official_examples.hpp"

namespace {

namespace fs = std::filesystem;
using ilp::validation::Context;
using ilp::validation::Validator;
using Clock = std::chrono::steady_clock;

struct Doc {
  std::string name;
  std::string json;
};

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

struct Totals {
  std::size_t problems = 0, with_problems = 0, resources = 0, bytes = 0;
};

// One pass: problems and resources per pass; the first problems are printed.
Totals check(Validator& v, const std::vector<Doc>& docs, const Context& ctx, int show) {
  Totals t;
  for (const auto& d : docs) {
    const auto r = v.validate(d.json, ctx);
    t.problems += r.problems.size();
    t.with_problems += r.ok() ? 0 : 1;
    t.resources += r.resources;
    t.bytes += d.json.size();
    for (const auto& p : r.problems) {
      if (show-- > 0) {
        std::printf("    %s: [%s] %s: %s\n", d.name.c_str(), p.rule_id.c_str(),
                    p.expression.c_str(), p.text.en.c_str());
      }
    }
  }
  return t;
}

// Validates every doc over and over for `seconds`; returns passes/s.
double timed(Validator& v, const std::vector<Doc>& docs, const Context& ctx, double seconds) {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::size_t passes = 0;
  do {
    for (const auto& d : docs) v.validate(d.json, ctx);
    ++passes;
  } while (Clock::now() < deadline);
  return passes / std::chrono::duration<double>(Clock::now() - start).count();
}

// Touches every value once: what any walk over the parsed bundle costs before it checks anything.
std::size_t visit_all(simdjson::dom::element v) {
  std::size_t n = 1;
  simdjson::dom::object obj;
  simdjson::dom::array arr;
  if (v.get_object().get(obj) == simdjson::SUCCESS) {
    for (const auto field : obj) n += field.key.size() + visit_all(field.value);
  } else if (v.get_array().get(arr) == simdjson::SUCCESS) {
    for (const auto item : arr) n += visit_all(item);
  }
  return n;
}

double median(std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

void floor_of(const std::string& json, int runs) {
  simdjson::dom::parser parser;
  simdjson::dom::document doc;
  std::vector<double> parse_us(static_cast<std::size_t>(runs));
  std::vector<double> both_us(static_cast<std::size_t>(runs));
  std::size_t sink = 0;
  for (int i = 0; i < runs; ++i) {
    const auto a = Clock::now();
    simdjson::dom::element root;
    if (parser.parse_into_document(doc, json.data(), json.size(), true).get(root) !=
        simdjson::SUCCESS) {
      std::printf("  floor: the bundle does not parse\n");
      return;
    }
    const auto b = Clock::now();
    sink += visit_all(root);
    const auto c = Clock::now();
    parse_us[static_cast<std::size_t>(i)] =
        std::chrono::duration<double, std::micro>(b - a).count();
    both_us[static_cast<std::size_t>(i)] = std::chrono::duration<double, std::micro>(c - a).count();
  }
  std::printf(
      "  floor, same bundle: simdjson parse alone median %.2f us; parse + visiting every value "
      "with no check median %.2f us (%zu)\n",
      median(parse_us), median(both_us), sink % 10);
}

void oracle(const fs::path& src, double seconds) {
  if (std::system("command -v node >/dev/null 2>&1") != 0 ||
      !fs::exists(src / "tests/oracle/node_modules/@medplum/core")) {
    std::printf(
        "independent validator: skipped (needs node and tests/oracle/node_modules; "
        "scripts/setup)\n");
    return;
  }
  const std::string cmd = "cd '" + src.string() + "' && node tests/oracle/validate.mjs --bench=" +
                          std::to_string(static_cast<int>(seconds + 0.5)) +
                          " --quiet tests/golden 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return;
  char line[4096];
  std::string found, last;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    last = line;
    if (last.starts_with("oracle bench:")) found = last;
  }
  const int status = pclose(p);
  if (!found.empty()) {
    std::printf("independent validator (@medplum/core via node, same goldens):\n  %s",
                found.c_str());
  } else {
    std::printf("independent validator: no bench line (exit %d); last: %s", status, last.c_str());
  }
}

}  // namespace

int main() {
  const fs::path src(ILP_SOURCE_DIR);
  const double seconds = std::atof(env_or("ILP_BENCH_SECONDS", "3").c_str());
  std::vector<std::string> errors;
  auto profiles = ilp::validation::Profiles::load(
      env_or("ILP_PROFILES_DIR", (src / "fhir_profiles").string()), errors);
  if (!profiles) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  Validator v(profiles);
  std::printf("validate_bench: one thread, %.1f s per set\n", seconds);

  // ---- official FHIR R4 examples, structure only
  const fs::path ex_dir = env_or("ILP_FHIR_EXAMPLES_DIR",
                                 (src / ".cache/fhir/hl7.fhir.r4.examples-4.0.1/package").string());
  std::vector<Doc> examples;
  std::size_t too_big = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(ex_dir, ec)) {
    const auto name = e.path().filename().string();
    if (!e.is_regular_file() || !ilp::validation::test::is_official_example(name)) continue;
    if (e.file_size() > 1024 * 1024) {
      ++too_big;
      continue;
    }
    examples.push_back({name, read(e.path())});
  }
  std::sort(examples.begin(), examples.end(),
            [](const Doc& a, const Doc& b) { return a.name < b.name; });
  if (examples.empty()) {
    std::printf("official examples: none in %s (node scripts/update-profiles --fetch)\n",
                ex_dir.c_str());
  } else {
    Context structure;
    structure.satusehat = false;
    const auto t = check(v, examples, structure, 5);
    const double pps = timed(v, examples, structure, seconds);
    std::printf(
        "official examples (structure only, as published): %zu files (%zu over 1 MB "
        "skipped), %zu resources, %.1f MB\n",
        examples.size(), too_big, t.resources, t.bytes / 1e6);
    std::printf("  %10.0f resources/s  %8.0f files/s  %7.1f MB/s  problems: %zu in %zu files\n",
                pps * t.resources, pps * examples.size(), pps * t.bytes / 1e6, t.problems,
                t.with_problems);
  }

  // ---- golden bundles, compact, full validation
  std::vector<Doc> goldens;
  for (const auto& kind : fs::directory_iterator(src / "tests/golden", ec)) {
    if (!kind.is_directory()) continue;
    for (const auto& e : fs::directory_iterator(kind.path(), ec)) {
      const auto name = e.path().filename().string();
      if (!name.ends_with(".bundle.json")) continue;
      rapidjson::Document doc;
      if (auto err = ilp::mappers::parse_json_strict(read(e.path()), doc)) {
        std::printf("  %s: not JSON: %s\n", name.c_str(), err->message.c_str());
        continue;
      }
      goldens.push_back({kind.path().filename().string() + "/" + name, ilp::mappers::to_json(doc)});
    }
  }
  std::sort(goldens.begin(), goldens.end(),
            [](const Doc& a, const Doc& b) { return a.name < b.name; });
  // As ingest calls it: with the clock, so future times are looked for.
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  Context any_org{""};
  any_org.now_ms = now_ms;
  const auto g = check(v, goldens, any_org, 10);
  const double gps = timed(v, goldens, any_org, seconds);
  std::printf(
      "golden bundles (compact, R4 + SATUSEHAT rules, any org): %zu bundles, %zu "
      "resources, %.1f kB\n",
      goldens.size(), g.resources, g.bytes / 1e3);
  std::printf("  %10.0f resources/s  %8.0f bundles/s  %7.1f MB/s  problems: %zu in %zu bundles\n",
              gps * g.resources, gps * goldens.size(), gps * g.bytes / 1e6, g.problems,
              g.with_problems);

  // ---- the typical visit, one call at a time
  rapidjson::Document visit_doc;
  if (ilp::mappers::parse_json_strict(read(src / "tests/golden/visit/full-visit.bundle.json"),
                                      visit_doc)) {
    std::printf("typical visit: tests/golden/visit/full-visit.bundle.json unreadable\n");
  } else {
    const std::vector<Doc> visit{{"visit/full-visit", ilp::mappers::to_json(visit_doc)}};
    Context sukamaju{"10000004"};
    sukamaju.now_ms = now_ms;
    const auto t = check(v, visit, sukamaju, 10);
    constexpr int kRuns = 20000;
    for (int i = 0; i < 1000; ++i) v.validate(visit[0].json, sukamaju);  // warm up
    std::vector<double> us(kRuns);
    for (auto& u : us) {
      const auto a = Clock::now();
      v.validate(visit[0].json, sukamaju);
      u = std::chrono::duration<double, std::micro>(Clock::now() - a).count();
    }
    std::sort(us.begin(), us.end());
    std::printf("typical visit (full-visit, compact, org 10000004): %zu resources, %zu bytes\n",
                t.resources, visit[0].json.size());
    std::printf(
        "  median %.2f us  p99 %.2f us  per bundle over %d runs (target < 10 us)  "
        "problems: %zu\n",
        us[kRuns / 2], us[kRuns * 99 / 100], kRuns, t.problems);
    floor_of(visit[0].json, kRuns);
  }

  oracle(src, seconds);
  return 0;
}
