#include "gateway/pws/record_facts.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace ilp::gateway::pws {

std::string encode(const RecordFacts& f) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("d");
  w.Int(f.day);
  if (!f.address_village.empty()) {
    w.Key("a");
    w.String(f.address_village.data(), static_cast<rapidjson::SizeType>(f.address_village.size()));
  }
  if (!f.location_village.empty()) {
    w.Key("l");
    w.String(f.location_village.data(),
             static_cast<rapidjson::SizeType>(f.location_village.size()));
  }
  w.Key("e");
  w.StartArray();
  for (const auto& e : f.events) {
    w.StartArray();
    w.Int(static_cast<int>(e.event));
    w.Int64(e.value);
    w.String(e.episode.data(), static_cast<rapidjson::SizeType>(e.episode.size()));
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

namespace {

// The form encode() writes, read without building a DOM: decode() runs once per delivered
// record, inside the delivery's transaction. Anything else (escapes in a string, spaces, keys in
// another order) returns nullopt and is read by the general parser below.
class FastReader {
 public:
  explicit FastReader(std::string_view t) : t_(t) {}
  std::optional<RecordFacts> read() {
    RecordFacts f;
    if (!lit("{\"d\":") || !integer(f.day)) return std::nullopt;
    if (lit(",\"a\":") && !string(f.address_village)) return std::nullopt;
    if (lit(",\"l\":") && !string(f.location_village)) return std::nullopt;
    if (!lit(",\"e\":[")) return std::nullopt;
    while (!lit("]")) {
      if (!f.events.empty() && !lit(",")) return std::nullopt;
      int event = 0;
      FactEvent e;
      if (!lit("[") || !integer(event) || !is_event(event) || !lit(",") || !integer(e.value) ||
          !lit(",") || !string(e.episode) || !lit("]")) {
        return std::nullopt;
      }
      e.event = static_cast<Event>(event);
      f.events.push_back(std::move(e));
    }
    if (!lit("}") || i_ != t_.size()) return std::nullopt;
    return f;
  }

 private:
  bool lit(std::string_view s) {
    if (t_.substr(i_, s.size()) != s) return false;
    i_ += s.size();
    return true;
  }
  template <class Int>
  bool integer(Int& out) {
    const bool negative = lit("-");
    const std::size_t start = i_;
    std::int64_t v = 0;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9' && i_ - start < 18) {
      v = v * 10 + (t_[i_++] - '0');
    }
    if (i_ == start || (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9')) return false;
    v = negative ? -v : v;
    if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max()) return false;
    out = static_cast<Int>(v);
    return true;
  }
  bool string(std::string& out) {
    if (!lit("\"")) return false;
    const auto end = t_.find('"', i_);
    if (end == std::string_view::npos) return false;
    const auto s = t_.substr(i_, end - i_);
    for (const char c : s) {
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
    }
    out.assign(s);
    i_ = end + 1;
    return true;
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<RecordFacts> decode(std::string_view text) {
  if (auto fast = FastReader(text).read()) return fast;
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  RecordFacts f;
  const auto day = d.FindMember("d");
  const auto events = d.FindMember("e");
  if (day == d.MemberEnd() || !day->value.IsInt() || events == d.MemberEnd() ||
      !events->value.IsArray()) {
    return std::nullopt;
  }
  f.day = day->value.GetInt();
  for (const char* key : {"a", "l"}) {
    const auto m = d.FindMember(key);
    if (m == d.MemberEnd()) continue;
    if (!m->value.IsString()) return std::nullopt;
    (key[0] == 'a' ? f.address_village : f.location_village) = m->value.GetString();
  }
  for (const auto& e : events->value.GetArray()) {
    if (!e.IsArray() || e.Size() != 3 || !e[0].IsInt() || !is_event(e[0].GetInt()) ||
        !e[1].IsInt64() || !e[2].IsString()) {
      return std::nullopt;
    }
    f.events.push_back({static_cast<Event>(e[0].GetInt()), e[1].GetInt64(), e[2].GetString()});
  }
  return f;
}

int day_number(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                        std::chrono::day(day)};
  return static_cast<int>(std::chrono::sys_days(ymd).time_since_epoch().count());
}

CivilDate civil(int day_number) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day_number))};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day())};
}

}  // namespace ilp::gateway::pws
