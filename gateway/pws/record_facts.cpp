#include "gateway/pws/record_facts.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

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

std::optional<RecordFacts> decode(std::string_view text) {
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
