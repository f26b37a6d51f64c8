#pragma once
// The PWS table as DESIGN.md §9.1 shapes it: JSON for the API and `pws --format json`, CSV
// (one row per village and indicator) for spreadsheets. Labels in Bahasa Indonesia, or English.

#include <string>

#include "gateway/pws/report.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::pws {

std::string to_json(const Report& r, mappers::Lang lang);
// Header month,village_code,village_name,indicator,label,month_count,cumulative,target,
// coverage_pct; UTF-8 with a byte order mark, CRLF line ends and RFC 4180 quoting, as
// spreadsheets read it.
std::string to_csv(const Report& r, mappers::Lang lang);

}  // namespace ilp::gateway::pws
