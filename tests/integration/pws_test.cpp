// PWS through the real binaries: records posted to the gateway, delivered to satusehat-sim,
// then counted by GET /api/v1/pws and by `ilp-gateway pws --format csv`.
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

std::string example(const std::string& kind, const std::string& file) {
  std::ifstream f(std::filesystem::path(ILP_SOURCE_DIR) / "config" / "examples" / kind / file);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The K1 example with the mother's address in another village of Sukamaju's area.
std::string k1_with_address() {
  auto d = parse_json(example("anc", "k1-first-visit-opens-episode.json"));
  auto& a = d.GetAllocator();
  rapidjson::Value address(rapidjson::kObjectType);
  address.AddMember("village_code", "3204012002", a);
  d["data"]["patient"].AddMember("address", address, a);
  return ilp::mappers::to_json(d);
}

const rapidjson::Value& indicator(const rapidjson::Document& table, const std::string& village,
                                  const std::string& id) {
  for (const auto& v : table["villages"].GetArray()) {
    if (!v["village_code"].IsString() || v["village_code"].GetString() != village) continue;
    for (const auto& i : v["indicators"].GetArray()) {
      if (i["id"].GetString() == id) return i;
    }
  }
  FAIL("no " << id << " for village " << village);
  throw 0;
}

}  // namespace

TEST_CASE("PWS counts what was delivered, per village, in the API and the CLI CSV",
          "[integration][pws]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  // March: a K1 at the puskesmas KIA room by a mother whose address is village ...002.
  const auto k1 = accepted_id(gw.post_record(k1_with_address()));
  // February: a baby weighed at Posyandu Mawar (village ...001), no address.
  const auto weighed = accepted_id(gw.post_record(example("growth", "posyandu-baby-length.json")));
  gw.wait_for_status(k1, "delivered", 30s);
  gw.wait_for_status(weighed, "delivered", 30s);

  const auto r = gw.admin("GET", "/api/v1/pws?month=2025-03&facility=pkm-sukamaju");
  INFO(r.response.body());
  REQUIRE(r.response.result_int() == 200);
  const auto table = parse_json(r.response.body());
  CHECK(std::string(table["month"].GetString()) == "2025-03");
  const auto& k1_002 = indicator(table, "3204012002", "k1");
  CHECK(k1_002["month"].GetInt() == 1);
  CHECK(k1_002["cumulative"].GetInt() == 1);
  CHECK(k1_002["target"].IsNull());  // not in targets.csv
  CHECK(k1_002["coverage_pct"].IsNull());
  const auto& k1_001 = indicator(table, "3204012001", "k1");
  CHECK(k1_001["month"].GetInt() == 0);  // the address decides, not the room
  CHECK(k1_001["target"].GetInt() == 120);
  const auto& ds = indicator(table, "3204012001", "ds");
  CHECK(ds["month"].GetInt() == 0);
  CHECK(ds["cumulative"].GetInt() == 1);  // weighed in February
  CHECK(ds["target"].GetInt() == 520);
  CHECK(ds["coverage_pct"].GetDouble() == 0.0);
  const auto feb = parse_json(gw.admin("GET", "/api/v1/pws?month=2025-02").response.body());
  CHECK(indicator(feb, "3204012001", "ds")["month"].GetInt() == 1);
  // In February nobody lived in ...002 yet as far as PWS knows: no row for it.
  for (const auto& v : feb["villages"].GetArray()) {
    CHECK_FALSE((v["village_code"].IsString() &&
                 std::string(v["village_code"].GetString()) == "3204012002"));
  }

  // The current month's gauges: nothing of 2025 is in it.
  const auto metrics = gw.admin("GET", "/metrics").response.body();
  CHECK(metrics.find("ilp_pws_month{facility=\"pkm-sukamaju\",indicator=\"k1\"} 0") !=
        std::string::npos);

  const auto [code, csv] =
      gw.cli({"pws", "--month", "2025-03", "--facility", "pkm-sukamaju", "--format", "csv"});
  INFO(csv);
  CHECK(code == 0);
  CHECK(csv.rfind("\xEF\xBB\xBFmonth,village_code,village_name,indicator,label,month_count,"
                  "cumulative,target,"
                  "coverage_pct\r\n",
                  0) == 0);
  CHECK(csv.find("\r\n2025-03,3204012002,,k1,Ibu hamil K1,1,1,,\r\n") != std::string::npos);
  CHECK(csv.find("\r\n2025-03,3204012001,Cibiru Wetan,ds,Balita ditimbang (D/S),0,1,520,0.0\r\n") !=
        std::string::npos);
}

TEST_CASE("PWS refuses a bad or future month (400), an unknown facility or village (404)",
          "[integration][pws]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url()));
  const auto expect = [&](const std::string& query, unsigned status,
                          const std::string& expression) {
    const auto r = gw.admin("GET", "/api/v1/pws" + query);
    INFO(query << " → " << r.response.body());
    CHECK(r.response.result_int() == status);
    const auto o = parse_json(r.response.body());
    REQUIRE(o.HasMember("issue"));
    CHECK(std::string(o["issue"][0]["expression"][0].GetString()) == expression);
  };
  expect("", 400, "month");
  expect("?month=2025-13", 400, "month");
  expect("?month=2025-3", 400, "month");
  expect("?month=2999-01", 400, "month");
  expect("?month=2025-03&facility=pkm-nowhere", 404, "facility");
  expect("?month=2025-03&village=9999999999", 404, "village");
  expect("?month=2025-03&village=32040", 400, "village");
  const auto unauth = http("GET", gw.admin_url() + "/api/v1/pws?month=2025-03", "", {});
  CHECK(unauth.response.result_int() == 401);

  const auto [code, out] = gw.cli({"pws", "--month", "2025-13"});
  CHECK(code == 2);
  const auto [unknown, out2] = gw.cli({"pws", "--month", "2025-03", "--facility", "nope"});
  CHECK(unknown == 1);
}
