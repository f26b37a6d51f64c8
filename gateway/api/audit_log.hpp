#pragma once
// The console's audit log: one JSON line per action (login, failed login, logout, retry,
// retry of all that match a filter, mapping try-out) saying who (the session's handle or
// "token" for a bearer-token caller, and the peer address from the socket), when, what and
// how many. An append-only file beside the store (console-audit.jsonl), each line written
// with O_APPEND and fsynced before the action's answer: it survives crashes, needs no schema
// step, and IT staff read it with tail and jq; the store is for records and is pruned by
// retention, an audit trail is not. Lines never hold record content (no NIK, no names): ids,
// filters, counts. Thread-safe.

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace ilp::gateway::api {

struct AuditEntry {
  std::int64_t at_ms = 0;
  std::string who;     // "session:<handle>", "token", or "-" before a login succeeded
  std::string peer;    // the client address, from the socket
  std::string action;  // login, login_failed, logout, retry, retry_all, try
  std::vector<std::pair<std::string, std::string>> detail;  // ids, filter, outcome
  std::int64_t count = -1;                                  // how many records; -1 = n/a
};

class AuditLog {
 public:
  // `path` empty: entries go nowhere (a store in memory). The file is created 0600.
  explicit AuditLog(std::string path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // False when the line could not be written and synced (logged; the action still happened).
  bool write(const AuditEntry& e);
  // The last `n` lines, oldest first (the console's overview shows them).
  std::vector<std::string> tail(std::size_t n);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::mutex mu_;
  int fd_ = -1;
};

// Where the audit log goes for a store at `sqlite_path`: console-audit.jsonl in its folder.
std::string audit_path_for(const std::string& sqlite_path);

}  // namespace ilp::gateway::api
