#pragma once
// One libpq connection (Debian libpq-dev 15), blocking, for the PostgreSQL store's own thread
// (as the SQLite store runs its database on one thread): the I/O threads never call it.
// Every statement is parameterised (PQexecParams, text format); errors come back as values with
// their SQLSTATE, never as exceptions, so the store can tell "conflict" from "failed".

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ilp::gateway::store::pg {

// A finished statement: rows on success, or the server's SQLSTATE and message.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r);

  bool ok() const { return ok_; }
  const std::string& sqlstate() const { return sqlstate_; }  // "40P01", "57P01", …; "" when ok
  const std::string& error() const { return error_; }        // no parameter values in it
  int rows() const;
  int columns() const;
  bool is_null(int row, int col) const;
  std::string_view text(int row, int col) const;  // "" for NULL
  std::optional<long long> integer(int row, int col) const;

 private:
  struct Free {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Free> res_;
  bool ok_ = false;
  std::string sqlstate_;
  std::string error_;
};

class PgConnection {
 public:
  // `conninfo`: a libpq connection string or URI ("host=/run/pg dbname=ilp", "postgresql://…").
  // nullopt with `error` set when the server cannot be reached or refuses the login.
  static std::unique_ptr<PgConnection> connect(const std::string& conninfo, std::string& error);
  ~PgConnection();

  // One or more statements without parameters (schema scripts, BEGIN/COMMIT): the result of the
  // last, or the first error.
  PgResult exec(std::string_view sql);
  // One statement, $1, $2, … bound to `params` (nullopt = NULL), all as text.
  PgResult exec(std::string_view sql, const std::vector<std::optional<std::string>>& params);

  // The connection broke (the server restarted, pg_terminate_backend): the caller reconnects.
  bool broken() const;
  int backend_pid() const;

 private:
  explicit PgConnection(PGconn* c) : conn_(c) {}
  PGconn* conn_;
};

// The SQLSTATE classes the store acts on.
bool is_serialization_failure(std::string_view sqlstate);  // 40001, 40P01: retry the transaction
bool is_connection_lost(std::string_view sqlstate);        // 08xxx, 57P01…57P03

}  // namespace ilp::gateway::store::pg
