// pws_bench: what PWS costs the store (issue 17): the time and bytes each delivered record adds,
// and how fast a month and a year are answered over a million delivered records.
//
//   build/tests/pws_bench [--records 1000000] [--villages 200] [--delivered 50000]
//                         [--dir DIR] [--cache-mib N] [--mmap-mib N] [--keep]
//
// --cache-mib and --mmap-mib set the stores' page cache (PRAGMA cache_size) and memory map
// (PRAGMA mmap_size) instead of the store's own, to compare; --keep
// leaves DIR in place, and a later run with the same --dir and --keep answers over the large
// store it finds there instead of filling it again (--delivered 0 skips part 1).
//
// 1. Cost per delivered record: two fresh stores receive the same --delivered records (bodies of
//    a typical visit's size, 5 records per patient, 20 facilities), one with PWS facts and one
//    without; each is claimed and completed as delivered in transactions of up to 1,000
//    completions (as the store's writer batches them), timing the completions and their
//    COMMIT. The difference of the two, per record, is what PWS adds; so is the difference of
//    the two files' used pages.
// 2. Answer times: a third store receives --records delivered records over --villages villages
//    of 20 facilities, spread over 2025 (small bodies: only the PWS tables matter here). Then it
//    times, as GET /api/v1/pws does it (read the facts, count): March for one facility (its ten
//    villages), and December of all facilities (the year's cumulative of the whole province).
//
// In-process, one thread, the real SQLite store (SqliteOps on a SqliteDb); prints figures and
// asserts nothing about time. The exit code is non-zero only when the run itself failed.
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gateway/pws/record_facts.hpp"
#include "gateway/pws/report.hpp"
#include "gateway/pws/tables.hpp"
#include "gateway/store/sqlite_db.hpp"
#include "gateway/store/sqlite_ops.hpp"
#include "gateway/store/sqlite_schema.hpp"

namespace fs = std::filesystem;
using namespace ilp::gateway;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kFacilities = 20;
constexpr int kRecordsPerPatient = 5;
constexpr int kBatch = 1000;
constexpr std::int64_t kT0 = 1'735'700'000'000;  // 2025-01-01

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string facility_key(int f) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "pkm-%02d", f);
  return buf;
}

std::string village(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "32040%05d", v);
  return buf;
}

struct Shape {
  int villages = 200;
  bool facts = true;
  std::size_t body_bytes = 0;  // input and bundle filler
};

// Record i of the population: its patient, facility, day of 2025, and one or two events in the
// mix of a puskesmas' PWS kinds; 60% give the patient's address, all a location village.
store::IngestItem record(std::int64_t i, std::int64_t patients, const Shape& s) {
  const std::int64_t patient = i % patients;
  const std::int64_t nth = i / patients;  // the patient's nth record
  const int village_index = static_cast<int>(patient % s.villages);
  const int per_facility = std::max(1, s.villages / kFacilities);
  const int facility = std::min(kFacilities - 1, village_index / per_facility);
  const int day = pws::day_number(2025, 1, 1) + static_cast<int>((i * 7919) % 365);
  const std::int64_t kind = (patient * 2654435761 / 7 + nth * 3) % 8;
  store::IngestItem item;
  item.facility = facility_key(facility);
  item.kind = "anc";
  item.record_id = "R-" + std::to_string(i);
  item.content_hash = "h" + std::to_string(i);
  item.input_json = R"({"n":")" + std::string(s.body_bytes / 4, 'x') + R"("})";
  item.bundle_json = R"({"resourceType":"Bundle","n":")" + std::string(s.body_bytes, 'y') + "\"}";
  item.patient_key = "k" + std::to_string(patient * 2654435761 % 1000000007) + "-" +
                     std::string(40, 'a' + static_cast<char>(patient % 26));
  item.resources = {{"encounter", "Encounter", "urn:uuid:e" + std::to_string(i), ""},
                    {"obs", "Observation", "urn:uuid:o" + std::to_string(i), ""}};
  item.now_ms = kT0;
  if (s.facts) {
    pws::RecordFacts f;
    f.day = day;
    if ((patient + nth) % 5 < 3) f.address_village = village(village_index);
    f.location_village = village(village_index);
    const std::string episode = "H-" + std::to_string(patient);
    using E = pws::Event;
    switch (kind) {
      case 0:
        f.events = {{E::kAncK1, 1, episode}};
        break;
      case 1:
        f.events = {{E::kAncK4, 4, episode}};
        break;
      case 2:
        f.events = {{E::kKf, 1 + nth % 4, episode}};
        break;
      case 3:
        f.events = {{E::kKn, 1 + nth % 3, ""}};
        break;
      case 4:
        f.events = {{E::kBasicDose, 1, "MR-1"}};
        break;
      case 5:
        f.events = {{E::kWeighed, 8000 + (i % 997), ""}, {E::kHeightMeasured, i % 3 == 0, ""}};
        break;
      case 6:
        f.events = {{E::kPtmScreened, 0, ""}};
        break;
      default:
        f.events = {{E::kTbNotified, 0, ""}};
        break;
    }
    item.pws_facts = pws::encode(f);
  }
  return item;
}

std::int64_t used_bytes(store::SqliteDb& db) {
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  std::int64_t pages = 0, free_pages = 0, page_size = 0;
  {
    auto q = db.query("PRAGMA page_count");
    if (q.step()) pages = q.int64(0);
  }
  {
    auto q = db.query("PRAGMA freelist_count");
    if (q.step()) free_pages = q.int64(0);
  }
  {
    auto q = db.query("PRAGMA page_size");
    if (q.step()) page_size = q.int64(0);
  }
  return (pages - free_pages) * page_size;
}

void ingest(store::SqliteDb& db, std::int64_t n, const Shape& s) {
  store::SqliteOps ops(db);
  const std::int64_t patients = std::max<std::int64_t>(1, n / kRecordsPerPatient);
  for (std::int64_t i = 0; i < n; i += kBatch) {
    std::vector<store::IngestItem> items;
    for (std::int64_t j = i; j < std::min(n, i + kBatch); ++j)
      items.push_back(record(j, patients, s));
    db.exec("BEGIN IMMEDIATE");
    for (const auto& o : ops.ingest(items)) {
      if (o.kind != store::IngestOutcome::Kind::kCreated) throw std::runtime_error("ingest failed");
    }
    db.exec("COMMIT");
  }
}

// Claims up to a batch and completes it as delivered in one transaction (as the store's writer
// batches completions). Returns the seconds the completions and their COMMIT took, and how many
// there were (0: nothing left).
// The connection's page cache misses and page writes since the last call.
std::pair<std::int64_t, std::int64_t> page_counts(store::SqliteDb& db) {
  int miss = 0, write = 0, high = 0;
  sqlite3_db_status(db.handle(), SQLITE_DBSTATUS_CACHE_MISS, &miss, &high, 1);
  sqlite3_db_status(db.handle(), SQLITE_DBSTATUS_CACHE_WRITE, &write, &high, 1);
  return {miss, write};
}

std::pair<double, int> deliver_batch(store::SqliteDb& db, store::SqliteOps& ops, std::int64_t now,
                                     std::int64_t* pages = nullptr) {
  db.exec("BEGIN IMMEDIATE");
  const auto claimed = ops.claim(now, kBatch);
  db.exec("COMMIT");
  if (claimed.empty()) return {0.0, 0};
  page_counts(db);
  const auto t = Clock::now();
  db.exec("BEGIN IMMEDIATE");
  for (const auto& r : claimed) {
    store::Completion c;
    c.id = r.id;
    c.revision = r.revision;
    c.status = store::Status::kDelivered;
    c.note = "delivered (HTTP 201)";
    c.now_ms = now;
    if (!ops.complete(c)) throw std::runtime_error("complete failed");
  }
  db.exec("COMMIT");
  const double seconds = seconds_since(t);
  if (pages != nullptr) {
    const auto [miss, write] = page_counts(db);
    pages[0] += miss;
    pages[1] += write;
  }
  return {seconds, static_cast<int>(claimed.size())};
}

struct Answer {
  double seconds = 0;       // read and count
  double read_seconds = 0;  // of which reading the facts
  double cpu_seconds = 0;   // the process' CPU time for both: less sensitive to a busy machine
  std::size_t rows = 0;
  std::size_t villages = 0;
};

Answer answer(store::SqliteDb& db, const std::vector<std::string>& facilities, const pws::Month& m,
              const pws::Tables& tables) {
  store::SqliteOps ops(db);
  Answer a;
  const auto t = Clock::now();
  const auto cpu = std::clock();
  db.exec("BEGIN");
  const auto rows = ops.pws_facts(facilities, pws::windows(m));
  db.exec("COMMIT");
  a.read_seconds = seconds_since(t);
  const auto report = pws::compute(rows, m, tables, {});
  a.seconds = seconds_since(t);
  a.cpu_seconds = static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC;
  a.rows = rows.size();
  a.villages = report.villages.size();
  return a;
}

bool flag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return true;
  }
  return false;
}

std::int64_t arg(int argc, char** argv, const char* name, std::int64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoll(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::int64_t records = arg(argc, argv, "--records", 1'000'000);
  const std::int64_t delivered = arg(argc, argv, "--delivered", 50'000);
  const int villages = static_cast<int>(arg(argc, argv, "--villages", 200));
  const std::int64_t cache_mib = arg(argc, argv, "--cache-mib", 0);
  const bool keep = flag(argc, argv, "--keep");
  const std::int64_t mmap_mib = arg(argc, argv, "--mmap-mib", -1);
  const auto configure = [&](store::SqliteDb& db) {
    if (cache_mib > 0) {
      db.exec(("PRAGMA cache_size = -" + std::to_string(cache_mib * 1024)).c_str());
    }
    if (mmap_mib >= 0) {
      db.exec(("PRAGMA mmap_size = " + std::to_string(mmap_mib << 20)).c_str());
    }
  };
  fs::path dir = fs::temp_directory_path() / ("pws-bench-" + std::to_string(::getpid()));
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
  }
  fs::create_directories(dir);
  std::vector<std::string> errors, warnings;
  const auto tables =
      pws::Tables::load(std::string(ILP_SOURCE_DIR) + "/config/pws", errors, warnings);
  if (!tables) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }

  // 1. The cost per delivered record: the two stores' batches alternate, so a change in the
  // machine's load falls on both.
  std::unique_ptr<store::SqliteDb> dbs[2];
  for (int k = 0; k < 2 && delivered > 0; ++k) {
    const auto path = (dir / (k == 1 ? "with.db" : "without.db")).string();
    fs::remove(path);
    dbs[k] = std::make_unique<store::SqliteDb>(path, 5000);
    configure(*dbs[k]);
    // Both stores commit as often; without the fsyncs the difference is the work PWS adds.
    dbs[k]->exec("PRAGMA synchronous = OFF");
    store::migrate_schema(*dbs[k]);
    Shape s;
    s.villages = villages;
    s.facts = k == 1;
    s.body_bytes = 3000;  // a visit's input and bundle: the records row spills to overflow pages
    ingest(*dbs[k], delivered, s);
  }
  // One SqliteOps per store for all its batches, as the store's writer keeps one (and with it
  // the persons of recent deliveries, PwsPersonCache).
  std::unique_ptr<store::SqliteOps> ops[2];
  for (int k = 0; k < 2 && delivered > 0; ++k) ops[k] = std::make_unique<store::SqliteOps>(*dbs[k]);
  double seconds[2] = {0, 0};
  std::int64_t count[2] = {0, 0};
  std::int64_t pages[2][2] = {{0, 0}, {0, 0}};  // cache misses, page writes
  for (std::int64_t now = kT0 + 1000; delivered > 0; ++now) {
    int done = 0;
    for (int k = 0; k < 2; ++k) {
      const auto [batch_seconds, batch] = deliver_batch(*dbs[k], *ops[k], now, pages[k]);
      seconds[k] += batch_seconds;
      count[k] += batch;
      done += batch;
    }
    if (done == 0) break;
  }
  if (count[0] != delivered || count[1] != delivered) throw std::runtime_error("not all delivered");
  if (delivered > 0) {
    const double n = static_cast<double>(delivered);
    const auto bytes = [&](int k) { return static_cast<double>(used_bytes(*dbs[k])); };
    std::printf("delivered records:            %lld (two stores, with and without PWS facts)\n",
                static_cast<long long>(delivered));
    std::printf("completion without PWS:       %.1f us/record\n", seconds[0] * 1e6 / n);
    std::printf("completion with PWS:          %.1f us/record\n", seconds[1] * 1e6 / n);
    std::printf("pages per record without/with: %.2f/%.2f read (cache misses), %.2f/%.2f written\n",
                static_cast<double>(pages[0][0]) / n, static_cast<double>(pages[1][0]) / n,
                static_cast<double>(pages[0][1]) / n, static_cast<double>(pages[1][1]) / n);
    std::printf("added by PWS per record:      %.1f us, %.0f bytes\n",
                (seconds[1] - seconds[0]) * 1e6 / n, (bytes(1) - bytes(0)) / n);
  }
  ops[0].reset();
  ops[1].reset();
  dbs[0].reset();
  dbs[1].reset();

  // 2. Answer times over the large store.
  const auto path = (dir / "large.db").string();
  const bool reuse = keep && fs::exists(path);
  if (!reuse) fs::remove(path);
  store::SqliteDb db(path, 5000);
  configure(db);
  store::migrate_schema(db);
  Shape s;
  s.villages = villages;
  db.exec("PRAGMA synchronous = OFF");  // filling is not what is measured here
  const auto t = Clock::now();
  if (!reuse) ingest(db, records, s);
  double complete_seconds = 0;
  std::int64_t large = 0;
  store::SqliteOps large_ops(db);
  for (std::int64_t now = kT0 + 1000; !reuse; ++now) {
    const auto [batch_seconds, batch] = deliver_batch(db, large_ops, now);
    if (batch == 0) break;
    complete_seconds += batch_seconds;
    large += batch;
  }
  std::printf(
      "large store:                  %lld delivered records, %d villages, %d facilities, "
      "filled in %.0f s (completions %.1f us/record)\n",
      static_cast<long long>(large), villages, kFacilities, seconds_since(t),
      complete_seconds * 1e6 / static_cast<double>(std::max<std::int64_t>(1, large)));
  std::vector<std::string> all;
  for (int f = 0; f < kFacilities; ++f) all.push_back(facility_key(f));
  for (int round = 0; round < 3; ++round) {
    const auto month = answer(db, {facility_key(0)}, {2025, 3}, *tables);
    const auto year = answer(db, all, {2025, 12}, *tables);
    std::printf(
        "round %d: month (2025-03, one facility, %zu villages, %zu facts): %.1f ms (read %.1f, "
        "cpu %.1f); year (2025-12, all facilities, %zu villages, %zu facts): %.0f ms (read %.0f, "
        "cpu %.0f)\n",
        round + 1, month.villages, month.rows, month.seconds * 1e3, month.read_seconds * 1e3,
        month.cpu_seconds * 1e3, year.villages, year.rows, year.seconds * 1e3,
        year.read_seconds * 1e3, year.cpu_seconds * 1e3);
  }
  // The process' peak resident set after the year answers (the large store's page cache, the
  // year's fact rows and the report's vectors): what a province's year costs in memory.
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS after the year answers: %.0f MiB (getrusage ru_maxrss)\n",
              static_cast<double>(usage.ru_maxrss) / 1024.0);
  if (!keep) fs::remove_all(dir);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "pws_bench: %s\n", e.what());
  return 1;
}
