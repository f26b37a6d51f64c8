#pragma once
// Building HTTP answers the way SATUSEHAT shapes them: JSON bodies as application/json,
// errors as OperationOutcome, 5xx as text/plain (reference §1.4, §5.1).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http/server.hpp"
#include "mappers/outcome.hpp"

namespace ilp::sim {

namespace http = gateway::http;

http::Response json_response(unsigned status, std::string body);
http::Response outcome_response(unsigned status, const mappers::Outcome& outcome);
// `{"resourceType":"OperationOutcome","issue":[{severity, code, details.text}]}`.
http::Response issue_response(unsigned status, std::string_view severity, std::string_view code,
                              std::string_view text, std::string_view expression = {});
// A resource answer: the JSON plus Location (…/Type/id/_history/vid) and ETag W/"vid".
http::Response resource_response(unsigned status, std::string json, std::string_view location,
                                 std::string_view version_id);
// text/plain with the reason phrase ("Service Unavailable") as SATUSEHAT's gateway answers.
http::Response text_response(unsigned status);

// A request target split into a path and url-decoded query parameters, in order.
struct Target {
  std::string path;  // without a trailing slash (except "/")
  std::vector<std::pair<std::string, std::string>> query;

  const std::string* param(std::string_view name) const;
};
Target parse_target(std::string_view target);

// Content-Type without parameters, lower-cased ("application/json").
std::string media_type(const http::Request& req);

}  // namespace ilp::sim
