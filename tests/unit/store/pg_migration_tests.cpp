// The PostgreSQL store's base: libpq calls that report SQLSTATEs instead of throwing, and
// schema migrations that several instances may start at once (issue 18). Against a real
// PostgreSQL 15 started for these tests (pg_test_cluster.hpp).
#include <catch2/catch.hpp>
#include <thread>

#include "gateway/store/pg/pg_connection.hpp"
#include "gateway/store/pg/pg_migrations.hpp"
#include "pg_test_cluster.hpp"

using namespace ilp::gateway::store::pg;

namespace {

ilp::testing::PgTestCluster& cluster() {
  static ilp::testing::PgTestCluster c;  // one server for the file; a database per test
  return c;
}

std::unique_ptr<PgConnection> connect_new(const std::string& name) {
  const auto info = cluster().create_database(name);
  std::string error;
  auto c = PgConnection::connect(info, error);
  INFO(error);
  REQUIRE(c);
  return c;
}

const std::vector<Migration> kTwo = {
    {1, "CREATE TABLE a (id bigint PRIMARY KEY)"},
    {2, "CREATE TABLE b (id bigint PRIMARY KEY); INSERT INTO a VALUES (1)"},
};

int schema_version(PgConnection& c) {
  return static_cast<int>(
      c.exec("SELECT coalesce(max(version), 0) FROM ilp_schema").integer(0, 0).value_or(-1));
}

}  // namespace

TEST_CASE("pending migrations are applied in order and the version recorded", "[store][pg]") {
  auto c = connect_new("mig_order");
  const auto out = migrate(*c, kTwo);
  INFO(out.error);
  CHECK(out.kind == MigrationOutcome::Kind::kUpToDate);
  CHECK(out.from == 0);
  CHECK(out.to == 2);
  CHECK(schema_version(*c) == 2);
  CHECK(c->exec("SELECT count(*) FROM a").integer(0, 0) == 1);
}

TEST_CASE("migrating an up-to-date database changes nothing", "[store][pg]") {
  auto c = connect_new("mig_again");
  REQUIRE(migrate(*c, kTwo).to == 2);
  const auto again = migrate(*c, kTwo);
  CHECK(again.kind == MigrationOutcome::Kind::kUpToDate);
  CHECK(again.from == 2);
  CHECK(again.to == 2);
  CHECK(c->exec("SELECT count(*) FROM ilp_schema").integer(0, 0) == 2);
}

TEST_CASE("a database newer than the binary is refused and left as it is", "[store][pg]") {
  auto c = connect_new("mig_newer");
  REQUIRE(migrate(*c, kTwo).to == 2);
  const std::vector<Migration> older = {kTwo[0]};
  const auto out = migrate(*c, older);
  CHECK(out.kind == MigrationOutcome::Kind::kNewer);
  CHECK(out.from == 2);
  CHECK_THAT(out.error, Catch::Contains("schema version 2, this gateway knows 1"));
  CHECK(schema_version(*c) == 2);
}

TEST_CASE("a failing migration is rolled back whole and names its version", "[store][pg]") {
  auto c = connect_new("mig_fail");
  const std::vector<Migration> broken = {
      kTwo[0], {2, "CREATE TABLE half (id int); INSERT INTO nosuch VALUES (1)"}};
  const auto out = migrate(*c, broken);
  CHECK(out.kind == MigrationOutcome::Kind::kFailed);
  CHECK(out.to == 1);
  CHECK_THAT(out.error, Catch::Contains("migration 2") && Catch::Contains("42P01"));
  CHECK(schema_version(*c) == 1);
  CHECK_FALSE(c->exec("SELECT 1 FROM half").ok());  // its first statement was undone too
}

TEST_CASE("a gap in the migration list is an error, not a skipped version", "[store][pg]") {
  auto c = connect_new("mig_gap");
  const auto out = migrate(*c, {kTwo[0], {3, "SELECT 1"}});
  CHECK(out.kind == MigrationOutcome::Kind::kFailed);
  CHECK_THAT(out.error, Catch::Contains("migration 2 is missing"));
  CHECK(schema_version(*c) == 1);
}

TEST_CASE("instances starting together apply each migration once", "[store][pg]") {
  const auto info = cluster().create_database("mig_race");
  // A migration applied twice would fail here: CREATE TABLE without IF NOT EXISTS, and a slow
  // first statement so that both instances are inside migrate() at once.
  const std::vector<Migration> slow = {{1, "SELECT pg_sleep(0.3); CREATE TABLE once (id int)"}};
  MigrationOutcome outs[3];
  std::vector<std::thread> threads;
  for (auto& out : outs) {
    threads.emplace_back([&info, &slow, &out] {
      std::string error;
      auto c = PgConnection::connect(info, error);
      out = c ? migrate(*c, slow) : MigrationOutcome{MigrationOutcome::Kind::kFailed, 0, 0, error};
    });
  }
  for (auto& t : threads) t.join();
  int applied = 0;
  for (const auto& out : outs) {
    INFO(out.error);
    CHECK(out.kind == MigrationOutcome::Kind::kUpToDate);
    CHECK(out.to == 1);
    applied += out.from == 0 ? 1 : 0;
  }
  CHECK(applied == 1);
  std::string error;
  auto c = PgConnection::connect(info, error);
  REQUIRE(c);
  CHECK(c->exec("SELECT count(*) FROM ilp_schema").integer(0, 0) == 1);
}

TEST_CASE("statement errors come back with their SQLSTATE, and NULL parameters bind",
          "[store][pg]") {
  auto c = connect_new("pg_errors");
  REQUIRE(c->exec("CREATE TABLE k (id text PRIMARY KEY, v text)").ok());
  REQUIRE(c->exec("INSERT INTO k VALUES ($1, $2)", {"x", std::nullopt}).ok());
  const auto dup = c->exec("INSERT INTO k VALUES ($1, $2)", {"x", "secret-value"});
  CHECK_FALSE(dup.ok());
  CHECK(dup.sqlstate() == "23505");
  // The message names the constraint, never the row's values.
  CHECK(dup.error().find("secret-value") == std::string::npos);
  const auto row = c->exec("SELECT v FROM k WHERE id = $1", {"x"});
  REQUIRE(row.rows() == 1);
  CHECK(row.is_null(0, 0));
  CHECK(is_connection_lost("57P01"));
  CHECK(is_serialization_failure("40P01"));
  CHECK_FALSE(is_connection_lost("23505"));
}

TEST_CASE("a server that cannot be reached is an error value, not a throw", "[store][pg]") {
  std::string error;
  const auto c = PgConnection::connect("host=/nonexistent-dir dbname=x connect_timeout=2", error);
  CHECK(c == nullptr);
  CHECK_FALSE(error.empty());
}

TEST_CASE("a terminated backend is seen as a lost connection", "[store][pg]") {
  auto c = connect_new("pg_killed");
  REQUIRE(cluster().psql("SELECT pg_terminate_backend(" + std::to_string(c->backend_pid()) + ")") ==
          0);
  const auto r = c->exec("SELECT 1");
  CHECK_FALSE(r.ok());
  CHECK(is_connection_lost(r.sqlstate()));
  CHECK(c->broken());
}
