#include "gateway/api/list_query.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ilp::gateway::api {
namespace {

// Decimal digits only: no sign, no spaces, no trailing text (std::stoi took "5abc" as 5).
template <class Int>
std::optional<Int> whole_number(std::string_view s) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
  Int v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view value_of(const std::map<std::string, std::string>& query, const char* name) {
  const auto it = query.find(name);
  return it == query.end() ? std::string_view{} : std::string_view(it->second);
}

std::string known_statuses() {
  std::string out;
  for (auto s : store::kAllStatuses) {
    if (!out.empty()) out += ", ";
    out += store::to_string(s);
  }
  return out;
}

}  // namespace

std::variant<store::ListQuery, QueryProblem> parse_list_query(
    const std::map<std::string, std::string>& query) {
  store::ListQuery q;
  q.facility = std::string(value_of(query, "facility"));
  q.kind = std::string(value_of(query, "kind"));
  if (const auto s = value_of(query, "status"); !s.empty()) {
    q.status = store::status_from_string(s);
    if (!q.status) {
      const std::string v(s);
      return QueryProblem{
          "status",
          {"Status tidak dikenal: " + v + ". Pilih salah satu: " + known_statuses() + ".",
           "Unknown status: " + v + ". Use one of: " + known_statuses() + "."}};
    }
  }
  if (const auto s = value_of(query, "limit"); !s.empty()) {
    const auto limit = whole_number<int>(s);
    if (!limit || *limit < 1 || *limit > kMaxListLimit) {
      const auto max = std::to_string(kMaxListLimit);
      return QueryProblem{"limit",
                          {"limit harus bilangan bulat 1 sampai " + max + ".",
                           "limit must be a whole number from 1 to " + max + "."}};
    }
    q.limit = *limit;
  }
  if (const auto s = value_of(query, "since"); !s.empty()) {
    const auto since = whole_number<std::int64_t>(s);
    if (!since) {
      return QueryProblem{"since",
                          {"since harus waktu dalam milidetik sejak epoch (bilangan bulat).",
                           "since must be epoch milliseconds (a whole number)."}};
    }
    q.since_ms = *since;
  }
  if (const auto s = value_of(query, "until"); !s.empty()) {
    const auto until = whole_number<std::int64_t>(s);
    if (!until) {
      return QueryProblem{"until",
                          {"until harus waktu dalam milidetik sejak epoch (bilangan bulat).",
                           "until must be epoch milliseconds (a whole number)."}};
    }
    q.until_ms = *until;
  }
  if (const auto s = value_of(query, "record_id"); !s.empty()) {
    if (s.size() > kMaxRecordIdLength) {
      const auto max = std::to_string(kMaxRecordIdLength);
      return QueryProblem{"record_id",
                          {"record_id paling panjang " + max + " karakter.",
                           "record_id is at most " + max + " characters long."}};
    }
    q.record_id = std::string(s);
  }
  if (const auto s = value_of(query, "cursor"); !s.empty()) {
    if (!store::is_list_cursor(s)) {
      return QueryProblem{"cursor",
                          {"cursor tidak valid: gunakan next_cursor dari halaman sebelumnya apa "
                           "adanya.",
                           "Invalid cursor: pass the previous page's next_cursor unchanged."}};
    }
    q.cursor = std::string(s);
  }
  return q;
}

}  // namespace ilp::gateway::api
