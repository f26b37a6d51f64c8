// The facility-facing API against the real binary: every rejection is precise, nothing is
// stored for a rejected record, and the server keeps serving.
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "support/gateway_fixture.hpp"

using namespace ilp::testing;

namespace {

std::string first_expression(const rapidjson::Document& oo) {
  const auto& issue = oo["issue"][0];
  return issue.HasMember("expression") ? issue["expression"][0].GetString() : "";
}

std::string first_text(const rapidjson::Document& oo) {
  return oo["issue"][0]["details"]["text"].GetString();
}

int stored_count(const GatewayFixture& gw) {
  auto r = gw.admin("GET", "/admin/queue/stats");
  auto d = parse_json(r.response.body());
  int total = 0;
  for (const auto& m : d["by_status"].GetObject()) total += m.value.GetInt();
  return total;
}

// The simulator is not needed for ingest; a closed port keeps delivery retrying quietly.
GatewayOptions no_platform() { return GatewayOptions{"http://127.0.0.1:9", {}}; }

}  // namespace

TEST_CASE("a valid visit is acknowledged 202 with a tracking id and status url",
          "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto r = gw.post_record(visit_envelope("RJ-1"));
  REQUIRE(r.response.result_int() == 202);
  auto d = parse_json(r.response.body());
  const std::string id = d["id"].GetString();
  CHECK(std::string(d["status"].GetString()) == "queued");
  CHECK(std::string(d["status_url"].GetString()) == "/api/v1/records/" + id);
  auto st = parse_json(gw.get_record(id).response.body());
  CHECK(std::string(st["record_id"].GetString()) == "RJ-1");
  CHECK(std::string(st["facility"].GetString()) == "pkm-sukamaju");
  CHECK(st["revision"].GetInt() == 1);
  CHECK(st["resources"].Size() >= 3);
}

TEST_CASE("the same record again answers 200 with the same id and writes nothing",
          "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto first = parse_json(gw.post_record(visit_envelope("RJ-2")).response.body());
  auto again = gw.post_record(visit_envelope("RJ-2"));
  REQUIRE(again.response.result_int() == 200);
  auto d = parse_json(again.response.body());
  CHECK(std::string(d["id"].GetString()) == first["id"].GetString());
  CHECK(d["revision"].GetInt() == 1);
  CHECK(stored_count(gw) == 1);
}

TEST_CASE("changed content under the same record id becomes revision 2 of the same record",
          "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto first = parse_json(gw.post_record(visit_envelope("RJ-3")).response.body());
  auto changed = gw.post_record(visit_envelope(
      "RJ-3", [](rapidjson::Document& d) { d["data"]["vitals"]["systolic"] = 130; }));
  REQUIRE(changed.response.result_int() == 202);
  auto d = parse_json(changed.response.body());
  CHECK(std::string(d["id"].GetString()) == first["id"].GetString());
  CHECK(d["revision"].GetInt() == 2);
  CHECK(stored_count(gw) == 1);
}

TEST_CASE("a missing or unknown API key is 401 and stores nothing", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto none = http("POST", gw.ingest_url() + "/api/v1/records", visit_envelope("A"),
                   {{"Content-Type", "application/json"}});
  CHECK(none.response.result_int() == 401);
  auto wrong = gw.post_record(visit_envelope("A"), "not-a-key");
  CHECK(wrong.response.result_int() == 401);
  CHECK(std::string(parse_json(wrong.response.body())["resourceType"].GetString()) ==
        "OperationOutcome");
  CHECK(stored_count(gw) == 0);
}

TEST_CASE("a key of one facility submitting for another is 403", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto r = gw.post_record(visit_envelope("A"), kTanjungApiKey);
  REQUIRE(r.response.result_int() == 403);
  CHECK(first_expression(parse_json(r.response.body())) == "facility");
  CHECK(stored_count(gw) == 0);
}

TEST_CASE("malformed JSON, duplicate keys and invalid UTF-8 are 400", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  CHECK(gw.post_record(R"({"kind": "visit",)").response.result_int() == 400);
  auto dup = gw.post_record(R"({"kind":"visit","kind":"visit","facility":"pkm-sukamaju",)"
                            R"("record_id":"x","data":{}})");
  REQUIRE(dup.response.result_int() == 400);
  CHECK(first_expression(parse_json(dup.response.body())) == "kind");
  CHECK(gw.post_record("{\"kind\":\"vis\xff\xfe\"}").response.result_int() == 400);
  CHECK(gw.post_record("[1,2,3]").response.result_int() == 400);
  CHECK(gw.post_record("").response.result_int() == 400);
  CHECK(stored_count(gw) == 0);
}

TEST_CASE("a wrong envelope names the missing field", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto r = gw.post_record(R"({"kind":"visit","facility":"pkm-sukamaju","data":{}})");
  REQUIRE(r.response.result_int() == 400);
  CHECK(first_expression(parse_json(r.response.body())) == "record_id");
}

TEST_CASE("an unknown kind or facility is 422", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto kind = gw.post_record(
      visit_envelope("A", [](rapidjson::Document& d) { d["kind"].SetString("xray"); }));
  REQUIRE(kind.response.result_int() == 422);
  CHECK(first_expression(parse_json(kind.response.body())) == "kind");
  auto fac = gw.post_record(
      visit_envelope("A", [](rapidjson::Document& d) { d["facility"].SetString("pkm-nowhere"); }));
  REQUIRE(fac.response.result_int() == 422);
  CHECK(first_expression(parse_json(fac.response.body())) == "facility");
}

TEST_CASE("a bad NIK is 422 naming data.patient.nik, in Bahasa Indonesia by default",
          "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto env = visit_envelope(
      "A", [](rapidjson::Document& d) { d["data"]["patient"]["nik"].SetString("32040101019"); });
  auto id = gw.post_record(env);
  REQUIRE(id.response.result_int() == 422);
  auto oo = parse_json(id.response.body());
  CHECK(first_expression(oo) == "data.patient.nik");
  CHECK(first_text(oo).find("NIK") != std::string::npos);
  CHECK(first_text(oo).find("32040101019") == std::string::npos);  // never echo the value
  CHECK(id.response[boost::beast::http::field::content_language] == "id");

  auto en = gw.post_record(env, kSukamajuApiKey, {{"Accept-Language", "en-US,en;q=0.8"}});
  REQUIRE(en.response.result_int() == 422);
  CHECK(en.response[boost::beast::http::field::content_language] == "en");
  CHECK(first_text(parse_json(en.response.body())) != first_text(oo));
  CHECK(stored_count(gw) == 0);
}

TEST_CASE("times out of order are 422 naming the field", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto r = gw.post_record(visit_envelope("A", [](rapidjson::Document& d) {
    d["data"]["finished_at"].SetString("2025-03-10T07:00:00");
  }));
  REQUIRE(r.response.result_int() == 422);
  CHECK(first_expression(parse_json(r.response.body())).find("data.") == 0);
}

TEST_CASE("a wrong content type is 415", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto r = http("POST", gw.ingest_url() + "/api/v1/records", visit_envelope("A"),
                {{"Content-Type", "text/plain"}, {"Authorization", "Bearer demo-key-sukamaju"}});
  CHECK(r.response.result_int() == 415);
}

TEST_CASE("a body over limits.body_bytes is 413 and the server keeps serving",
          "[integration][ingest]") {
  GatewayFixture gw(GatewayOptions{"http://127.0.0.1:9", {"limits.body_bytes=4096"}});
  std::string big = visit_envelope("A", [](rapidjson::Document& d) {
    d["data"].AddMember("notes", rapidjson::Value(std::string(8000, 'x').c_str(), d.GetAllocator()),
                        d.GetAllocator());
  });
  auto r = gw.post_record(big);
  CHECK(r.response.result_int() == 413);
  CHECK(gw.post_record(visit_envelope("B")).response.result_int() == 202);
}

TEST_CASE("unknown paths are 404 and wrong methods 405", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  auto h = Headers{{"Authorization", "Bearer demo-key-sukamaju"}};
  CHECK(http("GET", gw.ingest_url() + "/nope", {}, h).response.result_int() == 404);
  CHECK(http("DELETE", gw.ingest_url() + "/api/v1/records", {}, h).response.result_int() == 405);
  CHECK(
      http("GET", gw.ingest_url() + "/api/v1/records/doesnotexist", {}, h).response.result_int() ==
      404);
}

TEST_CASE("a client slow to send its header is cut off after limits.header_timeout_ms",
          "[integration][ingest]") {
  GatewayFixture gw(GatewayOptions{"http://127.0.0.1:9", {"limits.header_timeout_ms=300"}});
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  const auto hp = gw.ingest_url().substr(7);
  const auto colon = hp.rfind(':');
  s.connect({net::ip::make_address(hp.substr(0, colon)),
             static_cast<unsigned short>(std::stoi(hp.substr(colon + 1)))});
  const std::string partial = "POST /api/v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n";
  net::write(s, net::buffer(partial));
  const auto start = std::chrono::steady_clock::now();
  char buf[256];
  boost::system::error_code ec;
  s.read_some(net::buffer(buf), ec);  // returns when the server closes
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(ec);
  CHECK(waited < std::chrono::seconds(5));
  CHECK(gw.post_record(visit_envelope("B")).response.result_int() == 202);
}

TEST_CASE("a batch answers per line, in order, and stores the good lines",
          "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  std::string body =
      visit_envelope("B-1") + "\n" + "{not json}\n" + "\n" +
      visit_envelope("B-2",
                     [](rapidjson::Document& d) { d["data"]["patient"]["nik"].SetString("123"); }) +
      "\n" + visit_envelope("B-3") + "\n";
  auto r = http(
      "POST", gw.ingest_url() + "/api/v1/records:batch", body,
      {{"Content-Type", "application/x-ndjson"}, {"Authorization", "Bearer demo-key-sukamaju"}});
  REQUIRE(r.response.result_int() == 200);
  auto d = parse_json(r.response.body());
  const auto& res = d["results"];
  REQUIRE(res.Size() == 4);
  CHECK(res[0]["line"].GetInt() == 1);
  CHECK(res[0]["status"].GetInt() == 202);
  CHECK(res[1]["status"].GetInt() == 400);
  CHECK(res[2]["line"].GetInt() == 4);  // the blank line 3 is skipped, numbering is physical
  CHECK(res[2]["status"].GetInt() == 422);
  CHECK(res[3]["status"].GetInt() == 202);
  CHECK(stored_count(gw) == 2);
}

TEST_CASE("a batch over limits.batch_lines is 413", "[integration][ingest]") {
  GatewayFixture gw(GatewayOptions{"http://127.0.0.1:9", {"limits.batch_lines=2"}});
  std::string body =
      visit_envelope("1") + "\n" + visit_envelope("2") + "\n" + visit_envelope("3") + "\n";
  auto r = http(
      "POST", gw.ingest_url() + "/api/v1/records:batch", body,
      {{"Content-Type", "application/x-ndjson"}, {"Authorization", "Bearer demo-key-sukamaju"}});
  CHECK(r.response.result_int() == 413);
  CHECK(stored_count(gw) == 0);
}

namespace {
boost::asio::ip::tcp::endpoint endpoint_of(const std::string& url) {
  const auto hp = url.substr(7);
  const auto colon = hp.rfind(':');
  return {boost::asio::ip::make_address(hp.substr(0, colon)),
          static_cast<unsigned short>(std::stoi(hp.substr(colon + 1)))};
}

std::string raw_post(const std::string& body) {
  return "POST /api/v1/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Authorization: Bearer demo-key-sukamaju\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}
}  // namespace

TEST_CASE("pipelined requests on one connection are answered in order", "[integration][ingest]") {
  GatewayFixture gw(no_platform());
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  s.connect(endpoint_of(gw.ingest_url()));
  // Three requests in one write: new, the same again (200), and a bad one (422).
  const std::string bad = visit_envelope(
      "PL-2", [](rapidjson::Document& d) { d["data"]["patient"]["nik"].SetString("1"); });
  net::write(s, net::buffer(raw_post(visit_envelope("PL-1")) + raw_post(visit_envelope("PL-1")) +
                            raw_post(bad)));
  std::string got;
  char buf[8192];
  boost::system::error_code ec;
  while (std::count(got.begin(), got.end(), '\n') < 3 ||
         got.find("HTTP/1.1 422") == std::string::npos) {
    const auto n = s.read_some(net::buffer(buf), ec);
    if (ec) break;
    got.append(buf, n);
  }
  const auto a = got.find("HTTP/1.1 202");
  const auto b = got.find("HTTP/1.1 200");
  const auto c = got.find("HTTP/1.1 422");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  REQUIRE(c != std::string::npos);
  CHECK(a < b);
  CHECK(b < c);
}

TEST_CASE(
    "connections over limits.connections get 503 while all are busy, and the server keeps "
    "serving",
    "[integration][ingest]") {
  GatewayFixture gw(GatewayOptions{"http://127.0.0.1:9", {"limits.connections=2"}});
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket one(ioc), two(ioc), three(ioc);
  // Two connections in the middle of a request (header in, body pending) are not evictable.
  const std::string started =
      "POST /api/v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-key-sukamaju\r\n"
      "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
  for (auto* s : {&one, &two}) {
    s->connect(endpoint_of(gw.ingest_url()));
    net::write(*s, net::buffer(started));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both headers read
  three.connect(endpoint_of(gw.ingest_url()));
  char buf[512];
  boost::system::error_code ec;
  const auto n = three.read_some(net::buffer(buf), ec);
  CHECK(std::string(buf, n).find("503") != std::string::npos);
  one.close();
  two.close();
  // Once the server has noticed the closed connections, new ones are served again (bounded).
  int status = 0;
  for (int i = 0; i < 50 && status != 202; ++i) {
    status = gw.post_record(visit_envelope("CAP-1")).response.result_int();
    if (status != 202) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(status == 202);
}

TEST_CASE("every large batch is answered, with every line accepted", "[integration][ingest]") {
  // Regression: the store answers a batch's lookups on its own thread and the gateway runs
  // several I/O threads; two answers handled at once lost a count, and the request was dropped
  // without any answer (the client saw the connection close).
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.enabled=false"}));
  constexpr int kBatches = 8;
  constexpr int kLines = 400;
  for (int b = 0; b < kBatches; ++b) {
    std::string ndjson;
    for (int i = 0; i < kLines; ++i) {
      ndjson += visit_envelope("BIG-" + std::to_string(b) + "-" + std::to_string(i)) + "\n";
    }
    const auto r = http("POST", gw.ingest_url() + "/api/v1/records:batch", ndjson,
                        {{"Content-Type", "application/x-ndjson"},
                         {"Authorization", std::string("Bearer ") + kSukamajuApiKey}});
    INFO("batch " << b);
    REQUIRE(r.ok());
    REQUIRE(r.response.result_int() == 200);
    CHECK(parse_json(r.response.body())["accepted"].GetInt() == kLines);
  }
}
