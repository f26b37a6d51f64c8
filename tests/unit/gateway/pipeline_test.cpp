// The ingest pipeline over a real SQLite store: durable answers, idempotency, and a failing
// store answering 503 with nothing written.
#include "gateway/ingest/pipeline.hpp"

#include <sqlite3.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <future>

#include "gateway/config/config.hpp"
#include "gateway/ingest/fhir_input.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/pseudonym.hpp"
#include "mappers/sha256.hpp"

using namespace ilp::gateway;
namespace mappers = ilp::mappers;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const config::Config> cfg() {
  ::setenv("ILP_SECRET_PKM_SUKAMAJU", "x", 1);
  ::setenv("ILP_SECRET_PKM_TANJUNG", "x", 1);
  ::setenv("ILP_SECRET_PKM_SENTANI", "x", 1);
  static auto c = [] {
    auto loaded = std::make_shared<config::Config>(
        *config::load(std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml"));
    loaded->pseudonymizer =
        std::make_shared<const mappers::Pseudonymizer>(mappers::Pseudonymizer::for_tests());
    return std::shared_ptr<const config::Config>(loaded);
  }();
  return c;
}

const char* kVisit = R"({"kind":"visit","facility":"pkm-sukamaju","record_id":"P-1","data":{
  "visit_no":"P-1","patient":{"nik":"3204010101900001","name":"Budi","birth_date":"1990-01-01",
  "gender":"male"},"practitioner":{"nik":"3204011203800001","name":"dr. A"},"location":"POLI-UMUM",
  "arrived_at":"2025-03-10T08:00:00","started_at":"2025-03-10T08:15:00",
  "finished_at":"2025-03-10T08:40:00"}})";

struct Harness {
  fs::path dir = fs::temp_directory_path() /
                 ("ilp-pipe-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
  std::atomic<bool> fail{false};
  std::atomic<bool> fail_reads{false};
  std::unique_ptr<store::SqliteStore> store;
  boost::asio::io_context ioc;
  ManualClock clock{1'750'000'000'000};
  Metrics metrics;
  int wakeups = 0;
  std::unique_ptr<ingest::Pipeline> pipeline;

  static std::atomic<int>& counter() {
    static std::atomic<int> c{0};
    return c;
  }

  Harness() {
    fs::create_directories(dir);
    store::SqliteStore::Options o;
    o.path = (dir / "t.db").string();
    o.fail_commit = [this] { return fail.load(); };
    o.fail_read = [this] { return fail_reads.load(); };
    store = std::make_unique<store::SqliteStore>(o);
    pipeline = std::make_unique<ingest::Pipeline>(ioc.get_executor(), *store, clock, metrics,
                                                  [this] { ++wakeups; });
  }
  ~Harness() {
    pipeline.reset();
    store.reset();
    fs::remove_all(dir);
  }

  ingest::Result submit(const std::string& text) {
    const auto* f = cfg()->facility("pkm-sukamaju");
    std::vector<ingest::Line> lines;
    lines.push_back(ingest::check_envelope(text, *cfg(), f));
    std::vector<ingest::Result> out;
    pipeline->submit(cfg(), std::move(lines),
                     [&](std::vector<ingest::Result> r) { out = std::move(r); });
    // Bounded: the store thread answers within its own commit and posts back here. The guard
    // keeps run_for waiting for that post instead of returning at once.
    auto guard = boost::asio::make_work_guard(ioc);
    for (int i = 0; i < 2000 && out.empty(); ++i) {
      ioc.restart();
      ioc.run_for(std::chrono::milliseconds(5));
    }
    REQUIRE(out.size() == 1);
    return out[0];
  }

  std::int64_t stored() {
    std::promise<store::ReadResult<store::Stats>> p;
    store->stats([&](store::ReadResult<store::Stats> s) { p.set_value(std::move(s)); });
    const auto s = p.get_future().get();
    REQUIRE(s.is_found());
    std::int64_t n = 0;
    for (const auto& r : s->rows) n += r.count;
    return n;
  }

  // The stored revision of the visit P-1 (0 when absent).
  int revisions() {
    std::promise<store::ReadResult<store::Record>> p;
    store->find("pkm-sukamaju", "visit", "P-1",
                [&](store::ReadResult<store::Record> r) { p.set_value(std::move(r)); });
    const auto r = p.get_future().get();
    REQUIRE_FALSE(r.is_failed());
    return r.is_found() ? r->revision : 0;
  }
};

}  // namespace

TEST_CASE("a valid record is answered 202 only after it is stored, and wakes delivery",
          "[unit][ingest]") {
  Harness h;
  auto r = h.submit(kVisit);
  CHECK(r.status == 202);
  CHECK(!r.id.empty());
  CHECK(h.stored() == 1);
  CHECK(h.wakeups == 1);
  auto again = h.submit(kVisit);
  CHECK(again.status == 200);
  CHECK(again.id == r.id);
  CHECK(h.wakeups == 1);
}

TEST_CASE("a failing store answers 503 and writes nothing, the next commit works",
          "[unit][ingest]") {
  Harness h;
  h.fail = true;
  auto r = h.submit(kVisit);
  CHECK(r.status == 503);
  REQUIRE_FALSE(r.outcome.empty());
  CHECK(r.outcome.issues[0].code == "transient");
  h.fail = false;
  CHECK(h.stored() == 0);
  CHECK(h.submit(kVisit).status == 202);
  CHECK(h.stored() == 1);
}

TEST_CASE("a record whose data fails the checks is 422 and never reaches the store",
          "[unit][ingest]") {
  Harness h;
  std::string bad = kVisit;
  bad.replace(bad.find("3204010101900001"), 16, "12345");
  auto r = h.submit(bad);
  CHECK(r.status == 422);
  CHECK(r.outcome.issues[0].expression == "data.patient.nik");
  CHECK(h.stored() == 0);
}

namespace {

std::string stored_patient_key(const fs::path& db_path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT patient_key FROM records", -1, &st, nullptr) == SQLITE_OK);
  std::string key;
  if (sqlite3_step(st) == SQLITE_ROW)
    key = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return key;
}

}  // namespace

TEST_CASE("a mapped record is stored under the installation's keyed patient pseudonym",
          "[unit][ingest]") {
  Harness h;
  REQUIRE(h.submit(kVisit).status == 202);
  const auto key = stored_patient_key(h.dir / "t.db");
  CHECK(key == cfg()->pseudonym()("nik:3204010101900001"));
  CHECK(key != mappers::sha256_hex("nik:3204010101900001"));  // reversible by brute force
}

TEST_CASE("a FHIR resource's record id and patient key from a NIK are keyed pseudonyms",
          "[unit][ingest]") {
  const std::string nik = "3204010101900001";
  const std::string body = R"({"resourceType":"Patient","identifier":[{"system":)"
                           R"("https://fhir.kemkes.go.id/id/nik","value":")" +
                           nik + R"("}],"name":[{"text":"Budi"}]})";
  const auto* f = cfg()->facility("pkm-sukamaju");
  auto checked = ingest::check_fhir({body, "Patient", std::nullopt}, *cfg(), *f);
  auto* env = std::get_if<ingest::Envelope>(&checked);
  REQUIRE(env != nullptr);
  const auto& key = cfg()->pseudonym();
  CHECK(env->record_id ==
        "https://fhir.kemkes.go.id/id/nik|hmac:" +
            key(mappers::person_record_id_input("https://fhir.kemkes.go.id/id/nik", nik)));
  CHECK(env->record_id.find(mappers::sha256_hex(nik)) == std::string::npos);
  CHECK(env->patient_key == key("nik:" + nik));
}

TEST_CASE("a lookup that fails is 503 with nothing written, never taken for a new record",
          "[unit][ingest]") {
  Harness h;
  REQUIRE(h.submit(kVisit).status == 202);
  std::string revised = kVisit;
  revised.replace(revised.find("08:40:00"), 8, "08:45:00");
  h.fail_reads = true;
  auto r = h.submit(revised);
  CHECK(r.status == 503);
  REQUIRE_FALSE(r.outcome.empty());
  CHECK(r.outcome.issues[0].code == "transient");
  h.fail_reads = false;
  CHECK(h.revisions() == 1);  // no revision was written on a guess
}

TEST_CASE("a posyandu record stored with its location's practitioner says so in its history",
          "[unit][ingest][locations]") {
  Harness h;
  const auto r = h.submit(
      R"({"kind":"growth","facility":"pkm-sukamaju","record_id":"G-1","data":{"visit_no":"G-1",
      "patient":{"nik":"3204014409230008","name":"Putri","birth_date":"2023-09-04",
      "gender":"female"},"location":"POSYANDU-MAWAR","measured_at":"2025-04-09T08:45:00",
      "weight_kg":10.6}})");
  REQUIRE(r.status == 202);
  std::promise<store::ReadResult<store::Record>> p;
  h.store->get(r.id, [&](store::ReadResult<store::Record> got) { p.set_value(std::move(got)); });
  const auto got = p.get_future().get();
  REQUIRE(got.is_found());
  REQUIRE(got->history.size() == 1);
  CHECK(got->history[0].note ==
        "accepted: practitioner taken from posyandu POSYANDU-MAWAR (facilities.yaml): the record "
        "named none");
  CHECK(got->bundle_json.find("3204016708900003") != std::string::npos);
}
