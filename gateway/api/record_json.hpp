#pragma once
// The status document of DESIGN.md §3.3, shared by the ingest API, the admin API and the CLI.

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <string>

#include "gateway/store/store.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::api {

// "2025-03-01T02:15:00.123Z"
std::string iso_utc(std::int64_t ms);

// Full status (history, resources, last_error) when `full`; the list form otherwise.
void write_record(const store::Record& r, bool full, mappers::Lang lang, rapidjson::Value& out,
                  rapidjson::Document::AllocatorType& a);
std::string record_json(const store::Record& r, mappers::Lang lang);
std::string page_json(const store::ListPage& page, mappers::Lang lang);
// Seconds until the records ready to send (queued, sending, retrying — not waiting ones) are
// through, per facility, at its `rate_limit_per_min`: each record is at least one request, so
// this is a lower bound (patient searches add to it; they are cached after the first).
std::map<std::string, double> drain_eta_s(const store::Stats& s, int rate_limit_per_min);

// `rate_limit_per_min` feeds the ETA (config platform.rate_limit_per_min).
std::string stats_json(const store::Stats& s, std::int64_t now_ms, int rate_limit_per_min);

}  // namespace ilp::gateway::api
