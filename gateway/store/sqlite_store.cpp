#include "gateway/store/sqlite_store.hpp"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "gateway/store/sqlite_checkpointer.hpp"
#include "gateway/store/sqlite_db.hpp"
#include "gateway/store/sqlite_ops.hpp"
#include "gateway/store/sqlite_schema.hpp"
#include "gateway/util/log.hpp"

#ifdef __linux__
#include <pthread.h>
#endif

namespace ilp::gateway::store {

// One queued operation. run() happens on a store thread inside the transaction the store
// manages and throws on failure; the result waits in the job until the transaction's fate is
// known, then complete() hands it (or the failure value) to the caller's callback.
class SqliteJob {
 public:
  virtual ~SqliteJob() = default;
  virtual void run(SqliteOps& ops) = 0;
  virtual void complete(bool ok, const std::string& error) = 0;

  bool ran_ok = false;
  std::string error;
};

namespace {

template <class R>
class BasicJob final : public SqliteJob {
 public:
  BasicJob(std::function<R(SqliteOps&)> body, std::function<void(R)> done,
           std::function<R(const std::string&)> on_failure)
      : body_(std::move(body)), done_(std::move(done)), on_failure_(std::move(on_failure)) {}

  void run(SqliteOps& ops) override { result_.emplace(body_(ops)); }

  void complete(bool ok, const std::string& error) override {
    if (!done_) return;
    if (ok && result_) {
      done_(std::move(*result_));
    } else {
      done_(on_failure_(error));
    }
  }

 private:
  std::function<R(SqliteOps&)> body_;
  std::function<void(R)> done_;
  std::function<R(const std::string&)> on_failure_;
  std::optional<R> result_;
};

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Transaction control that must not throw while another error is being handled.
void rollback_quietly(SqliteDb& db) {
  if (db.in_transaction()) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

// Bytes an unprivileged writer may still use on the file system holding `path`; nullopt when
// that cannot be told (then only a real commit decides).
std::optional<std::int64_t> free_disk_bytes(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return std::nullopt;
  return static_cast<std::int64_t>(st.f_bavail) * static_cast<std::int64_t>(st.f_frsize);
}

// Bytes the file may still grow by under PRAGMA max_page_count (pages on the freelist count:
// they are reused first). Without a cap this is SQLite's maximum, far above any threshold.
std::int64_t room_under_cap(SqliteDb& db) {
  const auto pragma = [&db](const char* sql) {
    auto q = db.query(sql);
    return q.step() ? q.int64(0) : std::int64_t{0};
  };
  const auto page_size = pragma("PRAGMA page_size");
  const auto free_pages = pragma("PRAGMA max_page_count") - pragma("PRAGMA page_count") +
                          pragma("PRAGMA freelist_count");
  return free_pages * page_size;
}

template <class R>
std::function<R(const std::string&)> fail_with(R value) {
  return [value = std::move(value)](const std::string&) { return value; };
}

}  // namespace

SqliteStore::Lane::Lane(const char* thread_name) : name(thread_name) {}
SqliteStore::Lane::~Lane() = default;

SqliteStore::SqliteStore(Options options) : options_(std::move(options)), log_(logger("store")) {
  options_.max_batch = std::max<std::size_t>(options_.max_batch, 1);
  db_ = std::make_unique<SqliteDb>(options_.path, options_.busy_timeout_ms);
  migrate_schema(*db_, options_.pseudonymizer);
  ops_ = std::make_unique<SqliteOps>(*db_);
  if (options_.max_bytes > 0) {
    try {
      ops_->set_size_limit(options_.max_bytes);
    } catch (const std::exception& e) {
      throw std::runtime_error("store: cannot set the size limit of '" + options_.path +
                               "': " + e.what());
    }
  }
  // After the migration: the other connections find the file in WAL mode with its schema.
  read_db_ = std::make_unique<SqliteDb>(options_.path, options_.busy_timeout_ms,
                                        SqliteDb::Mode::kReadOnly);
  read_ops_ = std::make_unique<SqliteOps>(*read_db_);
  checkpointer_ = std::make_unique<SqliteCheckpointer>(
      options_.path, options_.busy_timeout_ms,
      SqliteCheckpointer::Limits{options_.checkpoint_pages, options_.wal_cap_pages}, log_);
  checkpointer_->install(*db_);
  log_->info("opened {} (schema version {}, batches of up to {} operations)", options_.path,
             kSchemaVersion, options_.max_batch);
  reader_.thread = std::thread([this] { lane_main(reader_, writer_); });
  try {
    writer_.thread = std::thread([this] { lane_main(writer_, reader_); });
  } catch (...) {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    reader_.cv.notify_all();
    reader_.thread.join();
    throw;
  }
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  writer_.cv.notify_all();
  reader_.cv.notify_all();
  if (writer_.thread.joinable()) writer_.thread.join();
  if (reader_.thread.joinable()) reader_.thread.join();
  const auto m = metrics();
  read_ops_.reset();
  read_db_.reset();
  sqlite3_wal_hook(db_->handle(), nullptr, nullptr);
  checkpointer_.reset();
  ops_.reset();
  db_.reset();  // the last connection: checkpoints the whole WAL and removes it
  log_->info(
      "closed {} ({} write transactions for {} operations, {} read snapshots for {}, "
      "{} checkpoints in the background and {} inline)",
      options_.path, m.transactions, m.write_operations, m.read_batches, m.read_operations,
      m.background_checkpoints, m.inline_checkpoints);
}

SqliteStore::Metrics SqliteStore::metrics() const {
  Metrics m;
  m.transactions = transactions_.load();
  m.failed_transactions = failed_transactions_.load();
  m.write_operations = write_operations_.load();
  m.failed_operations = failed_operations_.load();
  m.read_operations = read_operations_.load();
  m.read_batches = read_batches_.load();
  m.items_ingested = items_ingested_.load();
  m.max_operations_per_transaction = max_operations_per_transaction_.load();
  m.background_checkpoints = checkpointer_ ? checkpointer_->background_checkpoints() : 0;
  m.inline_checkpoints = checkpointer_ ? checkpointer_->inline_checkpoints() : 0;
  std::lock_guard lock(mu_);
  m.queue_depth = writer_.queue.size() + reader_.queue.size();
  return m;
}

template <class R>
void SqliteStore::submit(Access access, std::function<R(SqliteOps&)> body,
                         std::function<void(R)> done,
                         std::function<R(const std::string& error)> on_failure) {
  auto job = std::make_unique<BasicJob<R>>(std::move(body), std::move(done), std::move(on_failure));
  post(access, std::move(job));
}

void SqliteStore::post(Access access, std::unique_ptr<SqliteJob> job) {
  Lane& lane = access == Access::kWrite ? writer_ : reader_;
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      lane.queue.push_back(std::move(job));
      if (lane.queue.size() == 1) lane.cv.notify_one();
      return;
    }
  }
  finish(*job, false, "store is closed");
}

// Stopping: a lane ends only when it and the other lane are idle with nothing queued, because a
// callback running on one lane may still queue work for either.
void SqliteStore::lane_main(Lane& lane, Lane& other) {
#ifdef __linux__
  pthread_setname_np(pthread_self(), lane.name);
#endif
  const bool writes = &lane == &writer_;
  std::vector<std::unique_ptr<SqliteJob>> batch;
  std::vector<SqliteJob*> jobs;
  std::unique_lock lock(mu_);
  for (;;) {
    lane.cv.wait(lock, [&] {
      return !lane.queue.empty() || closed_ || (stopping_ && !other.busy && other.queue.empty());
    });
    if (lane.queue.empty()) {
      closed_ = true;  // stopping, and everything queued has run
      other.cv.notify_all();
      return;
    }
    while (!lane.queue.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(lane.queue.front()));
      lane.queue.pop_front();
    }
    lane.busy = true;
    lock.unlock();
    for (auto& job : batch) jobs.push_back(job.get());
    if (writes) {
      run_writes(jobs);
    } else {
      run_reads(jobs);
    }
    jobs.clear();
    batch.clear();
    lock.lock();
    lane.busy = false;
    if (stopping_) other.cv.notify_all();  // it may be waiting for this lane to go idle
  }
}

void SqliteStore::finish(SqliteJob& job, bool ok, const std::string& error) {
  if (!ok) failed_operations_.fetch_add(1);
  try {
    job.complete(ok, error);
  } catch (const std::exception& e) {
    log_->error("a callback threw: {}", e.what());
  } catch (...) {
    log_->error("a callback threw");
  }
}

void SqliteStore::run_reads(const std::vector<SqliteJob*>& jobs) {
  // One read transaction: a consistent snapshot for the batch's reads. It begins (at the first
  // read statement) after every job of the batch was queued, so each sees all writes committed
  // before it was called.
  bool in_txn = true;
  try {
    read_db_->query("BEGIN").run();
  } catch (const std::exception& e) {
    in_txn = false;
    log_->warn("cannot begin a read transaction: {}", e.what());
  }
  for (auto* job : jobs) {
    try {
      if (options_.fail_read && options_.fail_read()) {
        throw std::runtime_error("read failed: simulated I/O error (fault injection)");
      }
      job->run(*read_ops_);
      job->ran_ok = true;
    } catch (const std::exception& e) {
      job->error = e.what();
      log_->warn("read failed: {}", job->error);
    }
  }
  if (in_txn) rollback_quietly(*read_db_);  // nothing to keep: ends the snapshot
  read_operations_.fetch_add(jobs.size());
  read_batches_.fetch_add(1);
  for (auto* job : jobs) finish(*job, job->ran_ok, job->error);
}

void SqliteStore::run_writes(const std::vector<SqliteJob*>& jobs) {
  std::size_t next = 0;
  while (next < jobs.size()) {
    const std::size_t first = next;
    std::string txn_error;
    const auto changes_before = sqlite3_total_changes64(db_->handle());
    try {
      db_->query("BEGIN IMMEDIATE").run();
    } catch (const std::exception& e) {
      txn_error = std::string("cannot begin a transaction: ") + e.what();
      next = jobs.size();
    }
    // Run until the batch ends or an error took the whole transaction with it (I/O, full).
    bool lost = !txn_error.empty();
    for (; !lost && next < jobs.size(); ++next) {
      SqliteJob& job = *jobs[next];
      const auto mark = ops_->savepoint_mark();
      try {
        db_->query("SAVEPOINT job").run();
        job.run(*ops_);
        db_->query("RELEASE job").run();
        job.ran_ok = true;
      } catch (const std::exception& e) {
        job.error = e.what();
        try {
          if (!db_->in_transaction()) throw std::runtime_error("transaction rolled back");
          db_->query("ROLLBACK TO job").run();
          db_->query("RELEASE job").run();
          ops_->rolled_back_to(mark);
        } catch (const std::exception&) {
          lost = true;
          txn_error = "transaction aborted: " + job.error;
        }
      }
    }
    bool committed = false;
    if (!lost) {
      if (options_.fail_commit && options_.fail_commit()) {
        txn_error = "commit failed: simulated I/O error (fault injection)";
      } else {
        try {
          ops_->before_commit();
          db_->query("COMMIT").run();
          committed = true;
        } catch (const std::exception& e) {
          txn_error = std::string("commit failed: ") + e.what();
        }
      }
    }
    if (!committed) {
      rollback_quietly(*db_);
      ops_->rolled_back();
    }
    // For /readyz: only a transaction that wrote something proves that a commit works.
    if (!committed) {
      last_commit_failed_ = true;
    } else if (sqlite3_total_changes64(db_->handle()) != changes_before) {
      last_commit_failed_ = false;
    }

    const std::size_t count = next - first;
    if (committed) {
      transactions_.fetch_add(1);
      write_operations_.fetch_add(count);
      auto max = max_operations_per_transaction_.load();
      while (count > max && !max_operations_per_transaction_.compare_exchange_weak(max, count)) {
      }
    } else {
      failed_transactions_.fetch_add(1);
      log_->error("transaction of {} operation(s) rolled back: {}", count, txn_error);
    }
    for (std::size_t i = first; i < next; ++i) {
      SqliteJob& job = *jobs[i];
      if (committed && !job.ran_ok) log_->warn("operation failed: {}", job.error);
      finish(job, committed && job.ran_ok, committed ? job.error : txn_error);
    }
  }
}

void SqliteStore::ingest(std::vector<IngestItem> items,
                         std::function<void(std::vector<IngestOutcome>)> done) {
  const std::size_t n = items.size();
  auto counted = [this, done = std::move(done)](std::vector<IngestOutcome> out) {
    std::uint64_t durable = 0;
    const IngestOutcome* failed = nullptr;
    std::size_t failures = 0;
    for (const auto& o : out) {
      if (o.kind == IngestOutcome::Kind::kCreated || o.kind == IngestOutcome::Kind::kRevised) {
        ++durable;
      } else if (o.kind == IngestOutcome::Kind::kFailed) {
        failed = failed != nullptr ? failed : &o;
        ++failures;
      }
    }
    items_ingested_.fetch_add(durable);
    // SQLite's messages name tables and constraints, never values.
    if (failed != nullptr) {
      log_->warn("{} of {} ingest item(s) not stored: {}", failures, out.size(), failed->error);
    }
    if (done) done(std::move(out));
  };
  submit<std::vector<IngestOutcome>>(
      Access::kWrite, [items = std::move(items)](SqliteOps& ops) { return ops.ingest(items); },
      std::move(counted),
      [n](const std::string& error) {
        IngestOutcome failed;
        failed.kind = IngestOutcome::Kind::kFailed;
        failed.error = error;
        return std::vector<IngestOutcome>(n, failed);
      });
}

void SqliteStore::get(std::string id, std::function<void(ReadResult<Record>)> done) {
  submit<ReadResult<Record>>(
      Access::kRead,
      [id = std::move(id)](SqliteOps& ops) { return ReadResult<Record>::from(ops.get(id)); },
      std::move(done), &ReadResult<Record>::failed);
}

void SqliteStore::find(std::string facility, std::string kind, std::string record_id,
                       std::function<void(ReadResult<Record>)> done) {
  submit<ReadResult<Record>>(
      Access::kRead,
      [facility = std::move(facility), kind = std::move(kind), record_id = std::move(record_id)](
          SqliteOps& ops) { return ReadResult<Record>::from(ops.find(facility, kind, record_id)); },
      std::move(done), &ReadResult<Record>::failed);
}

void SqliteStore::list(ListQuery q, std::function<void(ReadResult<ListPage>)> done) {
  submit<ReadResult<ListPage>>(
      Access::kRead,
      [q = std::move(q)](SqliteOps& ops) { return ReadResult<ListPage>::found(ops.list(q)); },
      std::move(done), &ReadResult<ListPage>::failed);
}

void SqliteStore::stats(std::function<void(ReadResult<Stats>)> done) {
  submit<ReadResult<Stats>>(
      Access::kRead, [](SqliteOps& ops) { return ReadResult<Stats>::found(ops.stats()); },
      std::move(done), &ReadResult<Stats>::failed);
}

void SqliteStore::pws_facts(std::vector<std::string> facilities, std::vector<pws::Window> windows,
                            std::function<void(ReadResult<std::vector<pws::FactRow>>)> done) {
  using R = ReadResult<std::vector<pws::FactRow>>;
  submit<R>(
      Access::kRead,
      [facilities = std::move(facilities), windows = std::move(windows)](SqliteOps& ops) {
        return R::found(ops.pws_facts(facilities, windows));
      },
      std::move(done), &R::failed);
}

void SqliteStore::claim(std::int64_t now_ms, int limit,
                        std::function<void(std::vector<Record>)> done) {
  submit<std::vector<Record>>(
      Access::kWrite, [now_ms, limit](SqliteOps& ops) { return ops.claim(now_ms, limit); },
      std::move(done), fail_with(std::vector<Record>()));
}

void SqliteStore::complete(Completion c, std::function<void(bool ok)> done) {
  submit<bool>(
      Access::kWrite, [c = std::move(c)](SqliteOps& ops) { return ops.complete(c); },
      std::move(done), fail_with(false));
}

void SqliteStore::complete_and_claim(Completion c, std::int64_t claim_now_ms, int limit,
                                     std::function<void(CompletedAndClaimed)> done) {
  // One job, one savepoint: a failure takes the completion and the claim back together.
  submit<CompletedAndClaimed>(
      Access::kWrite,
      [c = std::move(c), claim_now_ms, limit](SqliteOps& ops) {
        CompletedAndClaimed out;
        out.ok = ops.complete(c);
        if (out.ok) out.claimed = ops.claim(claim_now_ms, limit);
        return out;
      },
      std::move(done), fail_with(CompletedAndClaimed{}));
}

void SqliteStore::recover(std::int64_t now_ms, std::function<void(int count)> done) {
  auto logged = [this, done = std::move(done)](int count) {
    if (count > 0) log_->warn("{} record(s) were being sent at shutdown; retrying", count);
    if (done) done(count);
  };
  submit<int>(
      Access::kWrite, [now_ms](SqliteOps& ops) { return ops.recover(now_ms); }, std::move(logged),
      fail_with(0));
}

void SqliteStore::retry(std::vector<std::string> ids, std::optional<Status> by_status,
                        std::int64_t now_ms, std::function<void(int count)> done) {
  submit<int>(
      Access::kWrite,
      [ids = std::move(ids), by_status, now_ms](SqliteOps& ops) {
        return ops.retry(ids, by_status, now_ms);
      },
      std::move(done), fail_with(0));
}

void SqliteStore::retry_matching(RetryFilter filter, std::int64_t now_ms,
                                 std::function<void(int count)> done) {
  submit<int>(
      Access::kWrite,
      [filter = std::move(filter), now_ms](SqliteOps& ops) {
        return ops.retry_matching(filter, now_ms);
      },
      std::move(done), fail_with(0));
}

void SqliteStore::cache_get(std::string kind, std::string key,
                            std::function<void(std::optional<std::string>)> done) {
  submit<std::optional<std::string>>(
      Access::kRead,
      [kind = std::move(kind), key = std::move(key)](SqliteOps& ops) {
        return ops.cache_get(kind, key);
      },
      std::move(done), fail_with(std::optional<std::string>()));
}

void SqliteStore::cache_put(std::string kind, std::string key, std::string value,
                            std::int64_t now_ms, std::function<void(bool ok)> done) {
  submit<bool>(
      Access::kWrite,
      [kind = std::move(kind), key = std::move(key), value = std::move(value),
       now_ms](SqliteOps& ops) {
        ops.cache_put(kind, key, value, now_ms);
        return true;
      },
      std::move(done), fail_with(false));
}

void SqliteStore::prune(std::int64_t delivered_before_ms, int limit,
                        std::function<void(int count)> done) {
  submit<int>(
      Access::kWrite,
      [delivered_before_ms, limit](SqliteOps& ops) {
        return ops.prune(delivered_before_ms, limit);
      },
      std::move(done), fail_with(0));
}

void SqliteStore::wake(std::vector<std::string> keys, std::int64_t now_ms,
                       std::function<void(int count)> done) {
  submit<int>(
      Access::kWrite,
      [keys = std::move(keys), now_ms](SqliteOps& ops) { return ops.wake(keys, now_ms); },
      std::move(done), fail_with(0));
}

// Answers, on every probe, whether a write committed now would succeed, cheaply. It used to
// upsert a 256 KiB row and commit: once that row existed, the update reused the row's own
// pages and the WAL's (rewound after a checkpoint, never shrunk), so it needed no new byte of
// disk and kept succeeding on a full disk after the first recovery; and it wrote 256 KiB per
// probe. Now three checks, each cheap:
//  1. room on the disk (statvfs) and under max_bytes (three PRAGMAs), at least min_free_bytes:
//     what a batch of records needs, which a small probe write would not find out;
//  2. the outcome of the last write transaction that changed anything: after a rolled-back
//     commit (an I/O error, a lock held too long) the probe does not take the disk's word but
//     writes a few bytes and commits them (with whatever else is in this batch), so readiness
//     comes back by itself when the fault is gone, without waiting for traffic that a balancer
//     does not send to a not-ready gateway;
//  3. otherwise nothing is written: an empty BEGIN IMMEDIATE ... COMMIT still proves the write
//     lock can be taken, and costs no WAL frame and no fsync.
void SqliteStore::check_writable(std::function<void(bool ok)> done) {
  submit<bool>(
      Access::kWrite,
      [this](SqliteOps& ops) {
        const auto need = options_.min_free_bytes;
        if (const auto disk = free_disk_bytes(options_.path); disk && *disk < need) {
          throw std::runtime_error("not writable: " + std::to_string(*disk) +
                                   " bytes free on the store's disk, less than " +
                                   std::to_string(need));
        }
        if (const auto cap = room_under_cap(*db_); cap < need) {
          throw std::runtime_error("not writable: " + std::to_string(cap) +
                                   " bytes left under the size limit, less than " +
                                   std::to_string(need));
        }
        if (last_commit_failed_) ops.probe(wall_ms());
        return true;
      },
      std::move(done), fail_with(false));
}

void SqliteStore::set_size_limit(std::int64_t max_bytes, std::function<void(bool ok)> done) {
  // A setting of the writer's connection, applied in queue order with the writes.
  submit<bool>(
      Access::kWrite,
      [this, max_bytes](SqliteOps& ops) {
        const auto pages = ops.set_size_limit(max_bytes);
        log_->info("size limit set to {} pages", pages);
        return true;
      },
      std::move(done), fail_with(false));
}

}  // namespace ilp::gateway::store
