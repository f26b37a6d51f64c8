// The drain ETA that /metrics and `queue stats` show (issue 7, flow control).
#include <catch2/catch.hpp>

#include "gateway/api/record_json.hpp"
#include "mappers/json.hpp"

using namespace ilp::gateway;

namespace {

store::Stats backlog() {
  store::Stats s;
  s.rows = {{"pkm-a", "visit", store::Status::kQueued, 600},
            {"pkm-a", "lab", store::Status::kRetrying, 300},
            {"pkm-a", "visit", store::Status::kWaiting, 5000},  // waits on others: not counted
            {"pkm-a", "visit", store::Status::kDelivered, 90000},
            {"pkm-b", "visit", store::Status::kQueued, 150}};
  s.pending = 6050;
  return s;
}

}  // namespace

TEST_CASE("the drain ETA counts records ready to send at each facility's rate limit", "[unit]") {
  const auto eta = api::drain_eta_s(backlog(), 300);  // 5 requests/s per facility
  CHECK(eta.at("pkm-a") == Approx(180.0));            // 900 ready / 5 per s
  CHECK(eta.at("pkm-b") == Approx(30.0));
}

TEST_CASE("queue stats report the slowest facility's ETA as the queue's", "[unit]") {
  rapidjson::Document d;
  REQUIRE_FALSE(ilp::mappers::parse_json_strict(api::stats_json(backlog(), 0, 300), d));
  CHECK(d["eta_s"].GetInt64() == 180);
  CHECK(d["eta_s_by_facility"]["pkm-b"].GetInt64() == 30);
}
