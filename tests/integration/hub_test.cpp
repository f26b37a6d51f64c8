// A provincial hub (issue 18): two real gateway instances on one PostgreSQL 15 database and one
// simulator. Records posted to either instance are delivered once each, a record is visible
// from both, and each patient's records arrive in the order they were accepted.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"
#include "support/generated_patients.hpp"
#include "unit/store/pg_test_cluster.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;

TEST_CASE("two instances on one PostgreSQL deliver every record once, in patient order",
          "[integration][pg]") {
  PgTestCluster cluster;
  const auto conninfo = cluster.create_database("hub");
  SimFixture sim;
  const auto key_dir =
      std::filesystem::temp_directory_path() / ("ilp-hub-key-" + std::to_string(::getpid()));
  std::filesystem::create_directories(key_dir);
  const std::vector<std::string> hub = {"store.postgres=" + conninfo,
                                        "store.pseudonym_key=" + (key_dir / "k.key").string()};
  auto a_opts = GatewayOptions(sim.base_url(), hub);
  a_opts.overrides.push_back("store.instance_id=hub-a");
  GatewayFixture a(a_opts);
  auto b_opts = GatewayOptions(sim.base_url(), hub);
  b_opts.overrides.push_back("store.instance_id=hub-b");
  GatewayFixture b(b_opts);

  // 24 visits of the seed's patient, alternating between the instances: one patient, so the
  // order rule is what decides which instance may send next.
  std::vector<std::string> ids;
  for (int i = 0; i < 24; ++i) {
    auto& gw = i % 2 == 0 ? a : b;
    ids.push_back(accepted_id(gw.post_record(visit_envelope("HUB-" + std::to_string(i)))));
  }
  // Each record's attempt started after the previous record was delivered (ISO times compare
  // as text): whichever instance sent it waited for the other's delivery.
  std::string previous_delivered;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    // Either instance answers for any record: the status lives in the shared database.
    auto& other = i % 2 == 0 ? b : a;
    const auto doc = other.wait_for_status(ids[i], "delivered", 60s);
    std::string sending, delivered;
    for (const auto& h : doc["history"].GetArray()) {
      const std::string status = h["status"].GetString();
      if (status == "sending" && sending.empty()) sending = h["at"].GetString();
      if (status == "delivered") delivered = h["at"].GetString();
    }
    INFO("record " << i);
    CHECK(sending >= previous_delivered);
    previous_delivered = delivered;
  }
  // Exactly one Encounter per visit at the simulator.
  const auto all = get_json(sim.url("/_sim/resources?type=Encounter"));
  std::map<std::string, int> per_visit;
  for (const auto& e : all["entry"].GetArray()) {
    for (const auto& id : e["resource"]["identifier"].GetArray()) {
      const std::string system = id["system"].GetString();
      if (system.find("/encounter/") != std::string::npos) ++per_visit[id["value"].GetString()];
    }
  }
  CHECK(per_visit.size() == ids.size());
  for (const auto& [visit, n] : per_visit) {
    INFO(visit);
    CHECK(n == 1);
  }
  std::error_code ec;
  std::filesystem::remove_all(key_dir, ec);
}

TEST_CASE("a hub instance whose key file went missing refuses to start on a used database",
          "[integration][pg]") {
  PgTestCluster cluster;
  const auto conninfo = cluster.create_database("keyed");
  SimFixture sim;
  const auto key_dir =
      std::filesystem::temp_directory_path() / ("ilp-hub-key2-" + std::to_string(::getpid()));
  std::filesystem::create_directories(key_dir);
  const auto key = key_dir / "k.key";
  GatewayOptions opts(sim.base_url(),
                      {"store.postgres=" + conninfo, "store.pseudonym_key=" + key.string()});
  {
    GatewayFixture first(opts);  // a new hub: the key is made
    accepted_id(first.post_record(visit_envelope("KEY-1")));
    first.stop();
  }
  REQUIRE(std::filesystem::remove(key));
  // A new key would give the queued patient a second one: the start stops instead.
  CHECK_THROWS_WITH(GatewayFixture(opts), Catch::Contains("already holds records"));
  CHECK_FALSE(std::filesystem::exists(key));
  std::error_code ec;
  std::filesystem::remove_all(key_dir, ec);
}

// One login per facility for the whole hub (docs/hub.md "Logins"): three instances deliver
// side by side, each needs a token, and SATUSEHAT sees one token request. A wrong secret is
// refused once for the hub, not once per instance.
namespace {

struct ThreeInstances {
  explicit ThreeInstances(const std::string& db, const std::string& secret = "") {
    conninfo = cluster.create_database(db);
    std::filesystem::create_directories(dir);
    auto paths = SimPaths::defaults();
    paths.seed = write_seed_with_patients(dir, 6);
    sim = std::make_unique<SimFixture>(std::vector<std::string>{}, paths);
    for (const char* id : {"hub-a", "hub-b", "hub-c"}) {
      GatewayOptions o(sim->base_url(), {"store.postgres=" + conninfo,
                                         "store.pseudonym_key=" + (dir / "k.key").string(),
                                         std::string("store.instance_id=") + id});
      if (!secret.empty()) o.sukamaju_secret = secret;
      instances.push_back(std::make_unique<GatewayFixture>(o));
    }
  }
  ~ThreeInstances() {
    instances.clear();
    sim.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  // Two visits of two patients of its own to each instance, so all three send at once.
  std::vector<std::string> post_visits() {
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) {
      auto& gw = *instances[i % 3];
      ids.push_back(accepted_id(gw.post_record(generated_visit("LOGIN-" + std::to_string(i), i))));
    }
    return ids;
  }

  PgTestCluster cluster;
  std::string conninfo;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ilp-hub-login-" + std::to_string(::getpid()));
  std::unique_ptr<SimFixture> sim;
  std::vector<std::unique_ptr<GatewayFixture>> instances;
};

}  // namespace

TEST_CASE("three hub instances log in once between them", "[integration][pg]") {
  ThreeInstances hub("logins");
  const auto ids = hub.post_visits();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    hub.instances[i % 3]->wait_for_status(ids[i], "delivered", 60s);
  }
  CHECK(stat(*hub.sim, "token_requests") == 1);
  // Each instance delivered with it: the token went from the one that logged in to the others.
  int sharing = 0;
  for (auto& gw : hub.instances) {
    const auto metrics = gw->admin("GET", "/metrics");
    if (metrics.response.body().find("ilp_token_shared_total") != std::string::npos) ++sharing;
  }
  CHECK(sharing == 2);
}

TEST_CASE("a wrong secret on a hub is refused once for all its instances", "[integration][pg]") {
  ThreeInstances hub("logins_refused", "wrong-secret");
  const auto ids = hub.post_visits();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto st = hub.instances[i % 3]->wait_for(
        ids[i], [](const rapidjson::Document& d) { return d.HasMember("last_error"); });
    INFO(ids[i]);
    CHECK(std::string(st["status"].GetString()) == "retrying");
    const std::string text = st["last_error"]["issue"][0]["details"]["text"].GetString();
    CHECK(text.find("kredensial") != std::string::npos);
  }
  // SATUSEHAT allows one login a minute after a failure: the hub made one.
  CHECK(stat(*hub.sim, "token_requests") == 1);
}
