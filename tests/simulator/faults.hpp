#pragma once
// The fault set of DESIGN.md §10: what `POST /_sim/faults` accepts and the fault flags set at
// start. Every field is optional; an absent field means that fault is off.

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace ilp::sim {

enum class OutageMode { k503, kRefuse };

struct Faults {
  std::optional<double> error_rate;     // 0..1: share of oauth/FHIR requests answered error_status
  std::optional<int> error_status;      // 500..599, default 503
  std::optional<int> latency_ms;        // added before every oauth/FHIR answer
  std::optional<int> rate_limit_every;  // every Nth FHIR request -> 429
  std::optional<int> retry_after_s;     // Retry-After on those 429s (absent: no header)
  std::optional<double> outage_for_s;   // from now on, for this long: outage_mode
  std::optional<OutageMode> outage_mode;          // default 503
  std::optional<int> token_ttl_s;                 // tokens really expire after this (early expiry)
  std::optional<double> drop_after_process_rate;  // 0..1: process, store, then close silently

  int status_for_errors() const { return error_status.value_or(503); }
  OutageMode outage() const { return outage_mode.value_or(OutageMode::k503); }
};

// Parses the JSON body of POST /_sim/faults. Unknown fields, wrong types and out-of-range
// values are errors; returns the message (English) or nullopt.
std::optional<std::string> parse_faults(std::string_view json, Faults& out);
// Range checks shared with the command-line flags.
std::optional<std::string> check_faults(const Faults& f);
// The JSON shape parse_faults accepts (absent fields omitted).
void write_faults(const Faults& f, rapidjson::Value& out, rapidjson::Document::AllocatorType& a);

}  // namespace ilp::sim
