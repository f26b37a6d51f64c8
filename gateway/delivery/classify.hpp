#pragma once
// What one platform answer means for a record (DESIGN.md §7, reference §5). Pure: the same
// answer always gives the same verdict, so each case is unit-tested on its own.
//
// Bodies are read defensively: SATUSEHAT's 5xx are text/plain, its severities are not always
// FHIR ("invalid"), and any FHIR R4 server may answer instead of SATUSEHAT.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http/client.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::delivery {

enum class Verdict {
  kDelivered,        // 2xx
  kRetry,            // 408, 429, 5xx, anything odd, or no request reached the platform
  kNeedsCorrection,  // 4xx validation: a person must fix the data
  kDuplicate,        // 400 "duplicate": the resources are already there
  kAuthRefresh,      // 401: the token was refused
  kBusinessRule,     // 403: credential / organization mismatch
  kAmbiguous,        // the request was written, then the exchange failed: it may have landed
};
std::string_view to_string(Verdict v);

struct Classification {
  Verdict verdict = Verdict::kRetry;
  int http_status = 0;  // 0: no response
  // Retry-After as a delay from now (delta-seconds or HTTP-date), when the platform sent one.
  std::optional<std::int64_t> retry_after_ms;
  // The platform's OperationOutcome when the body was one; for a 4xx with another body, one
  // issue whose diagnostics hold the start of that body.
  mappers::Outcome outcome;
  std::vector<int> rule_numbers;  // every "RuleNumber: n", in order of appearance, unique
  std::string reason;             // short and PHI-free: "HTTP 503", "Connection refused"
};

// `now_ms` turns an HTTP-date Retry-After into a delay.
Classification classify(const http::ClientResult& r, std::int64_t now_ms);

// Retry-After: delta-seconds or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). A date in the
// past gives 0. nullopt when the value is neither.
std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_ms);
// IMF-fixdate → epoch milliseconds.
std::optional<std::int64_t> parse_http_date(std::string_view value);

// Every "RuleNumber: n" in the issues' details.text and diagnostics (SATUSEHAT names the
// validation rule that failed this way).
std::vector<int> rule_numbers(const mappers::Outcome& o);
std::vector<int> rule_numbers(std::string_view text);

// Case-insensitive substring test.
bool contains_nocase(std::string_view haystack, std::string_view needle);

}  // namespace ilp::gateway::delivery
