// mapping_bench: records/s per kind on one core, through the shipped config/mappings and
// config/codes (the same engine ingest uses). Prints figures; asserts nothing.
//
//   build/tests/mapping_bench [seconds-per-kind] [only]   (default 2 s, every kind)
//
// `only` maps just that kind, or "typical" for the typical visit alone (for callgrind:
// `valgrind --tool=callgrind build/tests/mapping_bench 0.5 typical`).
//
// ILP_BENCH_MAPPINGS / ILP_BENCH_CODES point it at other folders (e.g. your own adapted
// mappings) instead of config/mappings and config/codes.
// The visit case is the issue's "typical visit": 6 vital signs, 2 diagnoses, 1 procedure. Every
// other kind uses its first golden input that maps (tests/golden/<kind>/).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mappers/datetime.hpp"
#include "mappers/json.hpp"
#include "mappers/mapping_set.hpp"

namespace {

namespace fs = std::filesystem;
using ilp::mappers::Facility;

constexpr std::string_view kTypicalVisit = R"({
  "visit_no": "RJ-2025-000123",
  "patient": {"nik": "3204010101900001", "name": "Budi Santoso", "birth_date": "1990-01-01",
              "gender": "male"},
  "practitioner": {"nik": "3204011203800001", "name": "dr. Andi Wijaya"},
  "location": "POLI-UMUM",
  "arrived_at": "2025-03-14T08:05:00", "started_at": "2025-03-14T08:20:00",
  "finished_at": "2025-03-14T08:45:30", "class": "outpatient",
  "vitals": {"systolic": 128, "diastolic": 82, "heart_rate": 84, "respiratory_rate": 20,
             "temperature": 36.8, "weight": 62.5},
  "diagnoses": [{"icd10": "A01.0", "display": "Typhoid fever", "primary": true},
                {"icd10": "R50.9", "display": "Fever, unspecified"}],
  "procedures": [{"icd9cm": "89.7", "display": "General physical examination"}]
})";

Facility facility(std::string_view key) {
  Facility f;
  f.key = std::string(key);
  f.name = "Bench";
  f.organization_id = key == "pkm-tanjung"   ? "10000005"
                      : key == "pkm-sentani" ? "10000006"
                                             : "10000004";
  f.timezone = key == "pkm-tanjung"   ? "Asia/Makassar"
               : key == "pkm-sentani" ? "Asia/Jayapura"
                                      : "Asia/Jakarta";
  f.utc_offset_minutes = *ilp::mappers::utc_offset_minutes(f.timezone);
  // Location codes of config/facilities.yaml, under every facility: the bench maps, it does not
  // check which facility owns which room.
  f.locations = {{"POLI-UMUM", "b017aa54-f1df-4ec2-9d84-8823815d7228", "Poli Umum"},
                 {"KIA", "c87e0ca7-badc-4c60-9080-277aaaf27a88", "Ruang KIA"},
                 {"POSYANDU-MAWAR", "2f1c9e0a-6d4b-4b8e-9a51-3c2d7e8f9a10", "Posyandu Mawar"},
                 {"POSYANDU-MELATI", "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b", "Posyandu Melati"},
                 {"POSYANDU-KENANGA", "7d6c5b4e-3f2a-4c1b-8e9d-4a3f2e1d0c9b", "Posyandu Kenanga"}};
  return f;
}

std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Maps `data` repeatedly for `seconds`; prints records/s and bytes per bundle.
void run(const ilp::mappers::Mapping& m, const Facility& f, const rapidjson::Value& data,
         const char* label, double seconds) {
  const auto now = *ilp::mappers::parse_datetime("2025-12-31T00:00:00Z", 0);
  ilp::mappers::MapInput in{f, "REC-1", 1, data, now, "2014-06-03"};
  auto probe = m.map(in);
  if (!probe.ok()) {
    std::printf("%-14s does not map: %s\n", label, probe.outcome.issues[0].text.en.c_str());
    return;
  }
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::size_t n = 0, bytes = 0;
  while (Clock::now() < deadline) {
    for (int i = 0; i < 256; ++i) {
      auto r = m.map(in);
      bytes += r.bundle_json.size();
    }
    n += 256;
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "%-14s %9.0f records/s  %6.1f us/record  %5zu resources  %6zu bytes/bundle  (%zu mapped)\n",
      label, n / s, 1e6 * s / n, probe.resources.size(), bytes / n, n + 1);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const std::string only = argc > 2 ? argv[2] : "";
  const fs::path src(ILP_SOURCE_DIR);
  ilp::mappers::CompileReport report;
  const char* maps = std::getenv("ILP_BENCH_MAPPINGS");
  const char* codes = std::getenv("ILP_BENCH_CODES");
  auto set =
      ilp::mappers::MappingSet::load(maps ? maps : (src / "config/mappings").string(),
                                     codes ? codes : (src / "config/codes").string(), report);
  if (!set) {
    for (const auto& e : report.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  std::printf("mapping_bench: one thread, %.1f s per kind, shipped config/mappings\n", seconds);
  rapidjson::Document visit;
  if (ilp::mappers::parse_json_strict(kTypicalVisit, visit)) return 1;
  const auto* typical = only.empty() || only == "typical" ? set->find("visit") : nullptr;
  if (const auto* m = typical) {
    run(*m, facility("pkm-sukamaju"), visit, "visit(typical)", seconds);
  }
  for (const auto& kind : set->kinds()) {
    if (!only.empty() && only != kind) continue;
    std::vector<fs::path> inputs;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(src / "tests/golden" / kind, ec)) {
      const auto name = e.path().filename().string();
      if (name.ends_with(".input.json") && !name.starts_with("rejected"))
        inputs.push_back(e.path());
    }
    std::sort(inputs.begin(), inputs.end());
    if (inputs.empty()) continue;
    rapidjson::Document env;
    if (ilp::mappers::parse_json_strict(read(inputs[0]), env)) continue;
    const auto key = ilp::mappers::string_member(env, "facility").value_or("pkm-sukamaju");
    run(*set->find(kind), facility(key), env["data"], kind.c_str(), seconds);
  }
  return 0;
}
