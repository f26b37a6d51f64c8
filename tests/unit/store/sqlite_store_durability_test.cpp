// Durability of the SQLite store: group commit, failures that must leave nothing half-written,
// reopen and crash.

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "store_test_support.hpp"

#ifdef __unix__
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace ilp::gateway::store {
namespace {

using testing::Countdown;
using testing::delivered;
using testing::Hold;
using testing::kT0;
using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;
using Kind = IngestOutcome::Kind;

TEST_CASE("concurrent ingests from several threads all succeed and share transactions", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  const auto owned = testing::open_store(backend, dir);
  Store& store = *owned;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  Countdown countdown(kThreads * kPerThread);
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> created{0};

  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto key = "T" + std::to_string(t) + "-" + std::to_string(i);
        store.ingest({make_item(key, "v1", "p" + std::to_string(t))},
                     [&](std::vector<IngestOutcome> out) {
                       if (out.size() == 1 && out[0].kind == Kind::kCreated) ++created;
                       {
                         std::lock_guard lock(mu);
                         for (const auto& o : out) ids.insert(o.id);
                       }
                       countdown.done();
                     });
      }
    });
  }
  for (auto& p : producers) p.join();
  countdown.wait();

  CHECK(created == kThreads * kPerThread);
  CHECK(ids.size() == static_cast<std::size_t>(kThreads * kPerThread));
  if (auto* sqlite = dynamic_cast<SqliteStore*>(&store)) {
    const auto m = sqlite->metrics();
    CHECK(m.items_ingested == static_cast<std::uint64_t>(kThreads * kPerThread));
    CHECK(m.transactions < static_cast<std::uint64_t>(kThreads * kPerThread));
    CHECK(m.failed_transactions == 0);
  }
  Sync s(store);
  CHECK(s.stats().pending == kThreads * kPerThread);
}

TEST_CASE("operations queued during a transaction commit together, max_batch at a time", "[unit]") {
  TempDir dir;
  auto o = options(dir);
  o.max_batch = 64;
  SqliteStore store(o);
  constexpr int kItems = 200;

  Hold hold(store);
  const auto before = store.metrics().transactions;
  Countdown countdown(kItems);
  std::atomic<int> created{0};
  for (int i = 0; i < kItems; ++i) {
    store.ingest({make_item("R" + std::to_string(i), "v1", "p" + std::to_string(i))},
                 [&](std::vector<IngestOutcome> out) {
                   if (out.at(0).kind == Kind::kCreated) ++created;
                   countdown.done();
                 });
  }
  CHECK(store.metrics().queue_depth == kItems);
  hold.release();
  countdown.wait();

  CHECK(created == kItems);
  const auto m = store.metrics();
  CHECK(m.transactions - before == (kItems + 63) / 64);  // 4 fsyncs for 200 ingests
  CHECK(m.max_operations_per_transaction == 64);
}

TEST_CASE("an injected commit failure fails the whole batch and leaves nothing written", "[unit]") {
  TempDir dir;
  std::atomic<bool> fail_next{false};
  auto o = options(dir);
  o.fail_commit = [&] { return fail_next.exchange(false); };
  SqliteStore store(o);
  Sync s(store);
  const auto a = s.ingest(make_item("A", "v1", "p1"));
  const auto claimed = s.claim(kT0 + 1);
  REQUIRE(claimed.size() == 1);

  // One batch: a new record, a completion, a cache entry, a probe.
  Hold hold(store);
  std::optional<std::vector<IngestOutcome>> ingested;
  std::optional<bool> completed;
  std::optional<bool> cached;
  std::optional<bool> writable;
  Countdown countdown(4);
  store.ingest({make_item("B", "v1", "p2"), make_item("C", "v1", "p3")},
               [&](std::vector<IngestOutcome> out) {
                 ingested = std::move(out);
                 countdown.done();
               });
  store.complete(delivered(claimed[0], kT0 + 2, {{"encounter", "Encounter", "", "enc-1"}}),
                 [&](bool ok) {
                   completed = ok;
                   countdown.done();
                 });
  store.cache_put("Patient", "k", "P1", kT0, [&](bool ok) {
    cached = ok;
    countdown.done();
  });
  store.check_writable([&](bool ok) {
    writable = ok;
    countdown.done();
  });
  fail_next = true;
  hold.release();
  countdown.wait();

  REQUIRE(ingested);
  REQUIRE(ingested->size() == 2);
  for (const auto& out : *ingested) {
    CHECK(out.kind == Kind::kFailed);
    CHECK(out.error.find("commit failed") != std::string::npos);
  }
  CHECK(completed == false);
  CHECK(cached == false);
  CHECK(writable == false);
  CHECK(store.metrics().failed_transactions == 1);

  CHECK_FALSE(s.find("pkm-sukamaju", "visit", "B"));
  CHECK_FALSE(s.find("pkm-sukamaju", "visit", "C"));
  const auto r = s.get(a.id);
  CHECK(r->status == Status::kSending);
  CHECK(r->resources.at(0).server_id.empty());
  CHECK(r->history.back().note == "sending attempt 1");
  CHECK_FALSE(s.cache_get("Patient", "k"));

  // The next batch is unaffected.
  CHECK(s.ingest(make_item("B", "v1", "p2")).kind == Kind::kCreated);
  CHECK(s.complete(delivered(claimed[0], kT0 + 3)));
  CHECK(s.check_writable());
}

TEST_CASE("failing the Nth commit never loses an acknowledged record nor keeps a failed one",
          "[unit]") {
  for (int n = 1; n <= 6; ++n) {
    CAPTURE(n);
    TempDir dir;
    std::vector<std::string> acked;
    std::vector<std::string> refused;
    {
      std::atomic<int> commits{0};
      auto o = options(dir);
      o.fail_commit = [&commits, n] { return ++commits == n; };
      SqliteStore store(o);
      Sync s(store);
      for (int i = 0; i < 6; ++i) {
        const auto key = "R" + std::to_string(i);
        const auto out = s.ingest(make_item(key, "v1", "p" + std::to_string(i)));
        (out.kind == Kind::kCreated ? acked : refused).push_back(key);
      }
    }
    CHECK(acked.size() == 5);
    REQUIRE(refused.size() == 1);
    SqliteStore store(options(dir));
    Sync s(store);
    for (const auto& key : acked) CHECK(s.find("pkm-sukamaju", "visit", key));
    CHECK_FALSE(s.find("pkm-sukamaju", "visit", refused[0]));
    CHECK(s.ingest(make_item(refused[0], "v1", "px")).kind == Kind::kCreated);
  }
}

TEST_CASE("a full database fails the ingest with nothing written, raising the limit recovers",
          "[unit]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  for (int i = 0; i < 3; ++i) s.ingest(make_item("R" + std::to_string(i)));

  auto big = make_item("BIG", "big");
  big.input_json = R"({"data":")" + std::string(512 * 1024, 'x') + R"("})";
  const auto set_limit = [&](std::int64_t bytes) {
    return testing::wait_result<bool>(
        [&](auto done) { store.set_size_limit(bytes, std::move(done)); });
  };

  REQUIRE(set_limit(1));  // clamps to the current size: no page may be added
  const auto out = s.ingest(big);
  CHECK(out.kind == Kind::kFailed);
  CHECK(out.error.find("full") != std::string::npos);
  CHECK_FALSE(s.find("pkm-sukamaju", "visit", "BIG"));
  CHECK(s.stats().pending == 3);

  REQUIRE(set_limit(0));
  const auto again = s.ingest(big);
  CHECK(again.kind == Kind::kCreated);
  const auto r = s.get(again.id);
  REQUIRE(r);
  CHECK(r->input_json.size() == big.input_json.size());
  CHECK(r->history.size() == 1);
}

TEST_CASE("records survive closing and reopening the store", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  std::string id;
  {
    const auto store = testing::open_store(backend, dir);
    Sync s(*store);
    id = s.ingest(make_item("A")).id;
    const auto claimed = s.claim(kT0 + 1);
    REQUIRE(s.complete(delivered(claimed.at(0), kT0 + 2, {{"encounter", "", "", "enc-1"}})));
    REQUIRE(s.cache_put("Patient", "k", "P1", kT0));
  }
  const auto store = testing::open_store(backend, dir);
  Sync s(*store);
  const auto r = s.get(id);
  REQUIRE(r);
  CHECK(r->status == Status::kDelivered);
  CHECK(testing::resource(*r, "encounter")->server_id == "enc-1");
  CHECK(r->history.size() == 3);
  CHECK(s.cache_get("Patient", "k") == std::optional<std::string>("P1"));
  // Acceptance order continues after reopen.
  const auto next = s.ingest(make_item("B"));
  CHECK(s.get(next.id)->seq > r->seq);
}

TEST_CASE("the destructor runs every queued operation and its callback", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  constexpr int kItems = 300;
  std::atomic<int> created{0};
  {
    const auto store = testing::open_store(backend, dir);
    for (int i = 0; i < kItems; ++i) {
      store->ingest({make_item("R" + std::to_string(i))}, [&](std::vector<IngestOutcome> out) {
        if (out.at(0).kind == Kind::kCreated) ++created;
      });
    }
  }
  CHECK(created == kItems);
  const auto store = testing::open_store(backend, dir);
  Sync s(*store);
  CHECK(s.stats().pending == kItems);
}

#ifdef __unix__
TEST_CASE("acknowledged records survive the process being killed", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  constexpr int kItems = 20;
  // The PostgreSQL server and the test's database exist before the fork (the child must not
  // start a server it cannot stop: it dies without running destructors).
  testing::open_store(backend, dir).reset();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: acknowledge records, leave one attempt in flight, then die without any cleanup
    // (no destructor, no checkpoint), as with kill -9.
    auto* store = testing::open_store(backend, dir).release();
    int ok = 0;
    for (int i = 0; i < kItems; ++i) {
      std::promise<bool> p;
      store->ingest({make_item("R" + std::to_string(i), "v1", "p" + std::to_string(i))},
                    [&p](std::vector<IngestOutcome> out) {
                      p.set_value(out.size() == 1 && out[0].kind == Kind::kCreated);
                    });
      ok += p.get_future().get() ? 1 : 0;
    }
    std::promise<std::size_t> claimed;
    store->claim(kT0 + 1, 1, [&claimed](std::vector<Record> r) { claimed.set_value(r.size()); });
    const bool claim_ok = claimed.get_future().get() == 1;
    _exit(ok == kItems && claim_ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  const auto store = testing::open_store(backend, dir);
  Sync s(*store);
  CHECK(s.stats().pending == kItems);
  CHECK(s.recover(kT0 + 100) == 1);
  const auto r = s.find("pkm-sukamaju", "visit", "R0");
  REQUIRE(r);
  CHECK(r->status == Status::kRetrying);
  CHECK(r->maybe_sent);
}
#endif

TEST_CASE("opening creates parent folders", "[unit]") {
  TempDir dir;
  SqliteStore::Options o;
  o.path = (dir.path() / "var" / "lib" / "ilp" / "gateway.db").string();
  {
    SqliteStore store(o);
    Sync s(store);
    CHECK(s.check_writable());
  }
  CHECK(std::filesystem::exists(o.path));
}

TEST_CASE("opening fails with a clear message", "[unit]") {
  TempDir dir;
  SqliteStore::Options o;

  SECTION("no path") { REQUIRE_THROWS_WITH(SqliteStore(o), Catch::Contains("no path configured")); }
  SECTION("a folder") {
    o.path = dir.path().string();
    REQUIRE_THROWS_WITH(SqliteStore(o), Catch::Contains(o.path));
  }
  SECTION("not a database") {
    o.path = (dir.path() / "notes.txt").string();
    std::ofstream(o.path) << std::string(4096, 'n');
    REQUIRE_THROWS_WITH(SqliteStore(o),
                        Catch::Contains(o.path) && Catch::Contains("not a database"));
  }
  SECTION("a parent that is a file") {
    const auto file = dir.path() / "file";
    std::ofstream(file) << "x";
    o.path = (file / "sub" / "store.db").string();
    REQUIRE_THROWS_WITH(SqliteStore(o), Catch::Contains("cannot create folder"));
  }
  SECTION("a schema from a newer gateway") {
    o.path = dir.db();
    { SqliteStore store(o); }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(o.path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    REQUIRE_THROWS_WITH(SqliteStore(o), Catch::Contains("newer"));
  }
}

}  // namespace
}  // namespace ilp::gateway::store
