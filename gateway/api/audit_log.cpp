#include "gateway/api/audit_log.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>

#include "gateway/api/record_json.hpp"
#include "gateway/util/log.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::api {

std::string audit_path_for(const std::string& sqlite_path) {
  if (sqlite_path.empty() || sqlite_path == ":memory:") return {};
  const auto dir = std::filesystem::path(sqlite_path).parent_path();
  return (dir / "console-audit.jsonl").string();
}

AuditLog::AuditLog(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  std::error_code ec;
  const auto dir = std::filesystem::path(path_).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    logger("admin")->error("cannot open the console audit log {}: {}", path_, std::strerror(errno));
  }
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

bool AuditLog::write(const AuditEntry& e) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("at", rapidjson::Value(iso_utc(e.at_ms).c_str(), a), a);
  d.AddMember("who", rapidjson::Value(e.who.c_str(), a), a);
  d.AddMember("peer", rapidjson::Value(e.peer.c_str(), a), a);
  d.AddMember("action", rapidjson::Value(e.action.c_str(), a), a);
  for (const auto& [k, v] : e.detail) {
    d.AddMember(rapidjson::Value(k.c_str(), a), rapidjson::Value(v.c_str(), a), a);
  }
  if (e.count >= 0) d.AddMember("count", rapidjson::Value(static_cast<std::int64_t>(e.count)), a);
  const auto line = mappers::to_json(d) + "\n";
  std::lock_guard lock(mu_);
  if (fd_ < 0) return path_.empty();
  const bool ok = ::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd_) == 0;
  if (!ok) {
    logger("admin")->error("console audit log {}: write failed: {}", path_, std::strerror(errno));
  }
  return ok;
}

std::vector<std::string> AuditLog::tail(std::size_t n) {
  std::lock_guard lock(mu_);
  std::deque<std::string> last;
  if (path_.empty()) return {};
  std::ifstream in(path_);
  for (std::string line; std::getline(in, line);) {
    last.push_back(std::move(line));
    if (last.size() > n) last.pop_front();
  }
  return {last.begin(), last.end()};
}

}  // namespace ilp::gateway::api
