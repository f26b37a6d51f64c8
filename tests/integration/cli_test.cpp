// The ilp-gateway command line against the shipped config and example records.
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
namespace fs = std::filesystem;

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args,
        std::vector<std::pair<std::string, std::string>> env = {{"ILP_SECRET_PKM_SUKAMAJU", "a"},
                                                                {"ILP_SECRET_PKM_TANJUNG", "b"},
                                                                {"ILP_SECRET_PKM_SENTANI", "c"}}) {
  args.insert(args.begin(), gateway_binary());
  auto p = ChildProcess::start(args, env);
  auto code = p->wait(std::chrono::seconds(30));
  Run r{code.value_or(-1), {}, p->stderr_text()};
  for (const auto& l : p->stdout_lines()) r.out += l + "\n";
  return r;
}

std::string config() { return source_dir() + "/config/gateway.yaml"; }
std::string example(const std::string& name) {
  return source_dir() + "/config/examples/visit/" + name;
}

}  // namespace

TEST_CASE("check-config says OK for the shipped configuration, mappings and examples",
          "[integration][cli]") {
  auto r = run({"check-config", "--config", config()});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.ends_with("\nOK\n"));
  CHECK(r.out.find("pkm-sukamaju") != std::string::npos);
  for (const char* kind :
       {"visit", "anc", "immunization", "growth", "screening", "lab", "prescription", "tb",
        "patient", "childbirth", "postpartum", "neonatal", "youth_screening"}) {
    CHECK(r.out.find(std::string(" ") + kind + " v") != std::string::npos);
  }
  CHECK(r.out.find("visit: 7/7 examples as expected") != std::string::npos);
  CHECK(r.out.find("warning") == std::string::npos);
  CHECK(r.out.find("a\n") == std::string::npos);  // the secret itself is never printed
}

TEST_CASE("check-config lists every problem with file:line and exits 1", "[integration][cli]") {
  const auto dir = fs::temp_directory_path() / ("ilp-cli-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(source_dir() + "/config/facilities.yaml", dir / "facilities.yaml",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / "gateway.yaml") << "listen:\n  ingest: x\nretry:\n  max_attempts: -1\n"
                                         "colour: blue\n";
  auto r = run({"check-config", "--config", (dir / "gateway.yaml").string()});
  fs::remove_all(dir);
  CHECK(r.code == 1);
  CHECK(r.err.find("gateway.yaml:4") != std::string::npos);
  CHECK(r.err.find("gateway.yaml:5") != std::string::npos);
  CHECK(r.err.find("colour") != std::string::npos);
}

namespace {

// A scratch copy of config/mappings that a test changes; removed with the object.
struct MappingsCopy {
  std::filesystem::path dir;
  explicit MappingsCopy(const std::string& tag)
      : dir(std::filesystem::temp_directory_path() /
            ("ilp-cli-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir);
    std::filesystem::copy(source_dir() + "/config/mappings", dir,
                          std::filesystem::copy_options::recursive);
  }
  ~MappingsCopy() { std::filesystem::remove_all(dir); }
  std::string set() const { return "mappings=" + dir.string(); }

  // Replaces the first `from` in the copy's `file` with `to`; false when `from` is not there.
  bool replace(const std::string& file, const std::string& from, const std::string& to) const {
    std::string yaml;
    {
      std::ifstream f(dir / file);
      std::stringstream s;
      s << f.rdbuf();
      yaml = s.str();
    }
    const auto at = yaml.find(from);
    if (at == std::string::npos) return false;
    yaml.replace(at, from.size(), to);
    std::ofstream(dir / file, std::ios::trunc) << yaml;
    return true;
  }
};

}  // namespace

TEST_CASE("check-config refuses a mapping that does not compile, naming file and line",
          "[integration][cli]") {
  const MappingsCopy copy("maps");
  const auto& dir = copy.dir;
  std::ofstream(dir / "visit.yaml", std::ios::app)
      << "  - name: broken\n    body: {resourceType: Basic, x: \"${nosuch()}\"}\n";
  auto r = run({"check-config", "--config", config(), "--set", copy.set()});
  CHECK(r.code == 1);
  CHECK(r.err.find("visit.yaml:") != std::string::npos);
  CHECK(r.err.find("unknown function 'nosuch'") != std::string::npos);
}

TEST_CASE("check-config fails when an example no longer maps", "[integration][cli]") {
  const MappingsCopy copy("ex");
  // A stricter visit_no than the shipped examples use.
  REQUIRE(copy.replace("visit.yaml", "max_length: 64", "max_length: 3"));
  auto r = run({"check-config", "--config", config(), "--set", copy.set()});
  CHECK(r.code == 1);
  CHECK(r.out.find("FAIL") != std::string::npos);
  CHECK(r.out.find("data.visit_no") != std::string::npos);
}

TEST_CASE("check-config fails when an example maps to a bundle the profiles refuse",
          "[integration][cli]") {
  // Weight sent with the UCUM unit g under LOINC 29463-7: it maps, but rule 10012 wants kg, so
  // ingest would answer 422. check-config must say so before the template goes live.
  const MappingsCopy copy("prof");
  REQUIRE(copy.replace("neonatal.yaml", "code: \"${lookup('vital-signs', 'weight').ucum}\"",
                       "code: g"));
  auto r = run({"check-config", "--config", config(), "--set", copy.set()});
  CHECK(r.code == 1);
  CHECK(r.out.find("FAIL") != std::string::npos);
  CHECK(r.out.find("neonatal: 1/3 examples as expected") != std::string::npos);
}

TEST_CASE("check-config names a missing secret without printing any secret", "[integration][cli]") {
  auto r = run({"check-config", "--config", config()}, {{"ILP_SECRET_PKM_SUKAMAJU", "a"}});
  CHECK(r.code == 1);
  CHECK(r.err.find("ILP_SECRET_PKM_TANJUNG") != std::string::npos);
}

TEST_CASE("map prints the bundle of a good record and exits 0", "[integration][cli]") {
  auto r = run({"map", "--config", config(), example("visit-1.json")}, {});
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto d = parse_json(r.out);
  CHECK(std::string(d["resourceType"].GetString()) == "Bundle");
  CHECK(std::string(d["type"].GetString()) == "transaction");
}

TEST_CASE("map prints the OperationOutcome of a bad record and exits 1", "[integration][cli]") {
  auto r = run({"map", "--config", config(), example("rejected-bad-nik.json")}, {});
  REQUIRE(r.code == 1);
  auto d = parse_json(r.out);
  CHECK(std::string(d["issue"][0]["expression"][0].GetString()) == "data.patient.nik");
}

TEST_CASE("map reads NDJSON: one line out per line in, a summary on stderr", "[integration][cli]") {
  const auto file =
      fs::temp_directory_path() / ("ilp-map-" + std::to_string(::getpid()) + ".ndjson");
  {
    std::ofstream out(file);
    for (const char* f : {"visit-1.json", "rejected-bad-nik.json", "visit-2.json"}) {
      std::ifstream in(example(f));
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::string line;
      for (char c : text) line += (c == '\n' ? ' ' : c);
      out << line << "\n";
    }
  }
  auto r = run({"map", "--config", config(), file.string()}, {});
  fs::remove(file);
  CHECK(r.code == 1);
  std::vector<std::string> lines;
  std::stringstream ss(r.out);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("\"Bundle\"") != std::string::npos);
  CHECK(lines[1].find("OperationOutcome") != std::string::npos);
  CHECK(lines[2].find("\"Bundle\"") != std::string::npos);
  CHECK(r.err.find("2 mapped, 1 rejected") != std::string::npos);
}

TEST_CASE("queue stats, list, show and retry work on the store", "[integration][cli]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.wait_grace_hours=0"}));
  auto posted = gw.post_record(visit_envelope("CLI-1", [](rapidjson::Document& d) {
    d["data"]["patient"]["nik"].SetString("3204019999990099");
  }));
  REQUIRE(posted.response.result_int() == 202);
  const std::string id = parse_json(posted.response.body())["id"].GetString();
  gw.wait_for_status(id, "needs_correction");

  auto stats = gw.cli({"queue", "stats"});
  CHECK(stats.first == 0);
  CHECK(parse_json(stats.second)["by_status"]["needs_correction"].GetInt() == 1);

  auto list = gw.cli({"queue", "list", "--status", "needs_correction"});
  CHECK(list.first == 0);
  CHECK(list.second.find(id) != std::string::npos);

  auto show = gw.cli({"queue", "show", id});
  CHECK(show.first == 0);
  CHECK(parse_json(show.second)["last_error"]["issue"].Size() >= 1);

  auto retry = gw.cli({"queue", "retry", id});
  CHECK(retry.first == 0);
  CHECK(retry.second.find("1 record(s) re-queued") != std::string::npos);
  // The running gateway picks it up at its next poll, and it ends where it must.
  gw.wait_for(id, [](const rapidjson::Document& d) {
    return std::string(d["status"].GetString()) == "needs_correction" && d["history"].Size() > 4;
  });
}

TEST_CASE("map refuses a bundle that fails the profiles, naming the record field and the FHIR path",
          "[integration][cli]") {
  // A visit mapping that (wrongly) writes the visit number into Encounter.status.
  const MappingsCopy copy("badstatus");
  std::string yaml;
  {
    std::ifstream f(copy.dir / "visit.yaml");
    std::stringstream s;
    s << f.rdbuf();
    yaml = s.str();
  }
  const std::string from = "      status: finished\n";
  const auto at = yaml.find(from);
  REQUIRE(at != std::string::npos);
  yaml.replace(at, from.size(), "      status: \"${visit_no}\"\n");
  std::ofstream(copy.dir / "visit.yaml", std::ios::trunc) << yaml;
  auto r = run({"map", "--config", config(), "--set", copy.set(), example("visit-1.json")}, {});
  INFO(r.out << r.err);
  REQUIRE(r.code == 1);
  auto d = parse_json(r.out);
  const auto& e = d["issue"][0]["expression"];
  REQUIRE(e.Size() == 2);
  CHECK(std::string(e[0].GetString()) == "data.visit_no");
  CHECK(std::string(e[1].GetString()) == "Bundle.entry[0].resource.status");
}

TEST_CASE("validate passes every golden bundle and fails a broken one with its path and rule",
          "[integration][cli]") {
  const auto dir = fs::temp_directory_path() / ("ilp-val-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto broken = dir / "broken.json";
  std::ofstream(broken) << R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
    "subject":{"reference":"Patient/P1"},"encounter":{"reference":"Encounter/E1"},
    "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category",
      "code":"vital-signs"}]}],
    "effectiveDateTime":"2025-03-21T10:00:00+07:00",
    "valueQuantity":{"value":120,"unit":"mm[Hg]","system":"http://unitsofmeasure.org",
      "code":"mm[Hg]"}})";
  auto good = run({"validate", "--profiles", source_dir() + "/fhir_profiles",
                   source_dir() + "/tests/golden/visit/full-visit.bundle.json"},
                  {});
  INFO(good.out << good.err);
  CHECK(good.code == 0);
  auto bad =
      run({"validate", "--profiles", source_dir() + "/fhir_profiles", "--en", broken.string()}, {});
  INFO(bad.out << bad.err);
  CHECK(bad.code == 1);
  CHECK(bad.out.find("Observation.effectiveDateTime") != std::string::npos);
  CHECK(bad.out.find("[SATUSEHAT 10295]") != std::string::npos);
  auto r4 =
      run({"validate", "--profiles", source_dir() + "/fhir_profiles", "--r4", broken.string()}, {});
  CHECK(r4.code == 0);  // a +07:00 time is valid FHIR; only SATUSEHAT refuses it
  fs::remove_all(dir);
}

TEST_CASE("a misspelt option exits 2 naming it, and changes nothing", "[integration][cli]") {
  const auto r = run({"queue", "--config", config(), "retry", "--stauts", "dead"});
  CHECK(r.code == 2);
  CHECK(r.err.find("unknown option --stauts for `queue`") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("queue list and show escape control characters of stored fields for the terminal",
          "[integration][cli]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.enabled=false"}));
  // The API accepts any non-empty record_id: ESC (a colour sequence), CR and LF included.
  const std::string hostile = "CTL-\x1b[31m-\r-\n-end";
  auto posted = gw.post_record(visit_envelope("CTL-1", [&](rapidjson::Document& d) {
    d["record_id"].SetString(hostile.c_str(), static_cast<rapidjson::SizeType>(hostile.size()),
                             d.GetAllocator());
  }));
  REQUIRE(posted.response.result_int() == 202);
  const std::string id = parse_json(posted.response.body())["id"].GetString();

  auto list = gw.cli({"queue", "list"});
  CHECK(list.first == 0);
  CHECK(list.second.find('\x1b') == std::string::npos);
  CHECK(list.second.find('\r') == std::string::npos);
  CHECK(list.second.find("CTL-\\x1b[31m-\\r-\\n-end") != std::string::npos);
  // One line per record plus the count: the LF in the id did not start a line of its own.
  CHECK(std::count(list.second.begin(), list.second.end(), '\n') == 2);

  auto show = gw.cli({"queue", "show", id});
  CHECK(show.first == 0);
  CHECK(show.second.find('\x1b') == std::string::npos);
  CHECK(show.second.find('\r') == std::string::npos);
  // JSON stays JSON: the value round-trips.
  CHECK(std::string(parse_json(show.second)["record_id"].GetString()) == hostile);
}

namespace {

// Overwrites the root page of the records table with garbage (the schema on page 1 stays
// readable, so the store opens and only its reads fail, as with a bad disk sector).
void corrupt_records_table(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::int64_t root = 0;
  std::int64_t page_size = 0;
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name = 'records'", -1,
                             &st, nullptr) == SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW) root = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, nullptr) == SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW) page_size = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  REQUIRE(root > 1);
  REQUIRE(page_size > 0);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp((root - 1) * page_size);
  const std::string garbage(static_cast<std::size_t>(page_size), '\xff');
  f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  REQUIRE(f.good());
}

}  // namespace

TEST_CASE("queue list, show and stats on an unreadable store exit 3 saying so, not 'no record'",
          "[integration][cli]") {
  SimFixture sim;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"delivery.enabled=false"}));
  auto posted = gw.post_record(visit_envelope("CORRUPT-1"));
  REQUIRE(posted.response.result_int() == 202);
  const std::string id = parse_json(posted.response.body())["id"].GetString();
  REQUIRE(gw.stop() == 0);  // the WAL is folded into the file
  corrupt_records_table(gw.store_path());

  const auto store = "store.sqlite=" + gw.store_path();
  for (const auto& verb :
       std::vector<std::vector<std::string>>{{"list"}, {"show", id}, {"stats"}}) {
    std::vector<std::string> args = {"queue", "--config", config(), "--set", store};
    args.insert(args.end(), verb.begin(), verb.end());
    const auto r = run(args);
    INFO(verb[0] << ": " << r.out << r.err);
    CHECK(r.code == 3);
    CHECK(r.err.find("the store could not be read") != std::string::npos);
    CHECK(r.err.find("no record") == std::string::npos);
    CHECK(r.out.find("0 record(s)") == std::string::npos);
  }
}
