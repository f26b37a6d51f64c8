// console_bench: the console's list and detail endpoints on a store of a million records
// (issue 19: p99 ≤ 50 ms for a filtered page, keyset paging).
//
//   build/tests/console_bench [--records 1000000] [--pages 20] [--rounds 10] [--details 1000]
//                             [--store-dir DIR] [--keep]
//
// 1. Fills a fresh SQLite store (schema from SqliteStore, rows by one SQL transaction: three
//    facilities, eight kinds, a year of acceptance times, a small bundle with a NIK and a name,
//    90 % delivered, 3 % needs_correction, 2 % dead, 5 % queued — what a year of traffic
//    leaves; record_counts filled as the gateway keeps it). Reuses the store of --store-dir when
//    it already holds the records.
// 2. Starts build/ilp-gateway on it with delivery disabled and times, over loopback HTTP with the
//    admin token, `--rounds` walks of `--pages` pages (limit 50, following next_cursor) for each
//    filter shape of the records page, then `--details` record details with the masked bundle
//    (GET /admin/queue/records/{id}?bundle=masked) of random records.
//
// Prints p50 / p99 / max per shape. Asserts nothing about timing (shared, noisy machines); the
// exit code is non-zero only when the run itself failed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/store/sqlite_db.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/json.hpp"
#include "support/child_process.hpp"
#include "support/gateway_fixture.hpp"
#include "support/sim_fixture.hpp"

namespace fs = std::filesystem;
using namespace ilp::testing;
using ilp::gateway::store::SqliteStore;

namespace {

constexpr std::int64_t kT0 = 1'704'067'200'000;  // 2024-01-01
constexpr std::int64_t kYearMs = 365LL * 24 * 3600 * 1000;

std::string arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return argv[i + 1];
  }
  return fallback;
}
bool flag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == name) return true;
  }
  return false;
}

// The rows are written by SQL in one transaction (a million ingests through the store took half
// an hour on a busy 2-core machine), shaped as ingest writes them: a record, its resource and its
// history, and record_counts as the gateway keeps it.
void fill(const std::string& path, std::int64_t records) {
  {
    SqliteStore::Options o;
    o.path = path;
    SqliteStore store(o);  // creates the schema (step 6 included)
  }
  ilp::gateway::store::SqliteDb db(path, 5000);
  const auto t0 = std::chrono::steady_clock::now();
  db.exec("BEGIN IMMEDIATE");
  const std::string insert = R"sql(
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < )sql" +
                             std::to_string(records - 1) + R"sql(),
t(i, c) AS (SELECT i, )sql" + std::to_string(kT0) +
                             " + ((i * 2654435761) % " + std::to_string(kYearMs) + R"sql() FROM n)
INSERT INTO records (id, facility, kind, record_id, revision, status, attempts, patient_key,
                     delivered_revision, created_ms, updated_ms, content_hash, last_error)
SELECT printf('01J%023d', i),
  CASE i % 3 WHEN 0 THEN 'pkm-sukamaju' WHEN 1 THEN 'pkm-tanjung' ELSE 'pkm-sentani' END,
  CASE (i / 3) % 8 WHEN 0 THEN 'visit' WHEN 1 THEN 'anc' WHEN 2 THEN 'immunization'
    WHEN 3 THEN 'growth' WHEN 4 THEN 'lab' WHEN 5 THEN 'screening' WHEN 6 THEN 'tb'
    ELSE 'postpartum' END,
  'BENCH-' || i, 1,
  CASE WHEN i % 100 < 3 THEN 'needs_correction' WHEN i % 100 < 5 THEN 'dead'
       WHEN i % 100 < 10 THEN 'queued' ELSE 'delivered' END,
  1, 'pk-' || (i % 200000), CASE WHEN i % 100 >= 10 THEN 1 ELSE 0 END,
  c, c + (i % 86400000), 'hash-' || i, ''
FROM t)sql";
  db.exec(insert.c_str());
  // seq runs from 1 in an empty store: seq - 1 is the i above.
  db.exec(R"sql(
INSERT INTO payloads (record_seq, input_json, bundle_json)
SELECT seq, '{"record_id":"' || record_id || '"}',
  '{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:e-' || (seq - 1) ||
  '","resource":{"resourceType":"Encounter","status":"finished","subject":{"reference":' ||
  '"Patient?identifier=https://fhir.kemkes.go.id/id/nik|' || (3204010000000000 + seq - 1) ||
  '","display":"Pasien Bench"},"period":{"start":"2024-03-10T08:00:00+07:00"}},' ||
  '"request":{"method":"POST","url":"Encounter"}}]}'
FROM records)sql");
  // The gateway keeps record_counts as it writes (no triggers since schema step 10).
  db.exec(
      "INSERT INTO record_counts (facility, kind, status, n) "
      "SELECT facility, kind, status, count(*) FROM records GROUP BY facility, kind, status");
  db.exec(
      "INSERT INTO resources (record_seq, name, type, local, server_id, position) "
      "SELECT seq, 'encounter', 'Encounter', 'urn:uuid:e-' || seq, '', 0 FROM records");
  db.exec(
      "INSERT INTO history (record_seq, at_ms, status, note) "
      "SELECT seq, created_ms, 'queued', 'accepted' FROM records");
  db.exec(
      "INSERT INTO history (record_seq, at_ms, status, note) "
      "SELECT seq, updated_ms, status, 'bench' FROM records WHERE status != 'queued'");
  db.exec("COMMIT");
  std::printf("  filled in %.0f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

struct Figures {
  std::vector<double> ms;
  void add(double v) { ms.push_back(v); }
  double at(double q) {
    std::sort(ms.begin(), ms.end());
    return ms.empty() ? 0 : ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))];
  }
};

double timed_get(const std::string& url, std::string& body) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = http("GET", url, {}, bearer(kAdminToken));
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok() || r.response.result_int() != 200) {
    throw std::runtime_error("GET " + url + " failed: " + r.response.body());
  }
  body = r.response.body();
  return ms;
}

}  // namespace

int main(int argc, char** argv) try {
  const auto records = std::stoll(arg(argc, argv, "--records", "1000000"));
  const int pages = std::stoi(arg(argc, argv, "--pages", "20"));
  const int rounds = std::stoi(arg(argc, argv, "--rounds", "10"));
  const int details = std::stoi(arg(argc, argv, "--details", "1000"));
  const std::string dir_arg = arg(argc, argv, "--store-dir", "");
  const fs::path dir =
      dir_arg.empty() ? fs::temp_directory_path() / "ilp-console-bench" : fs::path(dir_arg);
  fs::create_directories(dir);
  const auto path = (dir / "gateway.db").string();
  bool filled = false;
  if (fs::exists(path)) {
    ilp::gateway::store::SqliteDb db(path, 5000);
    auto q = db.query("SELECT COUNT(*) FROM records");
    filled = q.step() && q.int64(0) == records;
  }
  if (!filled) {
    fs::remove(path);
    fs::remove(path + "-wal");
    fs::remove(path + "-shm");
    std::printf("filling %s with %lld records\n", path.c_str(), static_cast<long long>(records));
    fill(path, records);
  }
  std::printf("store: %lld records, %.0f MiB\n", static_cast<long long>(records),
              static_cast<double>(fs::file_size(path)) / (1 << 20));

  // The gateway refuses a store with records but no pseudonym key (it could not order or cache
  // by patient): the bench's rows were never keyed, any key will do.
  if (const auto key = dir / "pseudonym.key"; !fs::exists(key)) {
    std::ofstream(key, std::ios::binary) << std::string(32, 'b');
    fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  }
  SimFixture sim;  // the config needs a platform; delivery is off, nothing is sent
  GatewayOptions options(sim.base_url(), {"delivery.enabled=false", "log.level=warn"});
  options.store_dir = dir.string();
  GatewayFixture gw(options);

  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"status=needs_correction&facility=pkm-sukamaju", "status + facility"},
      {"status=dead", "status"},
      {"facility=pkm-tanjung", "facility"},
      {"kind=tb", "kind"},
      {"facility=pkm-sentani&kind=anc", "facility + kind"},
      {"status=needs_correction&kind=lab&since=" + std::to_string(kT0 + kYearMs / 2) +
           "&until=" + std::to_string(kT0 + kYearMs),
       "status + kind + dates"},
      {"", "no filter"},
      {"record_id=BENCH-777777", "record id"},
  };
  std::printf("%-24s %8s %9s %9s %9s\n", "records page (limit 50)", "pages", "p50 ms", "p99 ms",
              "max ms");
  for (const auto& [query, name] : shapes) {
    Figures f;
    for (int r = 0; r < rounds; ++r) {
      std::string cursor;
      for (int p = 0; p < pages; ++p) {
        std::string body;
        const auto url = gw.admin_url() + "/admin/queue/records?limit=50&" + query +
                         (cursor.empty() ? "" : "&cursor=" + cursor);
        f.add(timed_get(url, body));
        auto d = parse_json(body);
        if (!d.HasMember("next_cursor")) break;
        cursor = d["next_cursor"].GetString();
      }
    }
    std::printf("%-24s %8zu %9.2f %9.2f %9.2f\n", name.c_str(), f.ms.size(), f.at(0.5), f.at(0.99),
                f.at(1.0));
  }
  // Details of random records (ids from pages of the unfiltered list, far into it).
  std::vector<std::string> ids;
  {
    std::string body, cursor;
    for (int p = 0; p < 40; ++p) {
      timed_get(gw.admin_url() + "/admin/queue/records?limit=1000" +
                    (cursor.empty() ? "" : "&cursor=" + cursor),
                body);
      auto d = parse_json(body);
      for (const auto& r : d["records"].GetArray()) ids.emplace_back(r["id"].GetString());
      if (!d.HasMember("next_cursor")) break;
      cursor = d["next_cursor"].GetString();
    }
  }
  std::mt19937 rng(7);
  Figures f;
  for (int i = 0; i < details; ++i) {
    std::string body;
    f.add(timed_get(
        gw.admin_url() + "/admin/queue/records/" + ids[rng() % ids.size()] + "?bundle=masked",
        body));
  }
  std::printf("%-24s %8zu %9.2f %9.2f %9.2f\n", "detail (masked bundle)", f.ms.size(), f.at(0.5),
              f.at(0.99), f.at(1.0));
  gw.stop();
  if (!flag(argc, argv, "--keep") && dir_arg.empty()) fs::remove_all(dir);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "console_bench: %s\n", e.what());
  return 1;
}
