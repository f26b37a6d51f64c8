#include "gateway/store/pg/pg_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "gateway/store/pg/pg_connection.hpp"
#include "gateway/store/pg/pg_logins.hpp"
#include "gateway/store/pg/pg_migrations.hpp"
#include "gateway/store/pg/pg_ops.hpp"
#include "gateway/store/pg/pg_schema.hpp"
#include "gateway/util/log.hpp"

namespace ilp::gateway::store::pg {

// One queued operation: its body (run on the store thread, may throw), and what to tell the
// caller once its transaction committed or failed.
struct PgJob {
  bool write = false;
  std::function<void(PgOps&)> run;               // computes the result into the job
  std::function<void(const std::string&)> fail;  // sets the failure result instead
  std::function<void()> deliver;                 // calls the caller's callback
};

namespace {

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class T>
std::function<T(const std::string&)> fail_with(T value) {
  return [value = std::move(value)](const std::string&) { return value; };
}

}  // namespace

PgStore::PgStore(Options options)
    : options_(std::move(options)),
      tokens_(std::make_unique<LeaseTokens>()),
      log_(named_logger("store")) {
  if (!options_.now_ms) options_.now_ms = system_ms;
  if (options_.heartbeat_ms < 0 || options_.lease_ms <= options_.heartbeat_ms) {
    throw std::runtime_error("PostgreSQL store: the lease must be longer than the heartbeat");
  }
  std::string error;
  if (!connect(error)) throw std::runtime_error("PostgreSQL store: " + error);
  const auto m = migrate(*conn_, store_migrations());
  if (m.kind != MigrationOutcome::Kind::kUpToDate) {
    throw std::runtime_error("PostgreSQL store: " + m.error);
  }
  thread_ = std::thread([this] { run(); });
}

PgStore::~PgStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool PgStore::connect(std::string& error) {
  ops_.reset();
  conn_ = PgConnection::connect(options_.conninfo, error);
  if (!conn_) return false;
  ops_ = std::make_unique<PgOps>(*conn_, options_.instance_id, options_.lease_ms, *tokens_);
  return true;
}

void PgStore::post(std::unique_ptr<PgJob> job) {
  {
    // Until the thread has run everything: a callback run while the store stops may still
    // queue what follows from it (a read after a write), as on SQLite.
    std::lock_guard lock(mu_);
    if (!exited_) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job->fail("the store is shutting down");
  job->deliver();
}

template <class R>
void PgStore::submit(bool write, std::function<R(PgOps&)> body, std::function<void(R)> done,
                     std::function<R(const std::string& error)> on_failure) {
  auto job = std::make_unique<PgJob>();
  auto result = std::make_shared<std::optional<R>>();
  job->write = write;
  job->run = [body = std::move(body), result](PgOps& ops) { *result = body(ops); };
  job->fail = [on_failure = std::move(on_failure), result](const std::string& e) {
    *result = on_failure(e);
  };
  job->deliver = [done = std::move(done), result] {
    if (done) done(std::move(**result));
  };
  post(std::move(job));
}

void PgStore::run() {
  auto next_beat = std::chrono::steady_clock::now();
  for (;;) {
    std::vector<std::unique_ptr<PgJob>> jobs;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_beat, [this] { return stopping_ || !queue_.empty(); });
      while (!queue_.empty() && jobs.size() < options_.max_batch) {
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (jobs.empty() && stopping_) {
        exited_ = true;
        return;
      }
    }
    if (std::chrono::steady_clock::now() >= next_beat) {
      if (options_.heartbeat_ms > 0) beat();
      next_beat =
          std::chrono::steady_clock::now() +
          std::chrono::milliseconds(options_.heartbeat_ms > 0 ? options_.heartbeat_ms : 3'600'000);
    }
    if (!jobs.empty()) run_batch(jobs);
  }
}

int PgStore::beat() {
  std::string error;
  if ((!conn_ || conn_->broken()) && !connect(error)) {
    log_->error("PostgreSQL store: heartbeat cannot connect: {}", error);
    return 0;
  }
  try {
    ops_->must("BEGIN");
    const auto now = options_.now_ms();
    instances_ = std::max(1, ops_->renew(now));
    const int reaped = ops_->reap(now);
    ops_->must("COMMIT");
    if (reaped > 0) log_->warn("{} attempt(s) lost their lease; retrying", reaped);
    return reaped;
  } catch (const std::exception& e) {
    conn_->exec("ROLLBACK");
    log_->error("PostgreSQL store: heartbeat failed: {}", e.what());
    return 0;
  }
}

void PgStore::run_batch(std::vector<std::unique_ptr<PgJob>>& jobs) {
  std::string error;
  if ((!conn_ || conn_->broken()) && !connect(error)) {
    for (auto& j : jobs) j->fail("cannot connect to PostgreSQL: " + error);
    for (auto& j : jobs) j->deliver();
    return;
  }
  // Writes: one transaction, a savepoint each.
  std::vector<PgJob*> writes, reads;
  for (auto& j : jobs) (j->write ? writes : reads).push_back(j.get());
  if (!writes.empty()) {
    std::string lost;
    try {
      ops_->must("BEGIN");
      for (auto* j : writes) {
        ops_->must("SAVEPOINT op");
        try {
          j->run(*ops_);
          ops_->must("RELEASE SAVEPOINT op");
        } catch (const PgError& e) {
          if (is_connection_lost(e.sqlstate())) throw;
          ops_->must("ROLLBACK TO SAVEPOINT op");
          ops_->must("RELEASE SAVEPOINT op");
          log_->warn("PostgreSQL store: a write failed: {}", e.what());
          j->fail(e.what());
        } catch (const std::exception& e) {
          ops_->must("ROLLBACK TO SAVEPOINT op");
          ops_->must("RELEASE SAVEPOINT op");
          log_->warn("PostgreSQL store: a write failed: {}", e.what());
          j->fail(e.what());
        }
      }
      ops_->must("COMMIT");
      ops_->keep_committed();
    } catch (const std::exception& e) {
      lost = e.what();
    }
    if (!lost.empty()) {
      // Nothing of the transaction stands: every write of it fails, none half-written.
      conn_->exec("ROLLBACK");
      ops_->forget_uncommitted();
      log_->error("PostgreSQL store: transaction of {} write(s) failed: {}", writes.size(), lost);
      for (auto* j : writes) j->fail(lost);
    }
    for (auto* j : writes) j->deliver();
  }
  for (auto* j : reads) {
    try {
      j->run(*ops_);
    } catch (const std::exception& e) {
      j->fail(e.what());
    }
    j->deliver();
  }
}

void PgStore::ingest(std::vector<IngestItem> items,
                     std::function<void(std::vector<IngestOutcome>)> done) {
  const std::size_t n = items.size();
  auto logged = [this, done = std::move(done)](std::vector<IngestOutcome> out) {
    std::size_t failures = 0;
    const IngestOutcome* failed = nullptr;
    for (const auto& o : out) {
      if (o.kind != IngestOutcome::Kind::kFailed) continue;
      failed = failed != nullptr ? failed : &o;
      ++failures;
    }
    // PostgreSQL's primary messages name constraints, never values (pg_connection.cpp).
    if (failed != nullptr) {
      log_->warn("{} of {} ingest item(s) not stored: {}", failures, out.size(), failed->error);
    }
    if (done) done(std::move(out));
  };
  submit<std::vector<IngestOutcome>>(
      true, [items = std::move(items)](PgOps& ops) { return ops.ingest(items); }, std::move(logged),
      [n](const std::string& error) {
        IngestOutcome o;
        o.kind = IngestOutcome::Kind::kFailed;
        o.error = error;
        return std::vector<IngestOutcome>(n, o);
      });
}

void PgStore::get(std::string id, std::function<void(ReadResult<Record>)> done) {
  submit<ReadResult<Record>>(
      false, [id = std::move(id)](PgOps& ops) { return ReadResult<Record>::from(ops.get(id)); },
      std::move(done), &ReadResult<Record>::failed);
}

void PgStore::find(std::string facility, std::string kind, std::string record_id,
                   std::function<void(ReadResult<Record>)> done) {
  submit<ReadResult<Record>>(
      false,
      [facility = std::move(facility), kind = std::move(kind), record_id = std::move(record_id)](
          PgOps& ops) { return ReadResult<Record>::from(ops.find(facility, kind, record_id)); },
      std::move(done), &ReadResult<Record>::failed);
}

void PgStore::list(ListQuery q, std::function<void(ReadResult<ListPage>)> done) {
  submit<ReadResult<ListPage>>(
      false, [q = std::move(q)](PgOps& ops) { return ReadResult<ListPage>::found(ops.list(q)); },
      std::move(done), &ReadResult<ListPage>::failed);
}

void PgStore::stats(std::function<void(ReadResult<Stats>)> done) {
  submit<ReadResult<Stats>>(
      false, [](PgOps& ops) { return ReadResult<Stats>::found(ops.stats()); }, std::move(done),
      &ReadResult<Stats>::failed);
}

void PgStore::pws_facts(std::vector<std::string> facilities, std::vector<pws::Window> windows,
                        std::function<void(ReadResult<std::vector<pws::FactRow>>)> done) {
  using R = ReadResult<std::vector<pws::FactRow>>;
  submit<R>(
      false,
      [facilities = std::move(facilities), windows = std::move(windows)](PgOps& ops) {
        return R::found(ops.pws_facts(facilities, windows));
      },
      std::move(done), &R::failed);
}

void PgStore::claim(std::int64_t now_ms, int limit, std::function<void(std::vector<Record>)> done) {
  submit<std::vector<Record>>(
      true, [now_ms, limit](PgOps& ops) { return ops.claim(now_ms, limit); }, std::move(done),
      fail_with(std::vector<Record>()));
}

void PgStore::complete(Completion c, std::function<void(bool ok)> done) {
  auto id = c.id;
  submit<bool>(
      true, [c = std::move(c)](PgOps& ops) { return ops.complete(c); }, std::move(done),
      [this, id = std::move(id)](const std::string&) {
        // Not stored: a retry may still complete it; if none does, the lease runs out.
        tokens_->stop_renewing(id);
        return false;
      });
}

void PgStore::recover(std::int64_t now_ms, std::function<void(int count)> done) {
  submit<int>(
      true, [now_ms](PgOps& ops) { return ops.reap(now_ms); }, std::move(done), fail_with(0));
}

void PgStore::heartbeat(std::function<void(int reaped)> done) {
  submit<int>(
      true,
      [this](PgOps& ops) {
        const auto now = options_.now_ms();
        instances_ = std::max(1, ops.renew(now));
        return ops.reap(now);
      },
      std::move(done), fail_with(0));
}

void PgStore::retry(std::vector<std::string> ids, std::optional<Status> by_status,
                    std::int64_t now_ms, std::function<void(int count)> done) {
  submit<int>(
      true,
      [ids = std::move(ids), by_status, now_ms](PgOps& ops) {
        return ops.retry(ids, by_status, now_ms);
      },
      std::move(done), fail_with(0));
}

void PgStore::retry_matching(RetryFilter filter, std::int64_t now_ms,
                             std::function<void(int count)> done) {
  submit<int>(
      true,
      [filter = std::move(filter), now_ms](PgOps& ops) {
        return ops.retry_matching(filter, now_ms);
      },
      std::move(done), fail_with(0));
}

void PgStore::cache_get(std::string kind, std::string key,
                        std::function<void(std::optional<std::string>)> done) {
  submit<std::optional<std::string>>(
      false,
      [kind = std::move(kind), key = std::move(key)](PgOps& ops) {
        return ops.cache_get(kind, key);
      },
      std::move(done), fail_with(std::optional<std::string>()));
}

void PgStore::cache_put(std::string kind, std::string key, std::string value, std::int64_t now_ms,
                        std::function<void(bool ok)> done) {
  submit<bool>(
      true,
      [kind = std::move(kind), key = std::move(key), value = std::move(value), now_ms](PgOps& ops) {
        ops.cache_put(kind, key, value, now_ms);
        return true;
      },
      std::move(done), fail_with(false));
}

void PgStore::prune(std::int64_t delivered_before_ms, int limit,
                    std::function<void(int count)> done) {
  submit<int>(
      true,
      [delivered_before_ms, limit](PgOps& ops) { return ops.prune(delivered_before_ms, limit); },
      std::move(done), fail_with(0));
}

void PgStore::wake(std::vector<std::string> keys, std::int64_t now_ms,
                   std::function<void(int count)> done) {
  submit<int>(
      true, [keys = std::move(keys), now_ms](PgOps& ops) { return ops.wake(keys, now_ms); },
      std::move(done), fail_with(0));
}

void PgStore::check_writable(std::function<void(bool ok)> done) {
  // A committed write says it all: the server is up, this connection works, the disk takes it.
  submit<bool>(
      true,
      [this](PgOps& ops) {
        ops.probe(options_.now_ms());
        return true;
      },
      std::move(done), fail_with(false));
}

void PgStore::login_begin(LoginAsk ask, std::function<void(std::optional<SharedLogin>)> done) {
  submit<std::optional<SharedLogin>>(
      true,
      [this, ask = std::move(ask)](PgOps& ops) {
        return std::optional<SharedLogin>(pg::login_begin(ops, options_.instance_id, ask));
      },
      std::move(done), fail_with(std::optional<SharedLogin>()));
}

void PgStore::login_done(LoginDone result, std::function<void(bool ok)> done) {
  submit<bool>(
      true,
      [this, result = std::move(result)](PgOps& ops) {
        pg::login_done(ops, options_.instance_id, result);
        return true;
      },
      std::move(done), fail_with(false));
}

}  // namespace ilp::gateway::store::pg
