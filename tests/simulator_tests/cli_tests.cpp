// The satusehat-sim command line (DESIGN.md §8): flags, the "listening on" line, signals.

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

using Catch::Matchers::Contains;
using testing::ChildProcess;

const std::string kBin = testing::SimPaths::defaults().binary;
const std::string kSeed = testing::SimPaths::defaults().seed;

std::string stdout_text(ChildProcess& p) {
  std::string out;
  for (const auto& l : p.stdout_lines()) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("help lists every flag and exits 0", "[integration][sim]") {
  auto p = ChildProcess::start({kBin, "--help"});
  REQUIRE(p->wait(std::chrono::seconds(10)) == 0);
  const auto text = stdout_text(*p);
  for (const char* flag :
       {"--listen", "--seed", "--max-body", "--log-level", "--seed-random", "--token-ttl",
        "--auth-backoff-s", "--auth-backoff-status", "--date-floor", "--patient-create-response",
        "--error-rate", "--error-status", "--latency-ms", "--rate-limit-every", "--retry-after-s",
        "--outage-for-s", "--outage-mode", "--token-ttl-fault-s", "--drop-after-process-rate"}) {
    CHECK_THAT(text, Contains(flag));
  }
}

TEST_CASE("unknown flags and bad values exit 2 with a message", "[integration][sim]") {
  const std::vector<std::vector<std::string>> cases = {
      {kBin, "--no-such-flag"},
      {kBin, "--error-rate", "2"},
      {kBin, "--error-status", "404"},
      {kBin, "--outage-mode", "maybe"},
      {kBin, "--token-ttl", "x"},
      {kBin, "--date-floor", "2014-13-01"},
      {kBin, "--listen"},
      {kBin, "--patient-create-response", "json"},
  };
  for (const auto& argv : cases) {
    INFO(argv[1]);
    auto p = ChildProcess::start(argv);
    CHECK(p->wait(std::chrono::seconds(10)) == 2);
    CHECK_THAT(p->stderr_text(), Contains("satusehat-sim:"));
    CHECK(p->stdout_lines().empty());
  }
}

TEST_CASE("a missing or broken seed exits 1 with a clear message", "[integration][sim]") {
  const std::string broken = "/tmp/ilp-sim-test-broken-seed.json";
  {
    std::ofstream out(broken);
    out << R"({"organizations": [{"id": "1", "name": "x", "client_id": "c", "client_secret": "s",
               "colour": "blue"}]})";
  }
  auto missing =
      ChildProcess::start({kBin, "--listen", "127.0.0.1:0", "--seed", "/nonexistent.json"});
  CHECK(missing->wait(std::chrono::seconds(10)) == 1);
  CHECK_THAT(missing->stderr_text(), Contains("/nonexistent.json"));
  auto bad = ChildProcess::start({kBin, "--listen", "127.0.0.1:0", "--seed", broken});
  CHECK(bad->wait(std::chrono::seconds(10)) == 1);
  CHECK_THAT(bad->stderr_text(), Contains("colour"));
  std::remove(broken.c_str());
}

TEST_CASE("an address that cannot be bound exits 1", "[integration][sim]") {
  SimFixture first;
  auto second = ChildProcess::start({kBin, "--listen", first.host_port(), "--seed", kSeed});
  CHECK(second->wait(std::chrono::seconds(10)) == 1);
  CHECK_THAT(second->stderr_text(), Contains("cannot listen"));
}

TEST_CASE("exactly one 'listening on' line, and SIGTERM or SIGINT exit 0", "[integration][sim]") {
  for (int sig : {SIGTERM, SIGINT}) {
    SimFixture sim;
    sim.token();
    sim.fhir("GET", "/Location/" + std::string(kPoliUmum), sim.token());
    const auto lines = sim.process().stdout_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "listening on " + sim.host_port());
    CHECK_THAT(sim.host_port(), Catch::StartsWith("127.0.0.1:"));
    sim.process().signal(sig);
    CHECK(sim.process().wait(std::chrono::seconds(10)) == 0);
  }
}

TEST_CASE("listen with a fixed port binds that port", "[integration][sim]") {
  // Find a free port by binding 0 once, then ask for it explicitly.
  std::string port;
  {
    SimFixture probe;
    port = probe.host_port().substr(probe.host_port().rfind(':') + 1);
    probe.process().signal(SIGTERM);
    REQUIRE(probe.process().wait(std::chrono::seconds(10)) == 0);
  }
  auto p = ChildProcess::start({kBin, "--listen", "127.0.0.1:" + port, "--seed", kSeed});
  CHECK(p->wait_for_line("listening on ") == "127.0.0.1:" + port);
}

TEST_CASE("seed-random makes tokens and ids reproducible", "[integration][sim]") {
  auto run = [] {
    SimFixture sim({"--seed-random", "7"});
    const auto token = sim.token();
    const auto id = create(sim, token, "Location", sample("Location", "SR-1"));
    return token + "/" + id;
  };
  CHECK(run() == run());
}

TEST_CASE("request logs never carry the query (NIKs)", "[integration][sim]") {
  SimFixture sim;
  sim.fhir("GET", "/Patient?identifier=https://fhir.kemkes.go.id/id/nik%7C" + std::string(kBudiNik),
           sim.token());
  sim.process().signal(SIGTERM);
  REQUIRE(sim.process().wait(std::chrono::seconds(10)) == 0);
  const auto log = sim.process().stderr_text();
  CHECK_THAT(log, Contains("GET /fhir-r4/v1/Patient -> 200"));
  CHECK_THAT(log, !Contains(kBudiNik));
  CHECK_THAT(log, !Contains("sukamaju-secret-demo"));
}

}  // namespace ilp::simtest
