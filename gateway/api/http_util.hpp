#pragma once
// Small helpers shared by the ingest and admin APIs: building JSON and OperationOutcome
// responses, reading the path and query of a request, bearer tokens.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/http/server.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::api {

using http::Request;
using http::Response;
namespace bhttp = boost::beast::http;

Response json_response(bhttp::status status, std::string body);
Response text_response(bhttp::status status, std::string body, std::string_view content_type);
// A FHIR OperationOutcome body in the request's language.
Response outcome_response(bhttp::status status, const mappers::Outcome& o, mappers::Lang lang);
// One-issue shortcut.
Response problem(bhttp::status status, mappers::Lang lang, std::string code, std::string expression,
                 mappers::Text text);

// 503 with Retry-After for a store read that failed (store::ReadResult::is_failed()): the
// answer is unknown, not "none". Logs `error` (technical; SQLite names no values) for `what`.
Response store_unavailable(mappers::Lang lang, std::string_view what, std::string_view error);

mappers::Lang request_lang(const Request& req);

struct Target {
  std::string path;                          // decoded path without the query
  std::map<std::string, std::string> query;  // decoded; last value wins
};
Target split_target(std::string_view target);

// "Bearer xyz" → "xyz"; nullopt when absent or another scheme.
std::optional<std::string> bearer_token(const Request& req);
// The value of cookie `name` in the Cookie header(s); nullopt when absent.
std::optional<std::string> cookie_value(const Request& req, std::string_view name);
// Media type without parameters, lowercased ("application/json; charset=utf-8" →
// "application/json").
std::string media_type(const Request& req);

// Constant-time comparison for secrets.
bool secure_equals(std::string_view a, std::string_view b);

}  // namespace ilp::gateway::api
