#pragma once
// A thin RAII layer over one SQLite connection: prepared-statement cache, typed binding, errors
// as exceptions. Used only inside the store's own thread (SqliteStore); exceptions never leave
// that thread.

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ilp::gateway::store {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // extended result code

 private:
  int code_;
};

// One prepared statement, prepared once (SQLITE_PREPARE_PERSISTENT) and reused.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One use of a cached statement. Bound text is NOT copied (SQLITE_STATIC): it must outlive the
// query object. The destructor resets the statement and clears its bindings, so a statement
// never holds a read snapshot or a dangling pointer after its scope.
class SqliteQuery {
 public:
  explicit SqliteQuery(SqliteStatement& s) : stmt_(s.get()) {}
  ~SqliteQuery();
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;

  SqliteQuery& bind(int index, std::string_view v);
  SqliteQuery& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  SqliteQuery& bind(int index, std::int64_t v);
  SqliteQuery& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
  SqliteQuery& bind(int index, std::optional<std::int64_t> v);
  SqliteQuery& bind_null(int index);

  // Binds the arguments to parameters 1..n.
  template <class... Args>
  SqliteQuery& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  bool step();  // true: a row is available; false: done. Throws SqliteError.
  void run();   // steps a statement that returns no rows

  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  int int32(int col) const { return static_cast<int>(int64(col)); }
  std::string text(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;

 private:
  void check(int rc, const char* what) const;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  enum class Mode {
    kReadWrite,  // creates the file and its parent folders; WAL, synchronous=FULL, foreign keys
    kReadOnly,   // an existing WAL database (the writer created it); SQLITE_OPEN_READONLY
  };

  // Opens and configures the connection (see Mode; both set the busy timeout). Throws
  // std::runtime_error naming the path.
  SqliteDb(const std::string& path, int busy_timeout_ms, Mode mode = Mode::kReadWrite);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // The cached statement for `sql`, prepared on first use.
  SqliteStatement& statement(std::string_view sql);
  SqliteQuery query(std::string_view sql) { return SqliteQuery(statement(sql)); }
  // Runs SQL without caching (schema, pragmas, transaction control). Throws SqliteError.
  void exec(const char* sql);

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Drops the cached statements (before schema changes or close).
  void clear_statements() { statements_.clear(); }

 private:
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::string path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>, SqlHash, std::equal_to<>>
      statements_;
};

// "SQLITE_FULL (13): database or disk is full" style text for logs and IngestOutcome::error.
std::string sqlite_error_text(sqlite3* db, int rc);

}  // namespace ilp::gateway::store
