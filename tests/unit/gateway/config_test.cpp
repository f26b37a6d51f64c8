#include "gateway/config/config.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gateway/pws/tables.hpp"
#include "unit/gateway/temp_config.hpp"

namespace fs = std::filesystem;
using ilp::gateway::config::ConfigError;
using ilp::gateway::config::load;
using ilp::test::TempConfig;

namespace {

std::string shipped() { return std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml"; }

struct Secrets {
  Secrets() {
    ::setenv("ILP_SECRET_PKM_SUKAMAJU", "s1", 1);
    ::setenv("ILP_SECRET_PKM_TANJUNG", "s2", 1);
    ::setenv("ILP_SECRET_PKM_SENTANI", "s2", 1);
  }
};

const char* kOneFacility = R"(facilities:
  - key: pkm-a
    name: A
    organization_id: "1"
    timezone: Asia/Jayapura
    client_id: c
    client_secret_env: ILP_SECRET_PKM_SUKAMAJU
    api_key_sha256: ["da11ee2ff2c19cddcdd2e00b11232e0d1392f59a2f61144cadd1f3638768c45a"]
    locations:
      - {code: P1, id: "x", name: "Poli"}
)";

bool any_problem_contains(const ConfigError& e, const std::string& needle) {
  for (const auto& p : e.problems()) {
    if (p.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the shipped configuration loads with the WIB, WITA and WIT demo puskesmas",
          "[unit][config]") {
  Secrets s;
  auto cfg = load(shipped());
  REQUIRE(cfg->facilities.size() == 3);
  CHECK(cfg->facility("pkm-sentani")->info.utc_offset_minutes == 540);
  REQUIRE(cfg->mappings != nullptr);
  CHECK(cfg->mappings->kinds().size() == 13);
  CHECK(cfg->mapping_warnings.empty());
  const auto* f = cfg->facility("pkm-tanjung");
  REQUIRE(f != nullptr);
  CHECK(f->info.utc_offset_minutes == 480);
  CHECK(f->client_secret == "s2");
  CHECK(cfg->retry.max_attempts == 2000);
  CHECK(cfg->platform.rate_limit_per_min == 300);
  // Paths are relative to the config file's folder.
  CHECK(fs::path(cfg->facilities_file).filename() == "facilities.yaml");
  CHECK(fs::path(cfg->store.sqlite).is_absolute());
}

TEST_CASE("a --set override changes any key before validation", "[unit][config]") {
  Secrets s;
  auto cfg =
      load(shipped(), {{"listen.ingest=127.0.0.1:0", "platform.fhir_url=https://x/fhir-r4/v1",
                        "retry.max_attempts=3", "store.sqlite=/tmp/x.db"},
                       true});
  CHECK(cfg->listen.ingest == "127.0.0.1:0");
  CHECK(cfg->platform.fhir_url == "https://x/fhir-r4/v1");
  CHECK(cfg->retry.max_attempts == 3);
  CHECK(cfg->store.sqlite == "/tmp/x.db");
}

TEST_CASE("an unknown key is refused with file and line", "[unit][config]") {
  Secrets s;
  TempConfig t("listen:\n  ingest: \"127.0.0.1:1\"\n  ingets: typo\n", kOneFacility);
  try {
    load(t.path());
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(any_problem_contains(e, "gateway.yaml:3"));
    CHECK(any_problem_contains(e, "listen.ingets"));
  }
}

TEST_CASE("a bad value and a YAML syntax error are reported with lines", "[unit][config]") {
  Secrets s;
  {
    TempConfig t("retry:\n  max_attempts: many\n", kOneFacility);
    REQUIRE_THROWS_AS(load(t.path()), ConfigError);
    try {
      load(t.path());
    } catch (const ConfigError& e) {
      CHECK(any_problem_contains(e, "gateway.yaml:2"));
    }
  }
  {
    TempConfig t("listen: [unclosed\n", kOneFacility);
    try {
      load(t.path());
      FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
      CHECK(any_problem_contains(e, "gateway.yaml:"));
    }
  }
}

TEST_CASE("every problem is reported, not just the first", "[unit][config]") {
  Secrets s;
  TempConfig t("platform:\n  fhir_url: ftp://x\nlog:\n  level: loud\n", R"(facilities:
  - key: pkm-a
    organization_id: "1"
    timezone: Europe/Paris
    client_id: c
    client_secret_env: ILP_SECRET_PKM_SUKAMAJU
    api_key_sha256: ["plaintext-key"]
)");
  try {
    load(t.path());
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.problems().size() >= 4);
    CHECK(any_problem_contains(e, "platform.fhir_url"));
    CHECK(any_problem_contains(e, "log.level"));
    CHECK(any_problem_contains(e, "timezone"));
    CHECK(any_problem_contains(e, "64 hex"));
  }
}

TEST_CASE("a missing client secret is an error for serve but not for a dry run", "[unit][config]") {
  ::unsetenv("ILP_SECRET_PKM_SUKAMAJU");
  TempConfig t("", kOneFacility);
  CHECK_THROWS_AS(load(t.path()), ConfigError);
  CHECK_NOTHROW(load(t.path(), {{}, false}));
  try {
    load(t.path());
  } catch (const ConfigError& e) {
    CHECK(any_problem_contains(e, "ILP_SECRET_PKM_SUKAMAJU"));
  }
}

TEST_CASE("an API key hash identifies exactly its facility", "[unit][config]") {
  Secrets s;
  auto cfg = load(shipped());
  const auto* f =
      cfg->facility_by_key_hash("da11ee2ff2c19cddcdd2e00b11232e0d1392f59a2f61144cadd1f3638768c45a");
  REQUIRE(f != nullptr);
  CHECK(f->info.key == "pkm-sukamaju");
  CHECK(cfg->facility_by_key_hash(std::string(64, '0')) == nullptr);
}

TEST_CASE("the pseudonym key lives beside the store unless store.pseudonym_key names a file",
          "[unit][config]") {
  Secrets s;
  const auto beside = load(shipped(), {{"store.sqlite=/srv/ilp/data/gw.db"}});
  CHECK(beside->store.pseudonym_key == "/srv/ilp/data/pseudonym.key");
  CHECK(beside->pseudonymizer == nullptr);  // read or made by serve, not by load
  CHECK_THROWS_AS(beside->pseudonym(), std::logic_error);

  const auto named = load(shipped(), {{"store.pseudonym_key=../secrets/gw.key"}});
  CHECK(named->store.pseudonym_key ==
        (fs::path(shipped()).parent_path() / "../secrets/gw.key").lexically_normal().string());
}

TEST_CASE("the shipped PWS targets and IDL schedule load, without targets.csv targets are null",
          "[unit][config]") {
  Secrets s;
  auto cfg = load(shipped());
  REQUIRE(cfg->pws != nullptr);
  CHECK(cfg->pws->target("3204012001", 2025, ilp::gateway::pws::Indicator::kK1) == 120);
  CHECK(cfg->pws->idl_schedule().size() == 11);
  TempConfig t("", kOneFacility);
  auto bare = load(t.path());
  REQUIRE(bare->pws != nullptr);
  CHECK_FALSE(bare->pws->target("3204012001", 2025, ilp::gateway::pws::Indicator::kK1));
}

TEST_CASE("a broken pws/targets.csv is refused naming the file and line", "[unit][config]") {
  Secrets s;
  TempConfig t("", kOneFacility);
  fs::create_directories(t.dir / "pws");
  std::ofstream(t.dir / "pws" / "targets.csv")
      << "village_code,village_name,year,indicator,target\n"
         "3204012001,A,2025,k1,10\n3204012001,A,2025,k1,11\n"
         "32040,A,2025,k4,1\n3204012001,A,2025,kx,1\n";
  std::ofstream(t.dir / "pws" / "idl-schedule.csv") << "dose,vaccines,display\nHB0,HB0,HB0\n";
  try {
    load(t.path());
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(any_problem_contains(e, "targets.csv:3: duplicate row"));
    CHECK(any_problem_contains(e, "targets.csv:4: village_code"));
    CHECK(any_problem_contains(e, "targets.csv:5: unknown indicator \"kx\""));
  }
}

TEST_CASE("store.postgres needs a shared pseudonym key and no password inline", "[unit][config]") {
  Secrets s;
  {
    TempConfig t("store:\n  postgres: \"host=/run/pg dbname=ilp\"\n", kOneFacility);
    try {
      load(t.path());
      FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
      CHECK(any_problem_contains(e, "store.postgres needs store.pseudonym_key"));
    }
  }
  {
    TempConfig t("store:\n  postgres: \"host=db password=secret\"\n  pseudonym_key: k.key\n",
                 kOneFacility);
    try {
      load(t.path());
      FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
      CHECK(any_problem_contains(e, "must not hold the password"));
    }
  }
  TempConfig ok(
      "store:\n  postgres: \"host=db dbname=ilp\"\n  pseudonym_key: k.key\n"
      "  instance_id: hub-1\n",
      kOneFacility);
  const auto cfg = load(ok.path());
  CHECK(cfg->store.postgres == "host=db dbname=ilp");
  CHECK(cfg->store.instance_id == "hub-1");
}
