// `ilp-gateway migrate --to-postgres` (issue 18) through the real binaries: a puskesmas gateway
// on SQLite delivers some records to the simulator, has one refused and one revised, queues
// more while its delivery is off, and stops; its store moves into an empty PostgreSQL database;
// a gateway on PostgreSQL then answers the same records, status and history (API and queue
// CLI), sends only what was pending, and creates nothing twice at the simulator. A database
// that holds records is refused, by a nonzero exit and a message that says why.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "mappers/json.hpp"
#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"
#include "unit/store/pg_test_cluster.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

// ilp-gateway with the shipped config, this store, and `args`.
CliRun run_cli(const std::string& store, std::vector<std::string> args) {
  std::vector<std::string> argv = {gateway_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--config", source_dir() + "/config/gateway.yaml", "--set",
                           "store.sqlite=" + store});
  auto p = ChildProcess::start(argv, {{"ILP_SECRET_PKM_SUKAMAJU", "x"},
                                      {"ILP_SECRET_PKM_TANJUNG", "x"},
                                      {"ILP_SECRET_PKM_SENTANI", "x"}});
  CliRun r;
  r.code = p->wait(60s).value_or(-1);
  for (const auto& l : p->stdout_lines()) r.out += l + "\n";
  r.err = p->stderr_text();
  return r;
}

std::string file_bytes(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Encounters at the simulator by visit number.
std::map<std::string, int> encounters_by_visit(const SimFixture& sim) {
  const auto all = get_json(sim.url("/_sim/resources?type=Encounter"));
  std::map<std::string, int> out;
  for (const auto& e : all["entry"].GetArray()) {
    for (const auto& id : e["resource"]["identifier"].GetArray()) {
      const std::string system = id["system"].GetString();
      if (system.find("/encounter/") != std::string::npos) ++out[id["value"].GetString()];
    }
  }
  return out;
}

std::string unknown_patient(const std::string& id) {
  return visit_envelope(id, [](rapidjson::Document& d) {
    d["data"]["patient"]["nik"].SetString("3204019999990099");
  });
}

struct TempFolder {
  fs::path path = fs::temp_directory_path() /
                  ("ilp-migrate-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
  TempFolder() { fs::create_directories(path); }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

}  // namespace

TEST_CASE(
    "a puskesmas store moved to PostgreSQL keeps its records, status and history, and the hub "
    "sends only what was pending, nothing twice",
    "[integration][pg]") {
  PgTestCluster cluster;
  const auto conninfo = cluster.create_database("moved");
  SimFixture sim;
  TempFolder folder;
  const auto store_dir = (folder.path / "store").string();
  fs::create_directories(store_dir);
  const auto store = store_dir + "/gateway.db";

  std::vector<std::string> settled;  // delivered, refused or revised: must not change
  std::vector<std::string> pending;
  {
    GatewayOptions opts(sim.base_url(), {"delivery.wait_grace_hours=0"});
    opts.store_dir = store_dir;
    GatewayFixture gw(opts);
    for (const char* visit : {"MV-1", "MV-2", "MV-3"}) {
      const auto id = accepted_id(gw.post_record(visit_envelope(visit)));
      gw.wait_for_status(id, "delivered");
      settled.push_back(id);
    }
    const auto refused = accepted_id(gw.post_record(unknown_patient("MV-NC")));
    gw.wait_for_status(refused, "needs_correction");
    settled.push_back(refused);
    // MV-2 revised after delivery: revision 2 goes as an update of the same Encounter.
    const auto revised = gw.post_record(visit_envelope(
        "MV-2", [](rapidjson::Document& d) { d["data"]["vitals"]["systolic"].SetInt(135); }));
    REQUIRE(revised.response.result_int() == 202);
    gw.wait_for(settled[1], [](const rapidjson::Document& d) {
      return d["revision"].GetInt() == 2 && std::string(d["status"].GetString()) == "delivered";
    });
    REQUIRE(gw.stop() == 0);
  }
  std::map<std::string, std::string> before;  // id -> status document on SQLite
  std::string list_before;
  {
    // Accepted while delivery is off: queued when the store moves.
    GatewayOptions opts(sim.base_url(), {"delivery.enabled=false"});
    opts.store_dir = store_dir;
    GatewayFixture gw(opts);
    for (const char* visit : {"MV-4", "MV-5", "MV-6"}) {
      pending.push_back(accepted_id(gw.post_record(visit_envelope(visit))));
    }
    for (const auto& id : settled) before[id] = gw.get_record(id).response.body();
    for (const auto& id : pending) before[id] = gw.get_record(id).response.body();
    REQUIRE(gw.stop() == 0);
  }
  const auto listed = run_cli(store, {"queue", "list", "--limit", "100"});
  REQUIRE(listed.code == 0);
  list_before = listed.out;
  const auto sent_before = stat(sim, "bundles_accepted");
  const auto db_bytes = file_bytes(store);

  const auto moved = run_cli(store, {"migrate", "--to-postgres", conninfo});
  INFO(moved.out << moved.err);
  REQUIRE(moved.code == 0);
  CHECK_THAT(moved.out, Catch::Contains("moved 7 record(s)") && Catch::Contains("delivered: 3") &&
                            Catch::Contains("needs_correction: 1") &&
                            Catch::Contains("queued: 3") && Catch::Contains("pseudonym key"));
  CHECK(file_bytes(store) == db_bytes);  // the SQLite store was only read

  // The hub's key is the puskesmas's key file, copied (docs/hub.md).
  const auto key = (folder.path / "hub.key").string();
  fs::copy_file(store_dir + "/pseudonym.key", key);
  const std::vector<std::string> hub = {"store.postgres=" + conninfo, "store.pseudonym_key=" + key};
  std::vector<std::string> queue_args = {"queue", "list", "--limit", "100"};
  for (const auto& o : hub) queue_args.insert(queue_args.end(), {"--set", o});
  const auto listed_pg = run_cli(store, queue_args);
  REQUIRE(listed_pg.code == 0);
  CHECK(listed_pg.out == list_before);

  auto opts = GatewayOptions(sim.base_url(), hub);
  opts.overrides.push_back("store.instance_id=hub-1");
  GatewayFixture gw(opts);
  for (const auto& id : settled) {
    INFO(id);
    CHECK(gw.get_record(id).response.body() == before[id]);
  }
  for (const auto& id : pending) {
    const auto doc = gw.wait_for_status(id, "delivered", 30s);
    // Its history on SQLite is the start of its history now.
    const auto old = parse_json(before[id]);
    REQUIRE(doc["history"].Size() > old["history"].Size());
    for (rapidjson::SizeType i = 0; i < old["history"].Size(); ++i) {
      CHECK(ilp::mappers::to_json(doc["history"][i]) == ilp::mappers::to_json(old["history"][i]));
    }
  }
  // Only the three pending bundles reached the simulator; one Encounter per visit.
  CHECK(stat(sim, "bundles_accepted") == sent_before + 3);
  const auto per_visit = encounters_by_visit(sim);
  CHECK(per_visit.size() == 6);
  for (const auto& [visit, n] : per_visit) {
    INFO(visit);
    CHECK(n == 1);
  }
  for (const auto& id : settled) {
    INFO(id);
    CHECK(gw.get_record(id).response.body() == before[id]);
  }
}

TEST_CASE("migrate refuses a PostgreSQL database that already holds records, exit 1",
          "[integration][pg]") {
  PgTestCluster cluster;
  const auto conninfo = cluster.create_database("busy");
  SimFixture sim;
  TempFolder folder;
  const auto store_dir = (folder.path / "store").string();
  fs::create_directories(store_dir);
  {
    GatewayOptions opts(sim.base_url(), {"delivery.enabled=false"});
    opts.store_dir = store_dir;
    GatewayFixture gw(opts);
    accepted_id(gw.post_record(visit_envelope("BUSY-1")));
    REQUIRE(gw.stop() == 0);
  }
  const auto store = store_dir + "/gateway.db";
  const auto first = run_cli(store, {"migrate", "--to-postgres", conninfo});
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  // Again into the same database: it is no longer empty.
  const auto second = run_cli(store, {"migrate", "--to-postgres", conninfo});
  CHECK(second.code == 1);
  CHECK_THAT(second.err, Catch::Contains("not empty") && Catch::Contains("1 record(s)") &&
                             Catch::Contains("nothing was copied"));
  CHECK(second.out.empty());
  // A password in the connection string is refused before anything connects.
  const auto pw = run_cli(store, {"migrate", "--to-postgres", conninfo + " password=secret"});
  CHECK(pw.code == 2);
  CHECK_THAT(pw.err, Catch::Contains("PGPASSWORD"));
  CHECK(pw.err.find("secret") == std::string::npos);
}
