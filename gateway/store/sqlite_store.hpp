#pragma once
// The embedded Store: one SQLite file, one thread.
//
// Threading: every public method may be called from any thread; it only queues the operation.
// One dedicated thread owns the connection. It takes everything queued (up to max_batch),
// answers the reads first (from what is committed), then runs the writes inside ONE
// `BEGIN IMMEDIATE … COMMIT` (group commit: one fsync for many operations), each write in its
// own savepoint so one failing operation does not undo the others. Callbacks run on that thread
// after COMMIT returned (synchronous=FULL, WAL: durable); if the transaction cannot commit,
// it is rolled back and every write of it reports failure. Nothing is half-written.
//
// list(): newest change first, ordered by (updated_ms, id) descending, keyset-paginated. A
// record that changes while a client pages moves to the head of the order: it is not repeated,
// and a poller catches it with `since`. An unreadable cursor yields an empty page.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/store/store.hpp"

namespace spdlog {
class logger;
}

namespace ilp::gateway::store {

class SqliteDb;
class SqliteOps;
class SqliteJob;

class SqliteStore final : public Store {
 public:
  struct Options {
    std::string path;             // database file; created, with its parent folders
    std::size_t max_batch = 512;  // operations per transaction (group commit)
    int busy_timeout_ms = 5000;   // waiting for another process's lock (the CLI)
    std::int64_t max_bytes = 0;   // size cap (PRAGMA max_page_count); 0 = none
    // Fault injection for tests: consulted before each COMMIT; true simulates an I/O error
    // there (the transaction is rolled back and all of its operations fail).
    std::function<bool()> fail_commit;
  };

  // Counters since open. Read from any thread.
  struct Metrics {
    std::uint64_t transactions = 0;         // write transactions committed
    std::uint64_t failed_transactions = 0;  // write transactions rolled back as a whole
    std::uint64_t write_operations = 0;     // write operations in committed transactions
    std::uint64_t failed_operations = 0;    // operations that reported failure
    std::uint64_t read_operations = 0;
    std::uint64_t items_ingested = 0;  // ingest items made durable (created or revised)
    std::uint64_t max_operations_per_transaction = 0;
    std::size_t queue_depth = 0;
  };

  // Opens or creates the database and migrates its schema, then starts the store thread.
  // Throws std::runtime_error with the path and the reason when that is impossible.
  explicit SqliteStore(Options options);
  // Runs everything already queued (callbacks included), then stops the thread. Operations
  // queued after that fail at once. Never destroy the store from one of its callbacks.
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Metrics metrics() const;

  // Changes the size cap at runtime (0 lifts it). Writes that would grow the file past it fail
  // (ingest: kFailed, a 503) instead of filling the disk.
  void set_size_limit(std::int64_t max_bytes, std::function<void(bool ok)> done);

  void ingest(std::vector<IngestItem> items,
              std::function<void(std::vector<IngestOutcome>)> done) override;
  void get(std::string id, std::function<void(std::optional<Record>)> done) override;
  void find(std::string facility, std::string kind, std::string record_id,
            std::function<void(std::optional<Record>)> done) override;
  void list(ListQuery q, std::function<void(ListPage)> done) override;
  void stats(std::function<void(Stats)> done) override;
  void claim(std::int64_t now_ms, int limit,
             std::function<void(std::vector<Record>)> done) override;
  void complete(Completion c, std::function<void(bool ok)> done) override;
  void recover(std::int64_t now_ms, std::function<void(int count)> done) override;
  void retry(std::vector<std::string> ids, std::optional<Status> by_status, std::int64_t now_ms,
             std::function<void(int count)> done) override;
  void cache_get(std::string kind, std::string key,
                 std::function<void(std::optional<std::string>)> done) override;
  void cache_put(std::string kind, std::string key, std::string value, std::int64_t now_ms,
                 std::function<void(bool ok)> done) override;
  void check_writable(std::function<void(bool ok)> done) override;

 private:
  enum class Access { kRead, kWrite };

  template <class R>
  void submit(Access access, std::function<R(SqliteOps&)> body, std::function<void(R)> done,
              std::function<R(const std::string& error)> on_failure);
  void post(std::unique_ptr<SqliteJob> job);
  void thread_main();
  void run_reads(const std::vector<SqliteJob*>& jobs);
  void run_writes(const std::vector<SqliteJob*>& jobs);
  void finish(SqliteJob& job, bool ok, const std::string& error);

  Options options_;
  std::unique_ptr<SqliteDb> db_;    // used only on thread_
  std::unique_ptr<SqliteOps> ops_;  // likewise
  std::shared_ptr<spdlog::logger> log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<SqliteJob>> queue_;
  bool stopping_ = false;
  bool closed_ = false;

  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> failed_transactions_{0};
  std::atomic<std::uint64_t> write_operations_{0};
  std::atomic<std::uint64_t> failed_operations_{0};
  std::atomic<std::uint64_t> read_operations_{0};
  std::atomic<std::uint64_t> items_ingested_{0};
  std::atomic<std::uint64_t> max_operations_per_transaction_{0};

  std::thread thread_;  // last: started when everything above exists
};

}  // namespace ilp::gateway::store
