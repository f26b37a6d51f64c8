// OAuth2 client credentials (reference §1.2–§1.5) and the bearer check of the FHIR API.

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "gateway/http/url.hpp"
#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;

constexpr const char* kBadCredentials =
    "The user or system was not able to be authenticated (either client_id or client_secret "
    "combination is unacceptable)";
constexpr const char* kRateLimited =
    "Authentication temporarily cannot be performed due to the rate limit policy. Rate limit: 1 "
    "request per minute after a failed attempt.";

HttpResult login(const SimFixture& sim, const std::string& client_id, const std::string& secret,
                 const std::string& query = "?grant_type=client_credentials") {
  return testing::http("POST", sim.url("/oauth2/v1/accesstoken" + query),
                       "client_id=" + gateway::http::url_encode(client_id) +
                           "&client_secret=" + gateway::http::url_encode(secret),
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
}

void require_single_issue(const HttpResult& r, const char* severity, const char* code,
                          const char* text) {
  const auto d = json(r);
  CHECK(str_at(d, "resourceType") == "OperationOutcome");
  REQUIRE(d["issue"].Size() == 1);
  CHECK(str_at(d, "issue.0.severity") == severity);
  CHECK(str_at(d, "issue.0.code") == code);
  CHECK(str_at(d, "issue.0.details.text") == text);
}

}  // namespace

TEST_CASE("token response carries every number as a string", "[integration][sim]") {
  SimFixture sim;
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto r = login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret);
  REQUIRE(status(r) == 200);
  CHECK(header(r, "Content-Type") == "application/json");
  const auto d = json(r);
  for (const char* key : {"refresh_token_expires_in", "api_product_list", "organization_name",
                          "developer.email", "token_type", "issued_at", "client_id", "access_token",
                          "application_name", "scope", "expires_in", "refresh_count", "status"}) {
    INFO(key);
    REQUIRE(d.HasMember(key));
    CHECK(d[key].IsString());
  }
  REQUIRE(d["api_product_list_json"].IsArray());
  CHECK(str_at(d, "token_type") == "BearerToken");
  CHECK(str_at(d, "expires_in") == "3599");
  CHECK(str_at(d, "refresh_token_expires_in") == "0");
  CHECK(str_at(d, "refresh_count") == "0");
  CHECK(str_at(d, "status") == "approved");
  CHECK(str_at(d, "client_id") == testing::kSukamajuClientId);
  CHECK(!d.HasMember("refresh_token"));
  // issued_at is epoch milliseconds, as a string.
  const auto issued = std::stoll(str_at(d, "issued_at"));
  CHECK(issued >= before - 1000);
  CHECK(issued <= before + 60'000);
  CHECK(str_at(d, "access_token").size() >= 20);
}

TEST_CASE("the token-ttl flag sets expires_in", "[integration][sim]") {
  SimFixture sim({"--token-ttl", "14399"});
  auto r = login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret);
  REQUIRE(status(r) == 200);
  CHECK(str_at(json(r), "expires_in") == "14399");
}

TEST_CASE("form fields are url-decoded", "[integration][sim]") {
  SimFixture sim;
  auto r = testing::http("POST", sim.url("/oauth2/v1/accesstoken?grant_type=client_credentials"),
                         "client_id=sukamaju%2Dclient%2Did&client_secret=sukamaju-secret-demo",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(status(r) == 200);
}

TEST_CASE("bad credentials get 401 with the documented OperationOutcome", "[integration][sim]") {
  SimFixture sim;
  SECTION("wrong secret") {
    auto r = login(sim, testing::kSukamajuClientId, "wrong");
    REQUIRE(status(r) == 401);
    require_single_issue(r, "invalid", "value", kBadCredentials);
  }
  SECTION("unknown client") {
    auto r = login(sim, "nobody", "x");
    REQUIRE(status(r) == 401);
    require_single_issue(r, "invalid", "value", kBadCredentials);
  }
  SECTION("no form at all") {
    auto r = testing::http("POST", sim.url("/oauth2/v1/accesstoken?grant_type=client_credentials"));
    REQUIRE(status(r) == 401);
    require_single_issue(r, "invalid", "value", kBadCredentials);
  }
}

TEST_CASE("missing or other grant_type gets 400 OperationOutcome", "[integration][sim]") {
  SimFixture sim;
  for (const char* query : {"", "?grant_type=password", "?grant_type="}) {
    INFO(query);
    auto r = login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret, query);
    CHECK(status(r) == 400);
    CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  }
  // A malformed request is not a failed login: the client is not locked out.
  CHECK(status(login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret)) == 200);
}

TEST_CASE("a failed login locks the client out for the back-off window (shortened to 1 s)",
          "[integration][sim]") {
  SimFixture sim({"--auth-backoff-s", "1"});
  const auto failed_at = Clock::now();
  REQUIRE(status(login(sim, testing::kSukamajuClientId, "wrong")) == 401);
  // Even the right secret is refused with the documented text while the window lasts.
  auto locked = login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret);
  REQUIRE(status(locked) == 429);
  require_single_issue(locked, "invalid", "value", kRateLimited);
  // Only that client_id is locked.
  CHECK(status(login(sim, testing::kTanjungClientId, testing::kTanjungSecret)) == 200);

  int code = 0;
  const auto deadline = failed_at + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    code = status(login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret));
    if (code == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(code == 200);
  CHECK(Clock::now() - failed_at >= std::chrono::milliseconds(900));
  const auto stats = sim.stats();
  CHECK(stats["auth_failures"].GetUint64() == 1);
  CHECK(stats["auth_rate_limited"].GetUint64() >= 1);
}

TEST_CASE("after the back-off window one attempt is allowed, and failing it locks again",
          "[integration][sim]") {
  SimFixture sim({"--auth-backoff-s", "1"});
  REQUIRE(status(login(sim, testing::kSukamajuClientId, "wrong")) == 401);
  REQUIRE(status(login(sim, testing::kSukamajuClientId, "wrong")) == 429);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  // The window is over: the next attempt is judged on its credentials again...
  CHECK(status(login(sim, testing::kSukamajuClientId, "wrong")) == 401);
  // ...and its failure starts a new window.
  CHECK(status(login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret)) == 429);
}

TEST_CASE("the lock-out status is configurable", "[integration][sim]") {
  SimFixture sim({"--auth-backoff-status", "400"});
  REQUIRE(status(login(sim, testing::kSukamajuClientId, "wrong")) == 401);
  auto r = login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret);
  CHECK(status(r) == 400);
  CHECK(str_at(json(r), "issue.0.details.text") == kRateLimited);
}

TEST_CASE("FHIR calls without a valid bearer token get 401 invalid-access-token",
          "[integration][sim]") {
  SimFixture sim;
  const auto path = "/Patient?identifier=" + std::string(kNik) + "%7C" + kBudiNik;
  const std::vector<testing::Headers> cases = {
      {},
      {{"Authorization", "Bearer not-a-token"}},
      {{"Authorization", "Basic c3VrYW1hanU6c2VjcmV0"}},
      {{"Authorization", "Bearer"}},
  };
  for (const auto& h : cases) {
    auto r = testing::http("GET", sim.fhir_url() + path, {}, h);
    REQUIRE(status(r) == 401);
    require_single_issue(r, "error", "invalid-access-token", "Invalid Access Token.");
  }
  // The same call with a token works, whatever the case of the scheme.
  const auto token = sim.token();
  CHECK(status(testing::http("GET", sim.fhir_url() + path, {},
                             {{"Authorization", "bearer " + token}})) == 200);
}

TEST_CASE("the token_ttl_s fault expires live tokens early and shortens new ones",
          "[integration][sim]") {
  SimFixture sim;
  const auto path = "/Location/" + std::string(kPoliUmum);
  const auto old_token = sim.token();
  REQUIRE(status(sim.fhir("GET", path, old_token)) == 200);
  sim.set_faults(R"({"token_ttl_s": 1})");
  const auto set_at = Clock::now();
  // A token issued now still advertises the normal lifetime: the expiry is early.
  auto r = login(sim, testing::kSukamajuClientId, testing::kSukamajuSecret);
  REQUIRE(status(r) == 200);
  CHECK(str_at(json(r), "expires_in") == "3599");
  const auto new_token = str_at(json(r), "access_token");
  CHECK(status(sim.fhir("GET", path, new_token)) == 200);

  bool old_expired = false, new_expired = false;
  while (Clock::now() - set_at < std::chrono::seconds(5) && !(old_expired && new_expired)) {
    old_expired = status(sim.fhir("GET", path, old_token)) == 401;
    new_expired = status(sim.fhir("GET", path, new_token)) == 401;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(old_expired);
  CHECK(new_expired);
  CHECK(Clock::now() - set_at >= std::chrono::milliseconds(900));
  auto expired = sim.fhir("GET", path, old_token);
  CHECK(str_at(json(expired), "issue.0.code") == "invalid-access-token");

  // Without the fault, new tokens live their advertised lifetime again.
  sim.set_faults("{}");
  const auto fresh = sim.token();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(status(sim.fhir("GET", path, fresh)) == 200);
}

TEST_CASE("with the token-ttl flag tokens expire when expires_in says", "[integration][sim]") {
  SimFixture sim({"--token-ttl", "1"});
  const auto token = sim.token();
  const auto path = "/Location/" + std::string(kPoliUmum);
  REQUIRE(status(sim.fhir("GET", path, token)) == 200);
  const auto start = Clock::now();
  int code = 200;
  while (Clock::now() - start < std::chrono::seconds(4) && code == 200) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    code = status(sim.fhir("GET", path, token));
  }
  CHECK(code == 401);
}

}  // namespace ilp::simtest
