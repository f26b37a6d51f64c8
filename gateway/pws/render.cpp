#include "gateway/pws/render.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace ilp::gateway::pws {
namespace {

std::string_view label(const IndicatorInfo& i, mappers::Lang lang) {
  return lang == mappers::Lang::kEn ? i.label_en : i.label_id;
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string csv_cell(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string to_json(const Report& r, mappers::Lang lang) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  const auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("month");
  str(r.month.text());
  w.Key("villages");
  w.StartArray();
  for (const auto& v : r.villages) {
    w.StartObject();
    w.Key("village_code");
    if (v.village_code.empty()) {
      w.Null();
    } else {
      str(v.village_code);
    }
    w.Key("village_name");
    if (v.village_name) {
      str(*v.village_name);
    } else {
      w.Null();
    }
    w.Key("indicators");
    w.StartArray();
    for (const auto& i : v.indicators) {
      const auto& def = info(i.indicator);
      w.StartObject();
      w.Key("id");
      str(def.id);
      w.Key("label");
      str(label(def, lang));
      w.Key("month");
      w.Int64(i.month);
      w.Key("cumulative");
      w.Int64(i.cumulative);
      w.Key("target");
      if (i.target) {
        w.Int64(*i.target);
      } else {
        w.Null();
      }
      w.Key("coverage_pct");
      if (i.coverage_pct) {
        w.Double(*i.coverage_pct);
      } else {
        w.Null();
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string to_csv(const Report& r, mappers::Lang lang) {
  // The UTF-8 byte order mark first: without it Excel reads a village name such as
  // "Pasir Jambu – Timur" as Windows-1252; LibreOffice and Python's utf-8-sig ignore it.
  std::string out =
      "\xEF\xBB\xBF"
      "month,village_code,village_name,indicator,label,month_count,cumulative,target,"
      "coverage_pct\r\n";
  for (const auto& v : r.villages) {
    for (const auto& i : v.indicators) {
      const auto& def = info(i.indicator);
      out += r.month.text() + "," + v.village_code + "," + csv_cell(v.village_name.value_or("")) +
             "," + std::string(def.id) + "," + csv_cell(label(def, lang)) + "," +
             std::to_string(i.month) + "," + std::to_string(i.cumulative) + "," +
             (i.target ? std::to_string(*i.target) : "") + "," +
             (i.coverage_pct ? pct(*i.coverage_pct) : "") + "\r\n";
    }
  }
  return out;
}

}  // namespace ilp::gateway::pws
