#pragma once
// Helpers for the store tests: a temporary folder, blocking wrappers around the asynchronous
// Store interface, and small record builders.

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gateway/store/pg/pg_store.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "pg_test_cluster.hpp"

namespace ilp::gateway::store::testing {

inline constexpr std::int64_t kT0 = 1'700'000'000'000;

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("ilp-store-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string db() const { return (path_ / "store.db").string(); }

 private:
  std::filesystem::path path_;
};

// Undoes schema step 8 (the payloads back in the records row), inside a migration test's own
// BEGIN … COMMIT; user_version is the caller's to set.
inline constexpr const char* kUndoSchemaStep8 = R"sql(
ALTER TABLE records ADD COLUMN input_json TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN bundle_json TEXT NOT NULL DEFAULT '';
UPDATE records SET (input_json, bundle_json) =
  (SELECT input_json, bundle_json FROM payloads WHERE record_seq = records.seq);
DROP TABLE payloads;
)sql";

// Runs `sql` (several statements) on the SQLite file at `path`, outside any store: how the
// migration tests put a store back to an older schema. Fails the test with SQLite's message.
inline void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

inline SqliteStore::Options options(const TempDir& dir) {
  SqliteStore::Options o;
  o.path = dir.db();
  return o;
}

// The store a contract test runs against: every test that opens its store with open_store()
// runs once on each (STORE_BACKENDS() at the top of the test case).
enum class Backend { kSqlite, kPostgres };
inline const char* name(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }

#define STORE_BACKENDS()                                                             \
  const auto backend = GENERATE(::ilp::gateway::store::testing::Backend::kSqlite,    \
                                ::ilp::gateway::store::testing::Backend::kPostgres); \
  INFO("store: " << ::ilp::gateway::store::testing::name(backend))

// One PostgreSQL server per test process, started on first use.
inline ilp::testing::PgTestCluster& pg_cluster() {
  static ilp::testing::PgTestCluster cluster;
  return cluster;
}

// The store of `dir`: the SQLite file in it, or the PostgreSQL database named after it (made on
// first use, so that opening again after a "crash" finds what the first store wrote). The
// PostgreSQL store's leases last 1 ms here and it has no heartbeat of its own: recover() then
// returns every attempt that was running, as SQLite's recover() after a restart does.
inline std::unique_ptr<Store> open_store(Backend b, const TempDir& dir) {
  if (b == Backend::kSqlite) return std::make_unique<SqliteStore>(options(dir));
  static std::map<std::string, std::string> databases;
  static std::mutex mu;
  std::string conninfo;
  {
    std::lock_guard lock(mu);
    auto& c = databases[dir.path().string()];
    if (c.empty()) c = pg_cluster().create_database("t" + std::to_string(databases.size()));
    conninfo = c;
  }
  pg::PgStore::Options o;
  o.conninfo = conninfo;
  o.instance_id = "test:" + dir.path().filename().string();
  o.lease_ms = 1;
  o.heartbeat_ms = 0;
  return std::make_unique<pg::PgStore>(o);
}

// Starts an operation with a callback and waits for the callback's value.
template <class R, class Start>
R wait_result(Start&& start) {
  std::promise<R> promise;
  auto future = promise.get_future();
  start([&promise](R value) { promise.set_value(std::move(value)); });
  REQUIRE(future.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  return future.get();
}

// Occupies a store thread (inside a callback) until release(), so that what is queued for it
// meanwhile lands in its following batches: the writer by default (a check_writable callback),
// or the reader (a stats callback). Only a test may block a callback.
class Hold {
 public:
  enum class Thread { kWriter, kReader };

  explicit Hold(Store& store, Thread thread = Thread::kWriter) {
    auto entered = entered_.get_future();
    auto block = [this] {
      entered_.set_value();
      released_.wait();
    };
    if (thread == Thread::kWriter) {
      store.check_writable([block](bool) { block(); });
    } else {
      store.stats([block](ReadResult<Stats>) { block(); });
    }
    REQUIRE(entered.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  }
  void release() { release_.set_value(); }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

// A door the writer waits at, called from Options::fail_commit: inside its open transaction,
// just before COMMIT. Closed, it lets the writer through at once; close() makes the next
// arrival wait there until open().
class Gate {
 public:
  // For Options::fail_commit (never fails the commit).
  bool pass() {
    std::shared_future<void> opened;
    {
      std::lock_guard lock(mu_);
      if (!closed_) return false;
      closed_ = false;
      opened = opened_;
      arrived_.set_value();
    }
    opened.wait();
    return false;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  // Waits (bounded) until the writer stands at the door.
  void wait_arrived() {
    REQUIRE(arrived_future_.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  }
  void open() { open_.set_value(); }

 private:
  std::mutex mu_;
  bool closed_ = false;
  std::promise<void> arrived_;
  std::future<void> arrived_future_ = arrived_.get_future();
  std::promise<void> open_;
  std::shared_future<void> opened_ = open_.get_future().share();
};

// Counts callbacks and lets the test wait for the last one.
class Countdown {
 public:
  explicit Countdown(int n) : left_(n) {}
  void done() {
    if (left_.fetch_sub(1) == 1) all_.set_value();
  }
  void wait() {
    REQUIRE(all_.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  }

 private:
  std::atomic<int> left_;
  std::promise<void> all_;
};

// Blocking facade over a Store, for readable tests.
class Sync {
  static std::optional<Record> lookup(ReadResult<Record> r) {
    INFO(r.error());
    REQUIRE_FALSE(r.is_failed());
    if (!r.is_found()) return std::nullopt;
    return std::move(r).value();
  }

 public:
  explicit Sync(Store& store) : s_(store) {}

  std::vector<IngestOutcome> ingest(std::vector<IngestItem> items) {
    return wait_result<std::vector<IngestOutcome>>(
        [&](auto done) { s_.ingest(std::move(items), std::move(done)); });
  }
  IngestOutcome ingest(IngestItem item) {
    std::vector<IngestItem> items;
    items.push_back(std::move(item));
    auto out = ingest(std::move(items));
    REQUIRE(out.size() == 1);
    return out.front();
  }
  // The reads as they answer...
  ReadResult<Record> get_result(const std::string& id) {
    return wait_result<ReadResult<Record>>([&](auto done) { s_.get(id, std::move(done)); });
  }
  ReadResult<Record> find_result(const std::string& facility, const std::string& kind,
                                 const std::string& record_id) {
    return wait_result<ReadResult<Record>>(
        [&](auto done) { s_.find(facility, kind, record_id, std::move(done)); });
  }
  ReadResult<ListPage> list_result(ListQuery q) {
    return wait_result<ReadResult<ListPage>>(
        [&](auto done) { s_.list(std::move(q), std::move(done)); });
  }
  ReadResult<Stats> stats_result() {
    return wait_result<ReadResult<Stats>>([&](auto done) { s_.stats(std::move(done)); });
  }
  // ...and, for tests of what was stored, reads that must not fail.
  std::optional<Record> get(const std::string& id) { return lookup(get_result(id)); }
  std::optional<Record> find(const std::string& facility, const std::string& kind,
                             const std::string& record_id) {
    return lookup(find_result(facility, kind, record_id));
  }
  ListPage list(ListQuery q) {
    auto r = list_result(std::move(q));
    INFO(r.error());
    REQUIRE(r.is_found());
    return std::move(r).value();
  }
  Stats stats() {
    auto r = stats_result();
    INFO(r.error());
    REQUIRE(r.is_found());
    return std::move(r).value();
  }
  std::vector<Record> claim(std::int64_t now_ms, int limit = 100) {
    return wait_result<std::vector<Record>>(
        [&](auto done) { s_.claim(now_ms, limit, std::move(done)); });
  }
  bool complete(Completion c) {
    return wait_result<bool>([&](auto done) { s_.complete(std::move(c), std::move(done)); });
  }
  int recover(std::int64_t now_ms) {
    return wait_result<int>([&](auto done) { s_.recover(now_ms, std::move(done)); });
  }
  int retry(std::vector<std::string> ids, std::optional<Status> by_status, std::int64_t now_ms) {
    return wait_result<int>(
        [&](auto done) { s_.retry(std::move(ids), by_status, now_ms, std::move(done)); });
  }
  std::optional<std::string> cache_get(const std::string& kind, const std::string& key) {
    return wait_result<std::optional<std::string>>(
        [&](auto done) { s_.cache_get(kind, key, std::move(done)); });
  }
  bool cache_put(const std::string& kind, const std::string& key, const std::string& value,
                 std::int64_t now_ms) {
    return wait_result<bool>(
        [&](auto done) { s_.cache_put(kind, key, value, now_ms, std::move(done)); });
  }
  int wake(std::vector<std::string> keys, std::int64_t now_ms) {
    return wait_result<int>([&](auto done) { s_.wake(std::move(keys), now_ms, std::move(done)); });
  }
  int prune(std::int64_t delivered_before_ms, int limit = 500) {
    return wait_result<int>(
        [&](auto done) { s_.prune(delivered_before_ms, limit, std::move(done)); });
  }
  bool check_writable() {
    return wait_result<bool>([&](auto done) { s_.check_writable(std::move(done)); });
  }

 private:
  Store& s_;
};

// A record as ingest would produce it. `content` decides the content hash and the payloads.
inline IngestItem make_item(std::string record_id, std::string content = "v1",
                            std::string patient_key = "patient-1", std::int64_t now_ms = kT0,
                            std::string facility = "pkm-sukamaju", std::string kind = "visit") {
  IngestItem item;
  item.facility = std::move(facility);
  item.kind = std::move(kind);
  item.record_id = std::move(record_id);
  item.content_hash = "hash-" + content;
  item.input_json = R"({"content":")" + content + R"("})";
  item.bundle_json = R"({"resourceType":"Bundle","content":")" + content + R"("})";
  item.patient_key = std::move(patient_key);
  item.resources = {{"encounter", "Encounter", "urn:uuid:enc-" + content, ""},
                    {"systolic", "Observation", "urn:uuid:sys-" + content, ""}};
  item.now_ms = now_ms;
  return item;
}

inline Completion delivered(const Record& r, std::int64_t now_ms,
                            std::vector<ResourceRef> server_ids = {}) {
  Completion c;
  c.id = r.id;
  c.revision = r.revision;
  c.status = Status::kDelivered;
  c.server_ids = std::move(server_ids);
  c.note = "delivered (HTTP 200)";
  c.now_ms = now_ms;
  return c;
}

inline Completion failed_with(const Record& r, Status status, std::int64_t now_ms,
                              std::optional<std::int64_t> next_attempt_at = std::nullopt) {
  Completion c;
  c.id = r.id;
  c.revision = r.revision;
  c.status = status;
  c.next_attempt_at_ms = next_attempt_at;
  c.last_error = R"({"issues":[]})";
  c.note = std::string("attempt ended: ") + std::string(to_string(status));
  c.now_ms = now_ms;
  return c;
}

inline std::vector<std::string> ids_of(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.id);
  return out;
}

inline const ResourceRef* resource(const Record& r, const std::string& name) {
  for (const auto& ref : r.resources) {
    if (ref.name == name) return &ref;
  }
  return nullptr;
}

}  // namespace ilp::gateway::store::testing
