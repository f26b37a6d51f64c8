#pragma once
// The embedded Store: one SQLite file; a writer thread, a reader thread and a checkpoint thread,
// each with its own connection.
//
// Threading: every public method may be called from any thread; it only queues the operation.
// Writes (ingest, claim, complete, recover, retry, cache_put, check_writable, set_size_limit)
// go to the writer thread, which owns the read-write connection. It takes everything queued
// (up to max_batch) and runs it inside ONE `BEGIN IMMEDIATE … COMMIT` (group commit: one fsync
// for many operations), each write in its own savepoint so one failing operation does not undo
// the others. Callbacks run on that thread after COMMIT returned (synchronous=FULL, WAL:
// durable); if the transaction cannot commit, it is rolled back and every write of it reports
// failure. Nothing is half-written.
//
// Reads (get, find, list, stats, cache_get) go to the reader thread, which owns a read-only
// connection (WAL: readers never wait for the writer, nor the writer for them). It takes
// everything queued (up to max_batch) and answers it from one snapshot begun after the last of
// them was queued, so a read sees every write whose callback had run before the read was
// called. Read callbacks run on the reader thread.
//
// The WAL is copied back into the database file off the writer's path (SqliteCheckpointer).
//
// list(): newest change first, ordered by (updated_ms, id) descending, keyset-paginated; each
// filter shape walks an index that yields that order (sqlite_ops.cpp), so a page costs a page
// of index steps on a store of millions. A
// record that changes while a client pages moves to the head of the order: it is not repeated,
// and a poller catches it with `since`. An unreadable cursor fails the read.

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
#include "mappers/pseudonym.hpp"

namespace spdlog {
class logger;
}

namespace ilp::gateway::store {

class SqliteCheckpointer;
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
    // The installation's pseudonym key: migrating a store older than schema 4 rekeys its
    // patient keys with it (must outlive the constructor only).
    const mappers::Pseudonymizer* pseudonymizer = nullptr;
    // WAL checkpoints (see SqliteCheckpointer): a background thread copies the WAL into the
    // database file every checkpoint_pages, SQLite's own default cadence (at 8000, each burst
    // stalled the writer's fsyncs: p99 80-150 ms). From wal_cap_pages on (256 MiB at 4 KiB
    // pages) the writer checkpoints itself, which lets the WAL rewind; that costs the commit
    // two fsyncs (a cap of 16000 pages made them frequent enough to raise p99 from ~23 to
    // ~39 ms at 2,500 records/s).
    int checkpoint_pages = 1000;
    int wal_cap_pages = 64000;
    // Fault injection for tests: consulted before each COMMIT, inside the open transaction;
    // true simulates an I/O error there (the transaction is rolled back and all of its
    // operations fail). Tests also block in it to hold a transaction open.
    std::function<bool()> fail_commit;
    // /readyz (check_writable) says "not writable" below this much room, on the disk or under
    // max_bytes: one full batch of records, their history and the WAL frames they add is a
    // few hundred KiB, so a disk with less than 1 MiB left takes no batch for sure, and a
    // balancer had better send the next one elsewhere than have it refused with a 503.
    std::int64_t min_free_bytes = 1 << 20;
    // Fault injection for tests: consulted before each read operation; true makes that read
    // fail as an I/O error would (a corrupt page, an unreadable file).
    std::function<bool()> fail_read;
  };

  // Counters since open. Read from any thread.
  struct Metrics {
    std::uint64_t transactions = 0;         // write transactions committed
    std::uint64_t failed_transactions = 0;  // write transactions rolled back as a whole
    std::uint64_t write_operations = 0;     // write operations in committed transactions
    std::uint64_t failed_operations = 0;    // operations that reported failure
    std::uint64_t read_operations = 0;
    std::uint64_t read_batches = 0;    // read snapshots taken (one per reader wake-up)
    std::uint64_t items_ingested = 0;  // ingest items made durable (created or revised)
    std::uint64_t max_operations_per_transaction = 0;
    std::uint64_t background_checkpoints = 0;  // WAL checkpoints off the writer's thread
    std::uint64_t inline_checkpoints = 0;      // by the writer, the WAL having reached its cap
    std::size_t queue_depth = 0;               // operations queued, reads and writes
  };

  // Opens or creates the database and migrates its schema, opens the read-only connection,
  // then starts the threads. Throws std::runtime_error with the path and the reason when that
  // is impossible.
  explicit SqliteStore(Options options);
  // Runs everything already queued (callbacks included, and what they queue), then stops the
  // threads. Operations queued after that fail at once. Never destroy the store from one of
  // its callbacks.
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Metrics metrics() const;

  // Changes the size cap at runtime (0 lifts it). Writes that would grow the file past it fail
  // (ingest: kFailed, a 503) instead of filling the disk.
  void set_size_limit(std::int64_t max_bytes, std::function<void(bool ok)> done);

  void ingest(std::vector<IngestItem> items,
              std::function<void(std::vector<IngestOutcome>)> done) override;
  void get(std::string id, std::function<void(ReadResult<Record>)> done) override;
  void find(std::string facility, std::string kind, std::string record_id,
            std::function<void(ReadResult<Record>)> done) override;
  void list(ListQuery q, std::function<void(ReadResult<ListPage>)> done) override;
  void stats(std::function<void(ReadResult<Stats>)> done) override;
  void claim(std::int64_t now_ms, int limit,
             std::function<void(std::vector<Record>)> done) override;
  void complete(Completion c, std::function<void(bool ok)> done) override;
  void complete_and_claim(Completion c, std::int64_t claim_now_ms, int limit,
                          std::function<void(CompletedAndClaimed)> done) override;
  void recover(std::int64_t now_ms, std::function<void(int count)> done) override;
  void retry(std::vector<std::string> ids, std::optional<Status> by_status, std::int64_t now_ms,
             std::function<void(int count)> done) override;
  void retry_matching(RetryFilter filter, std::int64_t now_ms,
                      std::function<void(int count)> done) override;
  void cache_get(std::string kind, std::string key,
                 std::function<void(std::optional<std::string>)> done) override;
  void cache_put(std::string kind, std::string key, std::string value, std::int64_t now_ms,
                 std::function<void(bool ok)> done) override;
  void check_writable(std::function<void(bool ok)> done) override;
  void pws_facts(std::vector<std::string> facilities, std::vector<pws::Window> windows,
                 std::function<void(ReadResult<std::vector<pws::FactRow>>)> done) override;
  void prune(std::int64_t delivered_before_ms, int limit,
             std::function<void(int count)> done) override;
  void wake(std::vector<std::string> keys, std::int64_t now_ms,
            std::function<void(int count)> done) override;

 private:
  enum class Access { kRead, kWrite };

  // One thread, its queue and what it is doing; guarded by mu_ (the thread and the connection
  // are used only by the lane's thread).
  struct Lane {
    explicit Lane(const char* thread_name);  // out of line: SqliteJob is incomplete here
    ~Lane();
    const char* name;
    std::condition_variable cv;
    std::deque<std::unique_ptr<SqliteJob>> queue;
    bool busy = false;  // running a batch: its callbacks may still queue work
    std::thread thread;
  };

  template <class R>
  void submit(Access access, std::function<R(SqliteOps&)> body, std::function<void(R)> done,
              std::function<R(const std::string& error)> on_failure);
  void post(Access access, std::unique_ptr<SqliteJob> job);
  void lane_main(Lane& lane, Lane& other);
  void run_reads(const std::vector<SqliteJob*>& jobs);
  void run_writes(const std::vector<SqliteJob*>& jobs);
  void finish(SqliteJob& job, bool ok, const std::string& error);

  Options options_;
  std::unique_ptr<SqliteDb> db_;         // read-write; used only on the writer thread
  std::unique_ptr<SqliteOps> ops_;       // likewise
  std::unique_ptr<SqliteDb> read_db_;    // read-only; used only on the reader thread
  std::unique_ptr<SqliteOps> read_ops_;  // likewise
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
  std::shared_ptr<spdlog::logger> log_;

  mutable std::mutex mu_;
  Lane writer_{"ilp-store"};
  Lane reader_{"ilp-store-read"};
  bool stopping_ = false;
  // Set once stopping_ is set and both lanes are idle with nothing queued: posts fail from
  // then on.
  bool closed_ = false;

  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> failed_transactions_{0};
  std::atomic<std::uint64_t> write_operations_{0};
  std::atomic<std::uint64_t> failed_operations_{0};
  std::atomic<std::uint64_t> read_operations_{0};
  std::atomic<std::uint64_t> read_batches_{0};
  std::atomic<std::uint64_t> items_ingested_{0};
  std::atomic<std::uint64_t> max_operations_per_transaction_{0};
  // The last write transaction that changed something was rolled back (writer thread only).
  bool last_commit_failed_ = false;
};

}  // namespace ilp::gateway::store
