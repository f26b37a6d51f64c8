#include "gateway/store/pg/pg_connection.hpp"

#include <charconv>

namespace ilp::gateway::store::pg {
namespace {

std::string trimmed(const char* s) {
  std::string out = s != nullptr ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

PgResult::PgResult(PGresult* r) : res_(r) {
  const auto status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  ok_ = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  if (ok_) return;
  if (r == nullptr) {
    error_ = "no result (out of memory or connection lost)";
    sqlstate_ = "08006";
    return;
  }
  // The primary message only: the detail line can quote a row's values.
  error_ = trimmed(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
  if (error_.empty()) error_ = trimmed(PQresultErrorMessage(r));
  sqlstate_ = trimmed(PQresultErrorField(r, PG_DIAG_SQLSTATE));
  if (sqlstate_.empty()) sqlstate_ = "08006";  // libpq's own failure: the connection is gone
}

int PgResult::rows() const { return res_ ? PQntuples(res_.get()) : 0; }
int PgResult::columns() const { return res_ ? PQnfields(res_.get()) : 0; }

bool PgResult::is_null(int row, int col) const {
  return !res_ || row >= rows() || col >= columns() || PQgetisnull(res_.get(), row, col) != 0;
}

std::string_view PgResult::text(int row, int col) const {
  if (is_null(row, col)) return {};
  return {PQgetvalue(res_.get(), row, col),
          static_cast<std::size_t>(PQgetlength(res_.get(), row, col))};
}

std::optional<long long> PgResult::integer(int row, int col) const {
  const auto t = text(row, col);
  long long v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return v;
}

std::unique_ptr<PgConnection> PgConnection::connect(const std::string& conninfo,
                                                    std::string& error) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
    error = c != nullptr ? trimmed(PQerrorMessage(c)) : "out of memory";
    if (c != nullptr) PQfinish(c);
    return nullptr;
  }
  // Server notices ("relation … already exists, skipping") would go to stderr unasked.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(c));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

// Without parameters: PQexec, which also takes several statements (a migration's script).
PgResult PgConnection::exec(std::string_view sql) {
  const std::string text(sql);
  return PgResult(PQexec(conn_, text.c_str()));
}

PgResult PgConnection::exec(std::string_view sql,
                            const std::vector<std::optional<std::string>>& params) {
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return PgResult(PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
}

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }
int PgConnection::backend_pid() const { return PQbackendPID(conn_); }

bool is_serialization_failure(std::string_view s) { return s == "40001" || s == "40P01"; }

bool is_connection_lost(std::string_view s) {
  return s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03";
}

}  // namespace ilp::gateway::store::pg
