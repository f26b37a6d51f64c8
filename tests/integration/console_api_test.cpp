// The web console's API (issue 19) through the real binaries: login, session cookie, CSRF,
// logout, the endpoints the pages use, bad parameters, the audit log. The session's expiry is
// tested in process with a manual clock (tests/unit/gateway/console_session_tests.cpp).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mappers/json.hpp"
#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;

namespace {

struct Login {
  std::string cookie;  // "ilp_console=…"
  std::string csrf;
};

Login login(const GatewayFixture& gw) {
  auto r = post_json(gw.admin_url() + "/console/login",
                     std::string(R"({"token":")") + kAdminToken + "\"}");
  INFO(r.response.body());
  REQUIRE(r.response.result_int() == 200);
  const std::string set_cookie(r.response["Set-Cookie"]);
  REQUIRE(set_cookie.rfind("ilp_console=", 0) == 0);
  Login out;
  out.cookie = set_cookie.substr(0, set_cookie.find(';'));
  out.csrf = parse_json(r.response.body())["csrf"].GetString();
  return out;
}

HttpResult with_session(const GatewayFixture& gw, const Login& s, const std::string& method,
                        const std::string& path, const std::string& body = {},
                        bool send_csrf = true, const char* lang = "id") {
  Headers h = {{"Cookie", s.cookie}, {"Accept-Language", lang}};
  if (send_csrf) h.emplace_back("X-CSRF-Token", s.csrf);
  if (!body.empty()) h.emplace_back("Content-Type", "application/json");
  return http(method, gw.admin_url() + path, body, h);
}

// The expression of the first issue of an OperationOutcome body.
std::string expression_of(const HttpResult& r) {
  auto d = parse_json(r.response.body());
  REQUIRE(std::string(d["resourceType"].GetString()) == "OperationOutcome");
  const auto& issue = d["issue"][0];
  return issue.HasMember("expression") ? issue["expression"][0].GetString() : "";
}

std::string text_of(const HttpResult& r) {
  auto d = parse_json(r.response.body());
  return d["issue"][0]["details"]["text"].GetString();
}

std::string unknown_patient_visit(const std::string& id) {
  return visit_envelope(id, [](rapidjson::Document& d) {
    d["data"]["patient"]["nik"].SetString("3204019999990099");
  });
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("console login with the admin token sets an HttpOnly SameSite=Strict cookie",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  auto r = post_json(gw.admin_url() + "/console/login",
                     std::string(R"({"token":")") + kAdminToken + "\"}");
  REQUIRE(r.response.result_int() == 200);
  const std::string cookie(r.response["Set-Cookie"]);
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("Path=/") != std::string::npos);
  auto body = parse_json(r.response.body());
  CHECK(std::string(body["csrf"].GetString()).size() == 64);
  // The CSRF token is not the cookie's value.
  CHECK(cookie.find(body["csrf"].GetString()) == std::string::npos);
}

TEST_CASE("console login with a wrong token is 401 in both languages, then 429 for the address",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"limits.auth_failures_per_min=2"}));
  const auto url = gw.admin_url() + "/console/login";
  auto id = post_json(url, R"({"token":"wrong"})");
  CHECK(id.response.result_int() == 401);
  CHECK(text_of(id).find("Token admin salah") != std::string::npos);
  CHECK(expression_of(id) == "token");
  auto en = post_json(url, R"({"token":"wrong"})", {{"Accept-Language", "en"}});
  CHECK(en.response.result_int() == 401);
  CHECK(text_of(en).find("Wrong admin token") != std::string::npos);
  // A forged X-Forwarded-For changes nothing: the address is the socket's.
  auto third = post_json(url, std::string(R"({"token":")") + kAdminToken + "\"}",
                         {{"X-Forwarded-For", "10.9.9.9"}});
  CHECK(third.response.result_int() == 429);
}

TEST_CASE("console login without a token names the token field", "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  auto r = post_json(gw.admin_url() + "/console/login", R"({"secret":"x"})");
  CHECK(r.response.result_int() == 400);
  CHECK(expression_of(r) == "token");
}

TEST_CASE("console POST with the session cookie but without the CSRF token is refused 403",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  const auto s = login(gw);
  auto none =
      with_session(gw, s, "POST", "/admin/queue/retry", R"({"status":"needs_correction"})", false);
  CHECK(none.response.result_int() == 403);
  CHECK(expression_of(none) == "X-CSRF-Token");
  CHECK(text_of(none).find("CSRF") != std::string::npos);
  auto wrong = http("POST", gw.admin_url() + "/admin/queue/retry", R"({"status":"dead"})",
                    {{"Cookie", s.cookie},
                     {"X-CSRF-Token", std::string(64, 'a')},
                     {"Content-Type", "application/json"},
                     {"Accept-Language", "en"}});
  CHECK(wrong.response.result_int() == 403);
  CHECK(text_of(wrong).find("CSRF token") != std::string::npos);
  auto logout = with_session(gw, s, "POST", "/console/logout", "{}", false);
  CHECK(logout.response.result_int() == 403);
  // With the token it goes through.
  CHECK(with_session(gw, s, "POST", "/admin/queue/retry", R"({"status":"dead"})")
            .response.result_int() == 200);
}

TEST_CASE("console logout ends the session: the cookie no longer opens anything",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  const auto s = login(gw);
  CHECK(with_session(gw, s, "GET", "/console/session").response.result_int() == 200);
  auto out = with_session(gw, s, "POST", "/console/logout", "{}");
  CHECK(out.response.result_int() == 200);
  CHECK(std::string(out.response["Set-Cookie"]).find("Max-Age=0") != std::string::npos);
  auto after = with_session(gw, s, "GET", "/admin/overview");
  CHECK(after.response.result_int() == 401);
  CHECK(text_of(after).find("masuk lagi") != std::string::npos);
  auto en = with_session(gw, s, "GET", "/console/session", {}, true, "en");
  CHECK(en.response.result_int() == 401);
  CHECK(text_of(en).find("log in again") != std::string::npos);
}

TEST_CASE("console pages come from the binary with a strict CSP and no inline script or style",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  auto page = http("GET", gw.admin_url() + "/console/");
  REQUIRE(page.response.result_int() == 200);
  CHECK(std::string(page.response["Content-Type"]).rfind("text/html", 0) == 0);
  const std::string csp(page.response["Content-Security-Policy"]);
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(std::string(page.response["X-Frame-Options"]) == "DENY");
  const auto& html = page.response.body();
  CHECK(html.find("<script src=\"app.js\"") != std::string::npos);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("style=") == std::string::npos);
  CHECK(html.find("<style") == std::string::npos);
  auto js = http("GET", gw.admin_url() + "/console/app.js");
  CHECK(js.response.result_int() == 200);
  CHECK(std::string(js.response["Content-Type"]).rfind("text/javascript", 0) == 0);
  CHECK(http("GET", gw.admin_url() + "/console/nothing.js").response.result_int() == 404);
  // Data needs a session or the token.
  CHECK(http("GET", gw.admin_url() + "/admin/overview").response.result_int() == 401);
}

TEST_CASE("overview counts by status and facility, with circuit, token and ETA",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  const auto id = accepted_id(gw.post_record(visit_envelope("CON-OV-1")));
  gw.wait_for_status(id, "delivered");
  const auto s = login(gw);
  auto r = with_session(gw, s, "GET", "/admin/overview");
  REQUIRE(r.response.result_int() == 200);
  auto d = parse_json(r.response.body());
  bool found = false;
  for (const auto& c : d["counts"].GetArray()) {
    if (std::string(c["facility"].GetString()) == "pkm-sukamaju" &&
        std::string(c["status"].GetString()) == "delivered") {
      found = c["count"].GetInt() == 1;
    }
  }
  CHECK(found);
  CHECK(d["pending"].GetInt() == 0);
  CHECK(d["eta_s"].GetInt() == 0);
  CHECK(d["circuit"].IsArray());
  bool token_ok = false;
  for (const auto& t : d["tokens"].GetArray()) {
    if (std::string(t["facility"].GetString()) == "pkm-sukamaju") {
      token_ok = std::string(t["state"].GetString()) == "ok";
    }
  }
  CHECK(token_ok);
}

TEST_CASE("record list filters by record id and changed-until, a bad until names the parameter",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.enabled=false"}));
  accepted_id(gw.post_record(visit_envelope("CON-L-1")));
  const auto two = accepted_id(gw.post_record(visit_envelope("CON-L-2")));
  auto by_id = gw.admin("GET", "/admin/queue/records?record_id=CON-L-2");
  auto d = parse_json(by_id.response.body());
  REQUIRE(d["records"].Size() == 1);
  CHECK(std::string(d["records"][0]["id"].GetString()) == two);
  auto none = gw.admin("GET", "/admin/queue/records?until=1");
  CHECK(parse_json(none.response.body())["records"].Size() == 0);
  auto bad = gw.admin("GET", "/admin/queue/records?until=yesterday");
  CHECK(bad.response.result_int() == 400);
  CHECK(expression_of(bad) == "until");
  auto long_id = gw.admin("GET", "/admin/queue/records?record_id=" + std::string(200, 'x'));
  CHECK(long_id.response.result_int() == 400);
  CHECK(expression_of(long_id) == "record_id");
}

TEST_CASE("queue count needs a known status and facility, naming the parameter",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.enabled=false"}));
  accepted_id(gw.post_record(visit_envelope("CON-C-1")));
  auto ok = gw.admin("GET", "/admin/queue/count?status=queued&facility=pkm-sukamaju&kind=visit");
  CHECK(parse_json(ok.response.body())["count"].GetInt() == 1);
  auto missing = gw.admin("GET", "/admin/queue/count");
  CHECK(missing.response.result_int() == 400);
  CHECK(expression_of(missing) == "status");
  auto facility = gw.admin("GET", "/admin/queue/count?status=queued&facility=pkm-nowhere");
  CHECK(facility.response.result_int() == 400);
  CHECK(expression_of(facility) == "facility");
  CHECK(text_of(facility).find("pkm-nowhere") != std::string::npos);
}

TEST_CASE("retry all matching a filter re-queues exactly those records and audits the count",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.wait_grace_hours=0"}));
  const auto a = accepted_id(gw.post_record(unknown_patient_visit("CON-R-1")));
  const auto b = accepted_id(gw.post_record(unknown_patient_visit("CON-R-2")));
  gw.wait_for_status(a, "needs_correction");
  gw.wait_for_status(b, "needs_correction");
  const auto s = login(gw);
  auto count = with_session(gw, s, "GET", "/admin/queue/count?status=needs_correction");
  CHECK(parse_json(count.response.body())["count"].GetInt() == 2);
  auto r = with_session(gw, s, "POST", "/admin/queue/retry",
                        R"({"filter":{"status":"needs_correction","facility":"pkm-sukamaju"}})");
  REQUIRE(r.response.result_int() == 200);
  CHECK(parse_json(r.response.body())["requeued"].GetInt() == 2);
  // Each went back through the queue (a retry entry in its history) and failed again.
  for (const auto& id : {a, b}) {
    gw.wait_for(id, [](const rapidjson::Document& d) {
      return std::string(d["status"].GetString()) == "needs_correction" && d["history"].Size() > 4;
    });
  }
  const auto audit = read_file(std::filesystem::path(gw.store_path()).parent_path().string() +
                               "/console-audit.jsonl");
  INFO(audit);
  CHECK(audit.find("\"action\":\"login\"") != std::string::npos);
  CHECK(audit.find("\"action\":\"retry_all\"") != std::string::npos);
  CHECK(audit.find("\"count\":2") != std::string::npos);
  CHECK(audit.find("\"peer\":\"127.0.0.1\"") != std::string::npos);
  CHECK(audit.find("3204019999990099") == std::string::npos);
  auto tail = with_session(gw, s, "GET", "/admin/audit?limit=5");
  CHECK(parse_json(tail.response.body())["entries"].Size() >= 2);
  auto bad_filter =
      with_session(gw, s, "POST", "/admin/queue/retry", R"({"filter":{"status":"delivered"}})");
  CHECK(bad_filter.response.result_int() == 400);
  CHECK(expression_of(bad_filter) == "filter.status");
  auto bad_limit = with_session(gw, s, "GET", "/admin/audit?limit=0");
  CHECK(bad_limit.response.result_int() == 400);
  CHECK(expression_of(bad_limit) == "limit");
}

TEST_CASE("mapping try-out answers the bundle or the field errors and stores nothing",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.enabled=false"}));
  const auto s = login(gw);
  auto ok = with_session(gw, s, "POST", "/admin/try", visit_envelope("CON-T-1"));
  INFO(ok.response.body());
  REQUIRE(ok.response.result_int() == 200);
  CHECK(std::string(parse_json(ok.response.body())["bundle"]["resourceType"].GetString()) ==
        "Bundle");
  const auto bad_env = visit_envelope(
      "CON-T-2", [](rapidjson::Document& d) { d["data"]["patient"].RemoveMember("nik"); });
  auto bad = with_session(gw, s, "POST", "/admin/try", bad_env, true, "en");
  CHECK(bad.response.result_int() >= 400);
  CHECK(expression_of(bad).find("nik") != std::string::npos);
  auto empty = with_session(gw, s, "POST", "/admin/try", " ");
  CHECK(empty.response.result_int() == 400);
  auto list = gw.admin("GET", "/admin/queue/records");
  CHECK(parse_json(list.response.body())["records"].Size() == 0);
}

TEST_CASE("record detail masks NIKs and names in the bundle and explains the status",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.enabled=false"}));
  const auto id = accepted_id(gw.post_record(visit_envelope("CON-D-1")));
  auto r = gw.admin("GET", "/admin/queue/records/" + id + "?bundle=masked");
  REQUIRE(r.response.result_int() == 200);
  const auto& body = r.response.body();
  CHECK(body.find("\"bundle\":{") != std::string::npos);
  CHECK(body.find("3204010101900001") == std::string::npos);  // the seed patient's NIK
  CHECK(body.find("Budi") == std::string::npos);
  CHECK(body.find("************0001") != std::string::npos);
  CHECK(parse_json(body)["status_explained"].IsString());
  auto bad = gw.admin("GET", "/admin/queue/records/" + id + "?bundle=plain");
  CHECK(bad.response.result_int() == 400);
  CHECK(expression_of(bad) == "bundle");
}

TEST_CASE("opening the console without a session does not count as a failed login",
          "[integration][console]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"limits.auth_failures_per_min=2"}));
  for (int i = 0; i < 5; ++i) {
    auto r = http("GET", gw.admin_url() + "/console/session");
    CHECK(r.response.result_int() == 401);
    CHECK(http("GET", gw.admin_url() + "/console/").response.result_int() == 200);
  }
  login(gw);  // still allowed: 200
}
