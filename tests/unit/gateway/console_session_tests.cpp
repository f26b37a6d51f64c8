// Console sessions end after idle time, after their absolute lifetime, and at logout; the clock
// is a ManualClock, so no test waits (issue 19).
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "delivery_fakes.hpp"
#include "gateway/api/admin_api.hpp"
#include "gateway/api/bundle_mask.hpp"
#include "gateway/api/console_sessions.hpp"

using namespace ilp::gateway;
using namespace ilp::gateway::delivery::testing;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;

namespace {
constexpr std::int64_t kMinute = 60'000;

struct ConsoleFixture {
  std::shared_ptr<config::Config> cfg = [] {
    auto c = test_config();
    c->admin.token = "unit-admin-token";
    c->store.sqlite = ":memory:";
    return c;
  }();
  config::Holder holder{cfg};
  MemoryStore store;
  ManualClock clock;
  Metrics metrics;
  net::io_context ioc;
  api::AdminApi admin{
      holder, store, clock, metrics, ioc.get_executor(), [] { return std::vector<std::string>{}; },
      [] {}};

  http::Response run(http::Request req) {
    std::optional<http::Response> out;
    const auto peer = net::ip::make_address("127.0.0.1");
    if (auto early = admin.precheck(req, peer)) return std::move(*early);
    admin.handle(std::move(req), peer, [&](http::Response&& r) { out = std::move(r); });
    ioc.run();
    ioc.restart();
    REQUIRE(out);
    return std::move(*out);
  }
  // The cookie ("ilp_console=…") of a fresh login.
  std::string login() {
    http::Request req{bhttp::verb::post, "/console/login", 11};
    req.set(bhttp::field::content_type, "application/json");
    req.body() = R"({"token":"unit-admin-token"})";
    req.prepare_payload();
    auto res = run(std::move(req));
    REQUIRE(res.result_int() == 200);
    const std::string c(res[bhttp::field::set_cookie]);
    return c.substr(0, c.find(';'));
  }
  int session_status(const std::string& cookie) {
    http::Request req{bhttp::verb::get, "/console/session", 11};
    req.set(bhttp::field::cookie, cookie);
    return run(std::move(req)).result_int();
  }
};
}  // namespace

TEST_CASE("a console session ends after 30 idle minutes", "[unit][console]") {
  ConsoleFixture f;
  const auto cookie = f.login();
  f.clock.advance_ms(29 * kMinute);
  CHECK(f.session_status(cookie) == 200);  // and the idle deadline moves on
  f.clock.advance_ms(29 * kMinute);
  CHECK(f.session_status(cookie) == 200);
  f.clock.advance_ms(31 * kMinute);
  CHECK(f.session_status(cookie) == 401);
  // Once expired it stays expired, even if time were to go back.
  f.clock.advance_ms(-31 * kMinute);
  CHECK(f.session_status(cookie) == 401);
}

TEST_CASE("a console session in use ends 12 hours after login", "[unit][console]") {
  ConsoleFixture f;
  const auto cookie = f.login();
  for (int i = 0; i < 12 * 3 - 1; ++i) {
    f.clock.advance_ms(20 * kMinute);
    REQUIRE(f.session_status(cookie) == 200);
  }
  f.clock.advance_ms(20 * kMinute);
  CHECK(f.session_status(cookie) == 401);
}

TEST_CASE("an expired console session is refused on the admin endpoints too", "[unit][console]") {
  ConsoleFixture f;
  const auto cookie = f.login();
  f.clock.advance_ms(31 * kMinute);
  http::Request req{bhttp::verb::get, "/admin/overview", 11};
  req.set(bhttp::field::cookie, cookie);
  req.set(bhttp::field::accept_language, "en");
  const auto res = f.run(std::move(req));
  CHECK(res.result_int() == 401);
  CHECK(res.body().find("log in again") != std::string::npos);
}

TEST_CASE("console sessions are bounded: the oldest goes first", "[unit][console]") {
  ManualClock clock;
  api::ConsoleSessions sessions(clock, {30 * kMinute, 12 * 60 * kMinute, 2});
  const auto a = sessions.open();
  clock.advance_ms(1);
  const auto b = sessions.open();
  clock.advance_ms(1);
  const auto c = sessions.open();
  CHECK_FALSE(sessions.touch(a.id));
  CHECK(sessions.touch(b.id));
  CHECK(sessions.touch(c.id));
  CHECK(a.csrf != a.id);
}

TEST_CASE("the console bundle masks NIKs, names and people's display names, nothing else",
          "[unit][console]") {
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient",
      "identifier":[{"system":"https://fhir.kemkes.go.id/id/nik","value":"3204010101900001"}],
      "name":[{"text":"Siti Aminah"}],"birthDate":"1990-01-01"}},
    {"fullUrl":"urn:uuid:e1","resource":{"resourceType":"Encounter",
      "subject":{"reference":"Patient?identifier=https://fhir.kemkes.go.id/id/nik|3204010101900002","display":"Budi Santoso"},
      "location":[{"location":{"reference":"Location/abc","display":"Poli Umum"}}]}},
    {"fullUrl":"urn:uuid:o1","resource":{"resourceType":"Observation",
      "subject":{"reference":"urn:uuid:p1","display":"Siti Aminah"},
      "encounter":{"reference":"urn:uuid:e1","display":"Kunjungan"}}}]})";
  const auto masked = api::mask_bundle(bundle);
  INFO(masked);
  CHECK(masked.find("3204010101900001") == std::string::npos);
  CHECK(masked.find("3204010101900002") == std::string::npos);
  CHECK(masked.find("************0001") != std::string::npos);
  CHECK(masked.find("nik|************0002") != std::string::npos);
  CHECK(masked.find("Siti") == std::string::npos);
  CHECK(masked.find("Budi") == std::string::npos);
  CHECK(masked.find("Poli Umum") != std::string::npos);
  CHECK(masked.find("Kunjungan") != std::string::npos);
  CHECK(masked.find("1990-01-01") != std::string::npos);
  CHECK(api::mask_bundle("not json").empty());
}
