#include "gateway/store/sqlite_checkpointer.hpp"

#include <spdlog/spdlog.h>

#ifdef __linux__
#include <pthread.h>
#endif

namespace ilp::gateway::store {

SqliteCheckpointer::SqliteCheckpointer(const std::string& path, int busy_timeout_ms, Limits limits,
                                       std::shared_ptr<spdlog::logger> log)
    : limits_(limits),
      db_(std::make_unique<SqliteDb>(path, busy_timeout_ms)),
      log_(std::move(log)),
      wake_at_pages_(limits.threshold_pages),
      thread_([this] { thread_main(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SqliteCheckpointer::install(SqliteDb& writer) {
  sqlite3_wal_hook(writer.handle(), &SqliteCheckpointer::wal_hook, this);
}

std::uint64_t SqliteCheckpointer::background_checkpoints() const { return background_.load(); }
std::uint64_t SqliteCheckpointer::inline_checkpoints() const { return inline_.load(); }

int SqliteCheckpointer::wal_hook(void* self, sqlite3* db, const char* /*schema*/, int pages) {
  static_cast<SqliteCheckpointer*>(self)->on_commit(db, pages);
  return SQLITE_OK;  // the commit itself succeeded whatever happens here
}

void SqliteCheckpointer::on_commit(sqlite3* writer, int pages) {
  {
    std::lock_guard lock(mu_);
    if (pages < last_pages_) {  // rewound: the count starts over
      ++rewinds_;
      wake_at_pages_ = limits_.threshold_pages;
    }
    last_pages_ = pages;
    if (pages < limits_.cap_pages) {
      if (pages < wake_at_pages_ || wanted_ || running_) return;
      wanted_ = true;
      cv_.notify_one();
      return;
    }
  }
  // SQLITE_BUSY: the background checkpoint holds the lock right now; it is making progress,
  // and the next commit tries again.
  int log_frames = 0;
  int copied = 0;
  const int rc =
      sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
  if (rc == SQLITE_OK) {
    inline_.fetch_add(1);
    inline_failing_ = false;
  } else if (rc != SQLITE_BUSY && !inline_failing_) {
    inline_failing_ = true;  // logged once per failure streak
    log_->warn("checkpoint of a {}-page WAL failed: {}", pages, sqlite_error_text(writer, rc));
  }
}

void SqliteCheckpointer::thread_main() {
#ifdef __linux__
  pthread_setname_np(pthread_self(), "ilp-store-ckpt");
#endif
  bool failing = false;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || wanted_; });
    if (stopping_) return;  // the writer's connection checkpoints as it closes
    wanted_ = false;
    running_ = true;
    const auto rewinds = rewinds_;
    lock.unlock();
    int log_frames = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &log_frames, &copied);
    if (rc == SQLITE_OK) {
      background_.fetch_add(1);
      failing = false;
    } else if (rc != SQLITE_BUSY && !failing) {
      failing = true;  // logged once per failure streak
      log_->warn("background checkpoint failed: {}", sqlite_error_text(db_->handle(), rc));
    }
    lock.lock();
    running_ = false;
    // Even when all was copied, only a transaction begun after that rewinds the WAL (under
    // load, rarely the next one): wait for threshold_pages more, which a checkpoint copies for
    // the same two fsyncs as a few.
    if (rc == SQLITE_OK && rewinds == rewinds_) {
      wake_at_pages_ = log_frames + limits_.threshold_pages;
    }
  }
}

}  // namespace ilp::gateway::store
