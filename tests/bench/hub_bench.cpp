// hub_bench: ingest and drain of a provincial hub (issue 18) with 1, 2 and 3 gateway instances
// on one PostgreSQL 15 database, and one gateway on SQLite beside them, in the same run,
// against the simulator on loopback with no rate limit.
//
//   build/tests/hub_bench [--records 3000] [--patients 300] [--connections 16]
//                         [--concurrency 4] [--runs sqlite,pg1,pg2,pg3] [--seconds 600]
//                         [--pg-fsync 0]
//
// Each run: a fresh store (a new SQLite folder, or a new database in one durable PostgreSQL
// cluster — fsync and synchronous_commit on, as SQLite's synchronous=FULL), the simulator reset.
//  1. ingest: the instances start with delivery off; --records visits of --patients generated
//     patients are posted closed-loop over --connections keep-alive connections spread evenly
//     over the instances; records/s acknowledged (202).
//  2. drain: the instances are stopped and started again with delivery on (one after the
//     other, ~0.3 s each; the time counts from the first start); records/s until GET
//     /admin/queue/stats counts every record delivered.
// Prints one line per run and the scaling of each PostgreSQL run against one instance; asserts
// nothing about timing. The exit code is non-zero only when a run itself failed.
#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/http/client.hpp"
#include "support/gateway_fixture.hpp"
#include "support/generated_patients.hpp"
#include "unit/store/pg_test_cluster.hpp"

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using ilp::gateway::http::Client;
using ilp::gateway::http::ClientOptions;
using ilp::gateway::http::Url;
using namespace ilp::testing;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
  int records = 3000;
  int patients = 300;
  int connections = 16;
  int concurrency = 4;
  double seconds = 600;
  bool durable = true;  // --pg-fsync 0: PostgreSQL without fsync, to see what fsync costs
  std::vector<std::string> runs = {"sqlite", "pg1", "pg2", "pg3"};
};

struct Result {
  std::string name;
  int instances = 1;
  double ingest_per_s = 0;
  double drain_per_s = 0;
  std::size_t ingest_errors = 0;
  bool ok = true;
};

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Posts every record once, closed loop; returns the seconds it took and counts refusals.
double ingest(const std::vector<std::string>& urls, const Settings& s, const std::string& prefix,
              std::size_t& errors) {
  std::vector<Url> parsed;
  for (const auto& u : urls) parsed.push_back(*Url::parse(u));
  net::io_context ioc;
  std::atomic<int> next{0};
  const auto start = Clock::now();
  for (int c = 0; c < s.connections; ++c) {
    net::co_spawn(
        ioc,
        [&, c]() -> net::awaitable<void> {
          auto ex = co_await net::this_coro::executor;
          Client client(ex, ClientOptions{});
          const auto& url = parsed[static_cast<std::size_t>(c) % parsed.size()];
          for (int n = next++; n < s.records; n = next++) {
            bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/api/v1/records", 11};
            req.set(bhttp::field::content_type, "application/json");
            req.set(bhttp::field::authorization, std::string("Bearer ") + kSukamajuApiKey);
            req.body() = generated_visit(prefix + std::to_string(n), n % s.patients);
            // co_await in a statement of its own (GCC 12, see ingest_bench).
            auto r = co_await client.send(url, std::move(req));
            if (!r.ok() || r.response.result_int() != 202) ++errors;
          }
        },
        net::detached);
  }
  ioc.run();
  return since(start);
}

std::int64_t delivered(const GatewayFixture& gw) {
  const auto r = gw.admin("GET", "/admin/queue/stats");
  if (!r.ok() || r.response.result_int() != 200) return -1;
  const auto doc = parse_json(r.response.body());
  if (!doc.HasMember("by_status") || !doc["by_status"].HasMember("delivered")) return 0;
  return doc["by_status"]["delivered"].GetInt64();
}

Result run_one(const std::string& name, const Settings& s, SimFixture& sim, PgTestCluster* cluster,
               int index) {
  Result out;
  out.name = name;
  const bool pg = name != "sqlite";
  out.instances = pg ? std::stoi(name.substr(2)) : 1;
  const auto dir = fs::temp_directory_path() /
                   ("ilp-hub-bench-" + std::to_string(::getpid()) + "-" + std::to_string(index));
  fs::create_directories(dir);
  std::vector<std::string> common = {"platform.rate_limit_per_min=1000000", "log.level=warn",
                                     "delivery.concurrency=" + std::to_string(s.concurrency),
                                     "limits.connections=256"};
  if (pg) {
    common.push_back("store.postgres=" + cluster->create_database("bench" + std::to_string(index)));
    common.push_back("store.pseudonym_key=" + (dir / "hub.key").string());
  }
  const auto options = [&](int k, bool deliver) {
    GatewayOptions o(sim.base_url(), common);
    o.overrides.push_back(std::string("delivery.enabled=") + (deliver ? "true" : "false"));
    o.overrides.push_back("store.instance_id=" + name + "-" + std::to_string(k));
    o.store_dir = dir.string();  // SQLite: one store for both phases
    return o;
  };
  sim.reset();
  {
    std::vector<std::unique_ptr<GatewayFixture>> gws;
    std::vector<std::string> urls;
    for (int k = 0; k < out.instances; ++k) {
      gws.push_back(std::make_unique<GatewayFixture>(options(k, false)));
      urls.push_back(gws.back()->ingest_url());
    }
    const double t = ingest(urls, s, name + "-", out.ingest_errors);
    out.ingest_per_s = static_cast<double>(s.records - static_cast<int>(out.ingest_errors)) / t;
    for (auto& gw : gws) gw->stop();
  }
  {
    // Started one after the other from this thread: a child dies with the thread that started
    // it (ChildProcess, PR_SET_PDEATHSIG). The first starts sending while the others start.
    std::vector<std::unique_ptr<GatewayFixture>> gws;
    const auto start = Clock::now();
    for (int k = 0; k < out.instances; ++k) {
      gws.push_back(std::make_unique<GatewayFixture>(options(k, true)));
    }
    const auto expected =
        static_cast<std::int64_t>(s.records) - static_cast<std::int64_t>(out.ingest_errors);
    std::int64_t done = 0;
    while (since(start) < s.seconds) {
      done = delivered(*gws[0]);
      if (done >= expected) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double t = since(start);
    out.drain_per_s = static_cast<double>(done) / t;
    out.ok = done >= expected && out.ingest_errors == 0;
    if (!out.ok) {
      std::fprintf(stderr, "%s: %lld of %lld delivered, %zu ingest errors\n", name.c_str(),
                   static_cast<long long>(done), static_cast<long long>(expected),
                   out.ingest_errors);
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const std::string v = argv[i + 1];
    if (a == "--records") s.records = std::stoi(v);
    if (a == "--patients") s.patients = std::stoi(v);
    if (a == "--connections") s.connections = std::stoi(v);
    if (a == "--concurrency") s.concurrency = std::stoi(v);
    if (a == "--seconds") s.seconds = std::stod(v);
    if (a == "--pg-fsync") s.durable = v != "0";
    if (a == "--runs") {
      s.runs.clear();
      std::stringstream list(v);
      for (std::string r; std::getline(list, r, ',');) s.runs.push_back(r);
    }
  }
  const auto dir = fs::temp_directory_path() / ("ilp-hub-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto paths = SimPaths::defaults();
  paths.seed = write_seed_with_patients(dir, s.patients);
  SimFixture sim({}, paths);
  std::unique_ptr<PgTestCluster> cluster;
  if (std::any_of(s.runs.begin(), s.runs.end(), [](const auto& r) { return r != "sqlite"; })) {
    cluster = std::make_unique<PgTestCluster>(s.durable);
  }
  std::printf(
      "hub_bench: %d visit records of %d patients, %d connections, delivery.concurrency %d per "
      "instance, PostgreSQL fsync %s\n",
      s.records, s.patients, s.connections, s.concurrency, s.durable ? "on" : "off");
  std::printf("%-8s %9s %16s %16s\n", "store", "instances", "ingest rec/s", "drain rec/s");
  std::vector<Result> results;
  bool ok = true;
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    const auto r = run_one(s.runs[i], s, sim, cluster.get(), static_cast<int>(i));
    std::printf("%-8s %9d %16.0f %16.0f%s\n", r.name == "sqlite" ? "sqlite" : "postgres",
                r.instances, r.ingest_per_s, r.drain_per_s, r.ok ? "" : "   (run failed)");
    std::fflush(stdout);
    ok = ok && r.ok;
    results.push_back(r);
  }
  const Result* one = nullptr;
  for (const auto& r : results) {
    if (r.name == "pg1") one = &r;
  }
  if (one != nullptr) {
    for (const auto& r : results) {
      if (r.name == "sqlite" || r.name == "pg1") continue;
      std::printf("postgres x%d vs x1: ingest %.2f, drain %.2f\n", r.instances,
                  r.ingest_per_s / one->ingest_per_s, r.drain_per_s / one->drain_per_s);
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ok ? 0 : 1;
}
