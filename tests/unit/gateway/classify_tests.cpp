#include <catch2/catch.hpp>

#include "delivery_fakes.hpp"
#include "gateway/delivery/classify.hpp"

using namespace ilp::gateway::delivery;
using namespace ilp::gateway::delivery::testing;

namespace {
constexpr std::int64_t kNow = 1'700'000'000'000;

Classification classify_status(int status, const std::string& body = "{}",
                               const std::string& type = "application/json",
                               std::vector<std::pair<std::string, std::string>> headers = {}) {
  return classify(respond(status, body, type, std::move(headers)), kNow);
}
}  // namespace

TEST_CASE("200 and 201 are delivered", "[unit]") {
  CHECK(classify_status(200).verdict == Verdict::kDelivered);
  CHECK(classify_status(201).verdict == Verdict::kDelivered);
  CHECK(classify_status(201).http_status == 201);
}

TEST_CASE("400 with rule numbers needs correction and keeps the platform outcome", "[unit]") {
  const auto body =
      R"({"resourceType":"OperationOutcome","issue":[)"
      R"({"severity":"error","code":"invalid","details":{"text":"RuleNumber: 10024 Code not found"}},)"
      R"({"severity":"invalid","code":"value","diagnostics":"RuleNumber:10117; also RuleNumber: 10024"}]})";
  const auto c = classify_status(400, body);
  CHECK(c.verdict == Verdict::kNeedsCorrection);
  CHECK(c.rule_numbers == std::vector<int>{10024, 10117});
  REQUIRE(c.outcome.issues.size() == 2);
  CHECK(c.outcome.issues[0].text.id == "RuleNumber: 10024 Code not found");
  CHECK(c.outcome.issues[1].severity == "invalid");  // SATUSEHAT's non-FHIR severity kept
}

TEST_CASE("400 whose text says duplicate is a duplicate", "[unit]") {
  CHECK(classify_status(400, outcome_body("invalid", "Found Duplicate resource")).verdict ==
        Verdict::kDuplicate);
  CHECK(classify_status(400, outcome_body("invalid", "Encounter already exists")).verdict ==
        Verdict::kDuplicate);
  CHECK(classify_status(400, outcome_body("duplicate", "resource exists")).verdict ==
        Verdict::kDuplicate);
  // Only a 400: a 422 mentioning duplicates is still a validation refusal.
  CHECK(classify_status(422, outcome_body("invalid", "duplicate coding")).verdict ==
        Verdict::kNeedsCorrection);
}

TEST_CASE("401 invalid-access-token asks for a token refresh", "[unit]") {
  const auto c =
      classify_status(401, outcome_body("invalid-access-token", "Invalid Access Token."));
  CHECK(c.verdict == Verdict::kAuthRefresh);
}

TEST_CASE("403 is a business rule refusal", "[unit]") {
  const auto c = classify_status(
      403, outcome_body("forbidden", "resource cannot be accessed due to business rule"));
  CHECK(c.verdict == Verdict::kBusinessRule);
  REQUIRE(c.outcome.issues.size() == 1);
}

TEST_CASE("404 needs correction", "[unit]") {
  CHECK(classify_status(404, outcome_body("not-found", "Resource not found")).verdict ==
        Verdict::kNeedsCorrection);
}

TEST_CASE("408 is retried", "[unit]") {
  CHECK(classify_status(408, "Request Timeout", "text/plain").verdict == Verdict::kRetry);
}

TEST_CASE("429 without Retry-After is retried with no hint", "[unit]") {
  const auto c = classify_status(429, "Too Many Requests", "text/plain");
  CHECK(c.verdict == Verdict::kRetry);
  CHECK_FALSE(c.retry_after_ms.has_value());
}

TEST_CASE("429 with Retry-After seconds carries the delay", "[unit]") {
  const auto c = classify_status(429, "", "text/plain", {{"Retry-After", "2"}});
  CHECK(c.verdict == Verdict::kRetry);
  CHECK(c.retry_after_ms == 2000);
}

TEST_CASE("429 with an HTTP-date Retry-After carries the delay until then", "[unit]") {
  // kNow = 2023-11-14 22:13:20 UTC; 90 s later:
  const auto c =
      classify_status(429, "", "text/plain", {{"Retry-After", "Tue, 14 Nov 2023 22:14:50 GMT"}});
  CHECK(c.retry_after_ms == 90'000);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow) == 0);  // past: now
  CHECK_FALSE(parse_retry_after("soon", kNow).has_value());
}

TEST_CASE("500 with a text/plain body is retried without parsing it as JSON", "[unit]") {
  const auto c = classify_status(500, "Internal Server Error {not json", "text/plain");
  CHECK(c.verdict == Verdict::kRetry);
  CHECK(c.outcome.empty());
  CHECK(c.reason.find("500") != std::string::npos);
}

TEST_CASE("503 Gateway Timeout text/plain with Retry-After is retried", "[unit]") {
  const auto c = classify_status(503, "Gateway Timeout", "text/plain", {{"Retry-After", "30"}});
  CHECK(c.verdict == Verdict::kRetry);
  CHECK(c.retry_after_ms == 30'000);
}

TEST_CASE("connection refused before sending is retried", "[unit]") {
  const auto c = classify(network_error(false), kNow);
  CHECK(c.verdict == Verdict::kRetry);
  CHECK(c.http_status == 0);
  CHECK_FALSE(c.reason.empty());
}

TEST_CASE("failure after the request was written is ambiguous", "[unit]") {
  CHECK(classify(network_error(true), kNow).verdict == Verdict::kAmbiguous);
}

TEST_CASE("a 4xx that is not an OperationOutcome keeps an excerpt for people", "[unit]") {
  const auto c = classify_status(422, "<html>bad</html>", "text/html");
  CHECK(c.verdict == Verdict::kNeedsCorrection);
  REQUIRE(c.outcome.issues.size() == 1);
  CHECK(c.outcome.issues[0].diagnostics == "<html>bad</html>");
}

TEST_CASE("HTTP dates parse to epoch milliseconds", "[unit]") {
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784'111'777'000);
  CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").has_value());
  CHECK_FALSE(parse_http_date("Sun, 06 Xyz 1994 08:49:37 GMT").has_value());
}

TEST_CASE("rule numbers are found in any spelling SATUSEHAT uses", "[unit]") {
  CHECK(rule_numbers("RuleNumber: 10001; rulenumber:10002 RuleNumber = 10001") ==
        std::vector<int>{10001, 10002});
  CHECK(rule_numbers("no rule here").empty());
}
