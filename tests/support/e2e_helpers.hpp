#pragma once
// Assertions shared by the end-to-end tests (gateway + simulator).

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "support/sim_fixture.hpp"

namespace ilp::testing {

// The tracking id of a 202/200 answer; fails the test on any other status.
inline std::string accepted_id(const HttpResult& r) {
  INFO(r.response.body());
  REQUIRE((r.response.result_int() == 202 || r.response.result_int() == 200));
  return parse_json(r.response.body())["id"].GetString();
}

// How many resources of `type` the simulator stored.
inline int sim_total(const SimFixture& sim, const std::string& type) {
  return get_json(sim.url("/_sim/resources?type=" + type))["total"].GetInt();
}

// A counter of GET /_sim/stats (0 when absent).
inline std::uint64_t stat(const SimFixture& sim, const char* name) {
  auto s = sim.stats();
  return s.HasMember(name) ? s[name].GetUint64() : 0;
}

}  // namespace ilp::testing
