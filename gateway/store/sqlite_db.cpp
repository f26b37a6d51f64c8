#include "gateway/store/sqlite_db.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "gateway/util/log.hpp"

namespace ilp::gateway::store {
namespace {

// The store holds patient data: only the gateway's user may read it, whatever the umask.
// SQLite gives the -wal and -shm files it creates the database file's mode, so creating that
// file 0600 first covers all three; files an older gateway made under a loose umask are
// tightened here, before SQLite opens them.
void secure_files(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string p = path + suffix;
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0) continue;
    if (::chmod(p.c_str(), st.st_mode & 0700) == 0) {
      logger("store")->warn("{} was readable by other users (mode {:o}); now {:o}", p,
                            st.st_mode & 0777, st.st_mode & 0700);
    } else {
      logger("store")->warn("{} is readable by other users (mode {:o}) and cannot be changed: {}",
                            p, st.st_mode & 0777, std::strerror(errno));
    }
  }
  // O_EXCL: never open (and close) a file this process may already hold open through another
  // connection, since closing any descriptor of a file drops every POSIX lock the process has
  // on it, SQLite's included. A file that exists was handled above.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);  // else it exists, or SQLite's open reports why
}

}  // namespace

std::string sqlite_error_text(sqlite3* db, int rc) {
  std::string text = sqlite3_errstr(rc);
  text += " (" + std::to_string(rc) + ")";
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    const char* msg = sqlite3_errmsg(db);
    if (msg != nullptr && text.find(msg) == std::string::npos) {
      text += ": ";
      text += msg;
    }
  }
  return text;
}

SqliteStatement::SqliteStatement(sqlite3* db, std::string_view sql) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    throw SqliteError(rc, "prepare failed: " + sqlite_error_text(db, rc));
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteQuery::~SqliteQuery() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteQuery::check(int rc, const char* what) const {
  if (rc == SQLITE_OK) return;
  sqlite3* db = sqlite3_db_handle(stmt_);
  throw SqliteError(rc, std::string(what) + " failed: " + sqlite_error_text(db, rc));
}

SqliteQuery& SqliteQuery::bind(int index, std::string_view v) {
  check(sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC),
        "bind");
  return *this;
}

SqliteQuery& SqliteQuery::bind(int index, std::int64_t v) {
  check(sqlite3_bind_int64(stmt_, index, v), "bind");
  return *this;
}

SqliteQuery& SqliteQuery::bind(int index, std::optional<std::int64_t> v) {
  return v ? bind(index, *v) : bind_null(index);
}

SqliteQuery& SqliteQuery::bind_null(int index) {
  check(sqlite3_bind_null(stmt_, index), "bind");
  return *this;
}

bool SqliteQuery::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // With the v2+ interfaces sqlite3_step returns the specific (extended) code directly.
  sqlite3* db = sqlite3_db_handle(stmt_);
  throw SqliteError(rc, "step failed: " + sqlite_error_text(db, rc));
}

void SqliteQuery::run() {
  while (step()) {
  }
}

bool SqliteQuery::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::int64_t SqliteQuery::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string SqliteQuery::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

std::optional<std::int64_t> SqliteQuery::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

SqliteDb::SqliteDb(const std::string& path, int busy_timeout_ms, Mode mode) : path_(path) {
  const auto fail = [&](const std::string& why) {
    throw std::runtime_error("store: cannot open SQLite database '" + path + "': " + why);
  };
  if (path.empty()) fail("no path configured");
  const bool read_only = mode == Mode::kReadOnly;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !read_only) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) fail("cannot create folder '" + parent.string() + "': " + ec.message());
  }
  if (!read_only && path != ":memory:") secure_files(path);
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = sqlite_error_text(db_, rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    fail(why);
  }
  sqlite3_extended_result_codes(db_, 1);
  try {
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    // journal_mode answers with the mode in effect; reading it also proves the file is a
    // database ("file is not a database" surfaces here, at startup). A read-only connection
    // only reads it: the writer has switched the file to WAL, which is what lets it read
    // while the writer writes.
    std::string mode_name;
    {
      auto q = query(read_only ? "PRAGMA journal_mode" : "PRAGMA journal_mode=WAL");
      if (q.step()) mode_name = q.text(0);
    }
    clear_statements();
    if (mode_name != "wal") fail("cannot switch to WAL journal mode (got '" + mode_name + "')");
    if (!read_only) {
      exec("PRAGMA synchronous=FULL");
      exec("PRAGMA foreign_keys=ON");
      // Statement and savepoint journals in memory. Each write of a group commit runs in a
      // savepoint and most statements keep a statement journal, holding a copy of every page
      // the batch had already changed; past 64 KiB SQLite spills that to a temporary file,
      // measured at about 30 µs per ingested record, a third of the writer's statement time.
      exec("PRAGMA temp_store=MEMORY");
      // A 64 MiB page cache for the writer instead of SQLite's 2 MB. Every delivered record
      // writes PWS rows at keys that do not arrive in order (its person, its record, its fact);
      // once those B-trees outgrow the cache each write first reads its page back from the
      // file: tests/bench/pws_bench, 50,000 delivered records, 6.1 page reads per completion
      // with 2 MB, 0.02 with 64 MiB, and PWS' added cost 20 µs -> 12 µs. The memory is taken
      // only as the store is used (RSS grows to it on a store of a few hundred thousand
      // records), and it is the writer's alone: readers keep the default.
      exec("PRAGMA cache_size=-65536");
    }
  } catch (const SqliteError& e) {
    clear_statements();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    fail(e.what());
  } catch (...) {
    clear_statements();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteDb::~SqliteDb() {
  statements_.clear();
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

SqliteStatement& SqliteDb::statement(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return *it->second;
  auto stmt = std::make_unique<SqliteStatement>(db_, sql);
  auto& ref = *stmt;
  statements_.emplace(std::string(sql), std::move(stmt));
  return ref;
}

void SqliteDb::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string text = sqlite3_errstr(rc);
    text += " (" + std::to_string(rc) + ")";
    if (err != nullptr) {
      text += ": ";
      text += err;
      sqlite3_free(err);
    }
    throw SqliteError(rc, text);
  }
}

}  // namespace ilp::gateway::store
