// The SQLite store's threads: reads on their own read-only connection and thread, never behind
// the writer yet never behind a commit whose callback ran; WAL checkpoints off the writer's
// path; shutdown with work passed between the threads.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::Countdown;
using testing::Gate;
using testing::Hold;
using testing::kT0;
using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;
using Kind = IngestOutcome::Kind;

// A record large enough to take a few pages, so a few records fill a small WAL.
IngestItem big_item(const std::string& record_id) {
  auto item = make_item(record_id, "v1", "p-" + record_id);
  item.input_json = R"({"data":")" + std::string(8000, 'x') + R"("})";
  return item;
}

std::uintmax_t wal_bytes(const TempDir& dir) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(dir.db() + "-wal", ec);
  return ec ? 0 : size;
}

// Waits (bounded) until `done` holds; for effects of a background thread that no callback
// reports.
template <class Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST_CASE("a read called once a write's callback ran sees that write", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  const auto owned = testing::open_store(backend, dir);
  Store& store = *owned;

  SECTION("called from the write's callback, on the writer's thread") {
    constexpr int kRecords = 200;
    std::atomic<int> seen{0};
    Countdown countdown(kRecords * 2);
    for (int i = 0; i < kRecords; ++i) {
      const auto key = "R" + std::to_string(i);
      store.ingest({make_item(key, "v1", "p" + std::to_string(i))},
                   [&store, &seen, &countdown, key](std::vector<IngestOutcome> out) {
                     const auto id = out.at(0).id;
                     store.find("pkm-sukamaju", "visit", key,
                                [&seen, &countdown, id](ReadResult<Record> r) {
                                  if (r.is_found() && r->id == id) ++seen;
                                  countdown.done();
                                });
                     store.get(id, [&seen, &countdown](ReadResult<Record> r) {
                       if (r.is_found()) ++seen;
                       countdown.done();
                     });
                   });
    }
    countdown.wait();
    CHECK(seen == kRecords * 2);
  }

  SECTION("called from another thread: every revision is seen, none stale") {
    Sync s(store);
    for (int i = 1; i <= 100; ++i) {
      const auto out = s.ingest(make_item("K", "v" + std::to_string(i)));
      REQUIRE(out.revision == i);
      const auto r = s.find("pkm-sukamaju", "visit", "K");
      REQUIRE(r);
      CHECK(r->revision == i);
      CHECK(r->content_hash == "hash-v" + std::to_string(i));
      CHECK(s.stats().pending == 1);
    }
  }
}

TEST_CASE("reads are answered while the writer holds a transaction open", "[unit]") {
  TempDir dir;
  Gate gate;
  auto o = options(dir);
  o.fail_commit = [&gate] { return gate.pass(); };
  SqliteStore store(o);
  Sync s(store);
  const auto a = s.ingest(make_item("A", "v1", "p1"));
  REQUIRE(s.cache_put("Patient", "k", "P1", kT0));

  gate.close();
  std::promise<IngestOutcome> b_promise;
  auto b_future = b_promise.get_future();
  store.ingest({make_item("B", "v1", "p2")},
               [&b_promise](std::vector<IngestOutcome> out) { b_promise.set_value(out.at(0)); });
  gate.wait_arrived();  // B is written, its transaction open, the write lock held

  // Every read answers (each Sync call waits at most 30 s), from what is committed.
  const auto found = s.find("pkm-sukamaju", "visit", "A");
  REQUIRE(found);
  CHECK(found->id == a.id);
  CHECK(s.get(a.id));
  CHECK_FALSE(s.find("pkm-sukamaju", "visit", "B"));
  CHECK(s.list({}).records.size() == 1);
  CHECK(s.stats().pending == 1);
  CHECK(s.cache_get("Patient", "k") == std::optional<std::string>("P1"));

  gate.open();
  REQUIRE(b_future.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(b_future.get().kind == Kind::kCreated);
  CHECK(s.find("pkm-sukamaju", "visit", "B"));
  CHECK(s.stats().pending == 2);
}

TEST_CASE("reads queued together are answered from one snapshot", "[unit]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  s.ingest(make_item("A"));
  constexpr int kReads = 50;

  Hold hold(store, Hold::Thread::kReader);
  const auto before = store.metrics();
  Countdown countdown(kReads);
  std::atomic<int> found{0};
  for (int i = 0; i < kReads; ++i) {
    store.find("pkm-sukamaju", "visit", "A", [&](ReadResult<Record> r) {
      if (r.is_found()) ++found;
      countdown.done();
    });
  }
  CHECK(store.metrics().queue_depth == kReads);
  hold.release();
  countdown.wait();

  CHECK(found == kReads);
  const auto after = store.metrics();
  CHECK(after.read_batches - before.read_batches == 1);
  CHECK(after.read_operations - before.read_operations == kReads);
}

TEST_CASE("shutdown runs work that callbacks pass between the reader and the writer", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  std::atomic<bool> missing_first{false};
  std::atomic<bool> created{false};
  std::atomic<bool> found_after{false};
  {
    const auto owned = testing::open_store(backend, dir);
    Store& store = *owned;
    // find (reader) → its callback ingests (writer) → that callback gets (reader); the store is
    // destroyed at once, with all three still to run.
    store.find("pkm-sukamaju", "visit", "A", [&](ReadResult<Record> r) {
      missing_first = r.is_not_found();
      store.ingest({make_item("A")}, [&](std::vector<IngestOutcome> out) {
        created = out.at(0).kind == Kind::kCreated;
        store.get(out.at(0).id, [&](ReadResult<Record> rec) { found_after = rec.is_found(); });
      });
    });
  }
  CHECK(missing_first);
  CHECK(created);
  CHECK(found_after);
}

TEST_CASE("a background checkpoint copies the WAL into the database file", "[unit]") {
  TempDir dir;
  auto o = options(dir);
  o.checkpoint_pages = 8;
  o.wal_cap_pages = 1'000'000;  // the writer never checkpoints
  std::vector<std::string> ids;
  {
    SqliteStore store(o);
    Sync s(store);
    for (int i = 0; i < 40; ++i) ids.push_back(s.ingest(big_item("R" + std::to_string(i))).id);
    REQUIRE(eventually([&] { return store.metrics().background_checkpoints > 0; }));
    CHECK(store.metrics().inline_checkpoints == 0);
    for (const auto& id : ids) CHECK(s.get(id));
  }
  SqliteStore store(options(dir));
  Sync s(store);
  for (const auto& id : ids) CHECK(s.get(id));
}

TEST_CASE("the writer checkpoints at the WAL's cap, and the WAL is rewound", "[unit]") {
  TempDir dir;
  auto o = options(dir);
  constexpr int kCap = 50;
  o.checkpoint_pages = 1'000'000;  // no background checkpoint
  o.wal_cap_pages = kCap;
  SqliteStore store(o);
  Sync s(store);
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(s.ingest(big_item("R" + std::to_string(i))).id);

  CHECK(store.metrics().inline_checkpoints > 0);
  CHECK(store.metrics().background_checkpoints == 0);
  // A header, then frames of a 24-byte header and a 4 KiB page: at most the cap and the
  // transaction that crossed it (about 17 pages here: a record, its overflow pages, the pages
  // of its indexes, resources and history).
  constexpr std::uintmax_t kFrame = 24 + 4096;
  CHECK(wal_bytes(dir) <= 32 + (kCap + 32) * kFrame);
  for (const auto& id : ids) CHECK(s.get(id));
}

}  // namespace
}  // namespace ilp::gateway::store
