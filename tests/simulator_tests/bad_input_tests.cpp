// Garbage in: precise 4xx answers, never a crash (issue 3, "Bad input").

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

using Catch::Matchers::Contains;
namespace net = boost::asio;

// Writes raw bytes and returns whatever comes back until the server closes or 2 s pass.
std::string raw_exchange(const SimFixture& sim, const std::string& bytes) {
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  const auto colon = sim.host_port().rfind(':');
  socket.connect({net::ip::make_address(sim.host_port().substr(0, colon)),
                  static_cast<unsigned short>(std::stoi(sim.host_port().substr(colon + 1)))});
  boost::system::error_code ec;
  net::write(socket, net::buffer(bytes), ec);
  socket.shutdown(net::ip::tcp::socket::shutdown_send, ec);
  struct timeval tv {
    2, 0
  };
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string out;
  char buf[4096];
  for (;;) {
    const auto n = socket.read_some(net::buffer(buf), ec);
    if (ec || n == 0) break;
    out.append(buf, n);
  }
  return out;
}

}  // namespace

TEST_CASE("malformed JSON, invalid UTF-8 and duplicate keys get 400 OperationOutcome",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const std::vector<std::string> bodies = {
      "{",
      "{\"resourceType\":\"Encounter\",}",
      "not json at all",
      "{\"a\":\"\xC3\x28\"}",
      R"({"resourceType":"Encounter","status":"finished","status":"arrived"})",
      std::string(200, '[') + std::string(200, ']'),
  };
  for (const auto& b : bodies) {
    for (const char* path : {"/Encounter", ""}) {
      INFO(path << " <- " << b.substr(0, 60));
      auto r = sim.fhir("POST", path, token, b);
      CHECK(status(r) == 400);
      CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
    }
  }
  CHECK(stored_count(sim, "Encounter") == 0);
}

TEST_CASE("a wrong or missing content type on FHIR POST/PUT gets 415", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto enc = sample("Encounter", "CT-1");
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "application/xml", ""}) {
    INFO(type);
    testing::Headers h = {{"Authorization", "Bearer " + token}};
    if (*type != '\0') h.emplace_back("Content-Type", type);
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/Encounter"}, {"POST", ""}, {"PUT", "/Encounter/x"}}) {
      auto r = testing::http(method, sim.fhir_url() + path, enc, h);
      CHECK(status(r) == 415);
      CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
    }
  }
  // Parameters and the FHIR media type are fine.
  auto ok = testing::http("POST", sim.fhir_url() + "/Encounter", enc,
                          {{"Authorization", "Bearer " + token},
                           {"Content-Type", "application/fhir+json; charset=utf-8"}});
  CHECK(status(ok) == 201);
}

TEST_CASE("a body over --max-body gets 413", "[integration][sim]") {
  SimFixture sim({"--max-body", "1024"});
  const auto token = sim.token();
  auto r = sim.fhir("POST", "/Encounter", token, std::string(2048, ' ') + "{}");
  CHECK(status(r) == 413);
  CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  CHECK_THAT(issues(r), Contains("1024"));
  auto s = sim.stats();
  CHECK(s["endpoints"]["POST /fhir-r4/v1/Encounter"]["status"]["413"].GetUint64() == 1);
  // Still serving.
  CHECK(status(sim.fhir("GET", "/Location/" + std::string(kPoliUmum), token)) == 200);
}

TEST_CASE("the default body limit is 4 MiB", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  // Just under the limit is read (and refused as a Bundle, not as too large)...
  auto under = sim.fhir("POST", "", token, "[" + std::string(4 * 1024 * 1024 - 16, ' ') + "]");
  CHECK(status(under) == 400);
  // ...just over is 413.
  auto over = sim.fhir("POST", "", token, std::string(4 * 1024 * 1024 + 1, ' '));
  CHECK(status(over) == 413);
}

TEST_CASE("unknown paths and resource types get 404 OperationOutcome", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  for (const auto& url :
       {sim.url("/"), sim.url("/fhir"), sim.url("/fhir-r4/v2/Patient"), sim.url("/oauth2/v1/token"),
        sim.fhir_url() + "/Foo", sim.fhir_url() + "/Foo/1", sim.fhir_url() + "/Encounter/x/y",
        sim.fhir_url() + "/Patient/P02478375538/_history/1"}) {
    INFO(url);
    auto r = testing::http("GET", url, {}, testing::bearer(token));
    CHECK(status(r) == 404);
    CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  }
}

TEST_CASE("wrong methods on known paths get 405", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GET", sim.fhir_url()},
      {"DELETE", sim.fhir_url() + "/Encounter/x"},
      {"PATCH", sim.fhir_url() + "/Patient/P02478375538"},
      {"PUT", sim.fhir_url() + "/Patient/P02478375538"},
      {"POST", sim.fhir_url() + "/Practitioner"},
      {"POST", sim.fhir_url() + "/Encounter/x"},
      {"PUT", sim.fhir_url() + "/Encounter"},
      {"GET", sim.url("/oauth2/v1/accesstoken?grant_type=client_credentials")},
  };
  for (const auto& [method, url] : cases) {
    INFO(method << " " << url);
    auto r =
        testing::http(method, url, "{}",
                      {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    CHECK(status(r) == 405);
    CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  }
}

TEST_CASE("a resourceType that does not match the URL gets 400", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto r = sim.fhir("POST", "/Condition", token, sample("Encounter", "RT-1"));
  CHECK(status(r) == 400);
  CHECK_THAT(issues(r), Contains("resourceType must be Condition"));
  CHECK(status(sim.fhir("POST", "/Encounter", token, "[]")) == 400);
  CHECK(status(sim.fhir("POST", "/Patient", token, R"({"resourceType":"Encounter"})")) == 400);
}

TEST_CASE("searches without parameters or with unsupported ones get 400", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  for (const char* path : {"/Patient", "/Patient?foo=bar", "/Practitioner", "/Practitioner?name=x",
                           "/Condition?code=A01.0", "/Patient?identifier=x%7Cy&name=z"}) {
    INFO(path);
    auto r = sim.fhir("GET", path, token);
    CHECK(status(r) == 400);
    CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  }
}

TEST_CASE("garbage on the wire never crashes the simulator", "[integration][sim]") {
  SimFixture sim;
  const std::vector<std::string> garbage = {
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  // a TLS ClientHello
      "GARBAGE\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "POST /fhir-r4/v1 HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST /fhir-r4/v1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
      "GET /fhir-r4/v1/Patient HTTP/1.1\r\nX: " + std::string(64 * 1024, 'a') + "\r\n\r\n",
      "GET /fhir-r4/v1/%%%%/\x01\x02 HTTP/1.1\r\nHost: x\r\n\r\n",
      std::string(1000, '\0'),
  };
  for (const auto& g : garbage) {
    const auto answer = raw_exchange(sim, g);
    INFO(answer.substr(0, 80));
    // Either a 4xx answer or a closed connection; a 2xx/5xx or a dead process would be a bug.
    if (!answer.empty())
      CHECK((answer.rfind("HTTP/", 0) == 0 && answer.size() > 9 && answer[9] == '4'));
  }
  // Deeply nested JSON with a valid token.
  const auto token = sim.token();
  auto deep = sim.fhir("POST", "", token, std::string(100000, '[') + std::string(100000, ']'));
  CHECK(status(deep) == 400);
  CHECK(!sim.process().wait(std::chrono::milliseconds(0)).has_value());
  CHECK(status(sim.fhir("GET", "/Location/" + std::string(kPoliUmum), token)) == 200);
}

}  // namespace ilp::simtest
