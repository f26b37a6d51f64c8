#include "gateway/ingest/envelope.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "gateway/config/config.hpp"
#include "gateway/util/log.hpp"
#include "gateway/util/metrics.hpp"

using namespace ilp::gateway;

namespace {
std::shared_ptr<const config::Config> cfg() {
  static auto c = [] {
    ::setenv("ILP_SECRET_PKM_SUKAMAJU", "x", 1);
    ::setenv("ILP_SECRET_PKM_TANJUNG", "x", 1);
    ::setenv("ILP_SECRET_PKM_SENTANI", "x", 1);
    return config::load(std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml");
  }();
  return c;
}

ingest::Rejection rejected(const std::string& text, const config::Facility* caller) {
  auto r = ingest::check_envelope(text, *cfg(), caller);
  REQUIRE(std::holds_alternative<ingest::Rejection>(r));
  return std::get<ingest::Rejection>(r);
}
}  // namespace

TEST_CASE("a well-formed envelope is accepted with its content hash", "[unit][ingest]") {
  const auto* f = cfg()->facility("pkm-sukamaju");
  auto r = ingest::check_envelope(
      R"({"kind":"visit","facility":"pkm-sukamaju","record_id":"1","data":{}})", *cfg(), f);
  REQUIRE(std::holds_alternative<ingest::Envelope>(r));
  const auto& e = std::get<ingest::Envelope>(r);
  CHECK(e.kind == "visit");
  CHECK(e.content_hash.size() == 64);
}

TEST_CASE("an unknown envelope field is 400 naming it", "[unit][ingest]") {
  auto r = rejected(
      R"({"kind":"visit","facility":"pkm-sukamaju","record_id":"1","data":{},"recordId":"x"})",
      nullptr);
  CHECK(r.status == 400);
  CHECK(r.outcome.issues[0].expression == "recordId");
}

TEST_CASE("data that is not an object is 400", "[unit][ingest]") {
  auto r =
      rejected(R"({"kind":"visit","facility":"pkm-sukamaju","record_id":"1","data":[]})", nullptr);
  CHECK(r.status == 400);
  CHECK(r.outcome.issues[0].expression == "data");
}

TEST_CASE("a record id longer than 128 characters is 400", "[unit][ingest]") {
  auto r = rejected(R"({"kind":"visit","facility":"pkm-sukamaju","record_id":")" +
                        std::string(129, 'x') + R"(","data":{}})",
                    nullptr);
  CHECK(r.status == 400);
  CHECK(r.outcome.issues[0].expression == "record_id");
}

TEST_CASE("deeply nested JSON is refused without recursion trouble", "[unit][ingest]") {
  std::string deep = R"({"kind":"visit","facility":"pkm-sukamaju","record_id":"1","data":)";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = rejected(deep, nullptr);
  CHECK(r.status == 400);
}

TEST_CASE("NIKs are masked in log text", "[unit][log]") {
  CHECK(mask_digits("nik 3204010101900001 ok") == "nik 3204********0001 ok");
  CHECK(mask_digits("rev 12 of 1234567") == "rev 12 of 1234567");
}

TEST_CASE("metrics render in the Prometheus text format", "[unit][metrics]") {
  Metrics m;
  m.counter("ilp_x_total", "X", {{"facility", "a\"b"}}).inc(3);
  m.histogram("ilp_lat_seconds", "L", {0.1, 1}).observe(0.5);
  const auto text = m.render();
  CHECK(text.find("# TYPE ilp_x_total counter") != std::string::npos);
  CHECK(text.find("ilp_x_total{facility=\"a\\\"b\"} 3") != std::string::npos);
  CHECK(text.find("ilp_lat_seconds_bucket{le=\"0.1\"} 0") != std::string::npos);
  CHECK(text.find("ilp_lat_seconds_bucket{le=\"1\"} 1") != std::string::npos);
  CHECK(text.find("ilp_lat_seconds_count 1") != std::string::npos);
}
