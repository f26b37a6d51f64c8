#pragma once
// The status document of DESIGN.md §3.3, shared by the ingest API, the admin API and the CLI.

#include <rapidjson/document.h>

#include <cstdint>
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
std::string stats_json(const store::Stats& s, std::int64_t now_ms);

}  // namespace ilp::gateway::api
