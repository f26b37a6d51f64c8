#pragma once
// The Store on PostgreSQL (DESIGN.md §12, issue 18): several gateway instances on one database.
//
// Threading: as SqliteStore, every public method only queues the operation; one store thread
// owns the libpq connection and runs what is queued in batches. The writes of a batch go into
// ONE transaction (group commit: one WAL flush for many operations; synchronous_commit stays
// on, so a callback reporting success means committed and flushed), each in its own savepoint
// so one failing operation does not undo the others. Reads run after the batch's commit, so a
// read sees every write queued before it. Callbacks run on the store thread.
//
// Between batches, at every heartbeat, the thread renews this instance's leases and runs the
// reaper (pg_ops.hpp): an attempt whose instance died is back to `retrying` one lease later.
// recover() is the reaper too: on PostgreSQL a restart does not know which `sending` records
// were its own, their leases say so.
//
// A lost connection (server restart, pg_terminate_backend) fails the batch it broke — ingest
// answers 503, nothing half-written, as the transaction never committed — and the next batch
// connects again.

#include <atomic>
#include <condition_variable>
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

namespace ilp::gateway::store::pg {

class LeaseTokens;
class PgConnection;
class PgOps;
struct PgJob;

class PgStore final : public Store {
 public:
  struct Options {
    std::string conninfo;     // libpq connection string (the password from PGPASSWORD/.pgpass)
    std::string instance_id;  // lease owner: DESIGN §12 default hostname:pid
    // A claim's lease, and how often it is renewed: an instance that stops is noticed one
    // lease later (its records wait that long), and a heartbeat may be late twice before a live
    // instance loses a lease.
    std::int64_t lease_ms = 30'000;
    std::int64_t heartbeat_ms = 10'000;  // 0: none of its own (tests call heartbeat())
    std::size_t max_batch = 512;
    // The clock leases are measured on (milliseconds since the epoch); tests simulate it.
    std::function<std::int64_t()> now_ms;
  };

  // Connects, migrates the schema (pg_migrations: under an advisory lock; a newer database is
  // refused) and starts the store thread. Throws std::runtime_error saying why.
  explicit PgStore(Options options);
  // Runs what is queued (and what callbacks queue meanwhile), then stops the thread.
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

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
  void recover(std::int64_t now_ms, std::function<void(int count)> done) override;
  void retry(std::vector<std::string> ids, std::optional<Status> by_status, std::int64_t now_ms,
             std::function<void(int count)> done) override;
  void retry_matching(RetryFilter filter, std::int64_t now_ms,
                      std::function<void(int count)> done) override;
  void cache_get(std::string kind, std::string key,
                 std::function<void(std::optional<std::string>)> done) override;
  void cache_put(std::string kind, std::string key, std::string value, std::int64_t now_ms,
                 std::function<void(bool ok)> done) override;
  void prune(std::int64_t delivered_before_ms, int limit,
             std::function<void(int count)> done) override;
  void wake(std::vector<std::string> keys, std::int64_t now_ms,
            std::function<void(int count)> done) override;
  void pws_facts(std::vector<std::string> facilities, std::vector<pws::Window> windows,
                 std::function<void(ReadResult<std::vector<pws::FactRow>>)> done) override;
  void check_writable(std::function<void(bool ok)> done) override;
  bool shares_logins() const override { return true; }
  void login_begin(LoginAsk ask, std::function<void(std::optional<SharedLogin>)> done) override;
  void login_done(LoginDone result, std::function<void(bool ok)> done) override;

  // The heartbeat and reaper now, on the store thread (tests: after moving the clock on).
  void heartbeat(std::function<void(int reaped)> done);

  // Instances whose heartbeat is within a lease, as of this instance's last heartbeat.
  int instances() const override { return instances_.load(); }

 private:
  template <class R>
  void submit(bool write, std::function<R(PgOps&)> body, std::function<void(R)> done,
              std::function<R(const std::string& error)> on_failure);
  void post(std::unique_ptr<PgJob> job);
  void run();
  bool connect(std::string& error);
  void run_batch(std::vector<std::unique_ptr<PgJob>>& jobs);
  int beat();

  Options options_;
  std::unique_ptr<LeaseTokens> tokens_;  // outlives connections (pg_ops.hpp)
  std::unique_ptr<PgConnection> conn_;   // store thread only
  std::unique_ptr<PgOps> ops_;           // likewise
  std::shared_ptr<spdlog::logger> log_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<PgJob>> queue_;
  bool stopping_ = false;
  bool exited_ = false;  // the thread has run its last batch: later work fails at once
  std::atomic<int> instances_{1};
  std::thread thread_;
};

}  // namespace ilp::gateway::store::pg
