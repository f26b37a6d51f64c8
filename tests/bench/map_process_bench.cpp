// map_process_bench: the whole `ilp-gateway map` process on NDJSON of the typical visit (the one
// mapping_bench maps): envelope parse and checks, mapping, profile validation of every bundle and
// the output written, as IT staff would run it. Prints figures; asserts nothing.
//
//   build/tests/map_process_bench [records] [runs]     (default 100000 records, 3 runs)
//
// The input file is written once to a temporary folder; each run maps it with stdout to
// /dev/null. A one-line run is timed as well, so that start-up (config, mappings, profiles) can
// be told apart from the per-record cost.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

extern char** environ;

namespace {

namespace fs = std::filesystem;

// Same record as mapping_bench's kTypicalVisit: 6 vital signs, 2 diagnoses, 1 procedure.
constexpr const char* kTypicalVisitData =
    R"({"visit_no":"RJ-2025-000123","patient":{"nik":"3204010101900001","name":"Budi Santoso",)"
    R"("birth_date":"1990-01-01","gender":"male"},"practitioner":{"nik":"3204011203800001",)"
    R"("name":"dr. Andi Wijaya"},"location":"POLI-UMUM","arrived_at":"2025-03-14T08:05:00",)"
    R"("started_at":"2025-03-14T08:20:00","finished_at":"2025-03-14T08:45:30",)"
    R"("class":"outpatient","vitals":{"systolic":128,"diastolic":82,"heart_rate":84,)"
    R"("respiratory_rate":20,"temperature":36.8,"weight":62.5},"diagnoses":[{"icd10":"A01.0",)"
    R"("display":"Typhoid fever","primary":true},{"icd10":"R50.9",)"
    R"("display":"Fever, unspecified"}],"procedures":[{"icd9cm":"89.7",)"
    R"("display":"General physical examination"}]})";

void write_input(const fs::path& file, long records) {
  std::ofstream out(file, std::ios::binary);
  for (long i = 0; i < records; ++i) {
    out << R"({"kind":"visit","facility":"pkm-sukamaju","record_id":"RJ-BENCH-)" << i
        << R"(","data":)" << kTypicalVisitData << "}\n";
  }
}

struct Run {
  double wall_s = 0, cpu_s = 0;
  int status = -1;
};

// Runs `ilp-gateway map FILE` with stdout and stderr to /dev/null.
Run run_map(const fs::path& input) {
  const std::string config = std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml";
  const std::string file = input.string();
  const char* argv[] = {ILP_GATEWAY_BIN, "map", "--config", config.c_str(), file.c_str(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  Run r;
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, ILP_GATEWAY_BIN, &fa, nullptr, const_cast<char**>(argv), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.cpu_s =
      ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const long records = argc > 1 ? std::atol(argv[1]) : 100000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  // The shipped config references the facilities' secrets by environment variable.
  for (const char* v :
       {"ILP_SECRET_PKM_SUKAMAJU", "ILP_SECRET_PKM_TANJUNG", "ILP_SECRET_PKM_SENTANI"})
    setenv(v, "x", 0);
  const fs::path dir =
      fs::temp_directory_path() / ("map_process_bench." + std::to_string(getpid()));
  fs::create_directories(dir);
  write_input(dir / "one.ndjson", 1);
  write_input(dir / "visits.ndjson", records);
  std::printf(
      "map_process_bench: ilp-gateway map on %ld typical visits (%.1f MB NDJSON), stdout "
      "to /dev/null\n",
      records, fs::file_size(dir / "visits.ndjson") / 1e6);
  const auto one = run_map(dir / "one.ndjson");
  std::printf("start-up (one record): %.3f s wall, %.3f s CPU, exit %d\n", one.wall_s, one.cpu_s,
              one.status);
  for (int i = 0; i < runs; ++i) {
    const auto r = run_map(dir / "visits.ndjson");
    const double cpu = r.cpu_s - one.cpu_s;
    std::printf(
        "run %d: %.2f s wall, %.2f s CPU, exit %d: %.0f records/s wall (%.1f us/record), "
        "%.1f us CPU/record after start-up (%.0f records/s/core)\n",
        i + 1, r.wall_s, r.cpu_s, r.status, records / r.wall_s, 1e6 * r.wall_s / records,
        1e6 * cpu / records, records / cpu);
  }
  fs::remove_all(dir);
  return 0;
}
