#pragma once
// Copies the WAL back into the database file off the writer's path.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold: that commit
// copies the whole WAL into the database file and fsyncs it twice before its callbacks can run,
// a stall every few hundred records at ingest rates. Instead, the writer connection reports each
// commit's WAL size here (install() replaces its automatic checkpoint), and this thread runs
// PASSIVE checkpoints on its own connection, which never block the writer nor the readers.
//
// A passive checkpoint cannot finish while commits keep landing, and SQLite rewinds the WAL only
// after a checkpoint has copied all of it, so under sustained load the WAL would grow without
// bound. When it passes `cap_pages`, the writer therefore checkpoints inline: by then most frames
// are copied already, the rest is short, and its next transaction rewinds the WAL.
//
// Thread-safety: on_commit() runs on the writer's thread (inside its COMMIT), the checkpoints on
// this object's thread; the destructor stops the thread, and must run before the writer's
// connection closes.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/store/sqlite_db.hpp"

namespace spdlog {
class logger;
}

namespace ilp::gateway::store {

class SqliteCheckpointer {
 public:
  struct Limits {
    int threshold_pages = 1000;  // WAL growth that wakes the thread
    int cap_pages = 64000;       // WAL size from which the writer checkpoints itself
  };

  // Opens a read-write connection of its own and starts the thread. Throws std::runtime_error
  // as SqliteDb does.
  SqliteCheckpointer(const std::string& path, int busy_timeout_ms, Limits limits,
                     std::shared_ptr<spdlog::logger> log);
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // Routes `writer`'s commits to on_commit() instead of SQLite's automatic checkpoint. The
  // writer must stop committing (or be uninstalled with sqlite3_wal_hook(…, nullptr, nullptr))
  // before this object is destroyed.
  void install(SqliteDb& writer);

  // Counters since open. Read from any thread.
  std::uint64_t background_checkpoints() const;
  std::uint64_t inline_checkpoints() const;

 private:
  static int wal_hook(void* self, sqlite3* db, const char* schema, int pages);
  void on_commit(sqlite3* writer, int pages);
  void thread_main();

  Limits limits_;
  std::unique_ptr<SqliteDb> db_;  // used only on thread_
  std::shared_ptr<spdlog::logger> log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool running_ = false;  // a checkpoint is under way: commits meanwhile ask for no other
  bool stopping_ = false;
  // The WAL size from which a commit wakes the thread: threshold_pages past where the last
  // checkpoint stopped, or past zero once the WAL was rewound.
  int wake_at_pages_ = 0;
  int last_pages_ = 0;           // WAL size after the previous commit
  std::uint64_t rewinds_ = 0;    // rewinds seen by the writer
  bool inline_failing_ = false;  // the writer's
  std::atomic<std::uint64_t> background_{0};
  std::atomic<std::uint64_t> inline_{0};

  std::thread thread_;  // last: started when everything above exists
};

}  // namespace ilp::gateway::store
