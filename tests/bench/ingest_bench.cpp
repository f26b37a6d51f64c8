// ingest_bench: records/s and acknowledgement latency of POST /api/v1/records with the SQLite
// store, 64 keep-alive connections on loopback.
//
//   build/tests/ingest_bench [--connections 64] [--seconds 10] [--rate R] [--url http://H:P]
//
// Without --url it starts build/ilp-gateway itself (delivery disabled, a fresh store in a temp
// folder) so only ingest is measured. Phase 1 runs closed-loop (each connection sends its next
// record as soon as the previous one is acknowledged) for throughput; phase 2 runs open-loop at
// --rate (default: half of phase 1) and measures latency from each request's scheduled send
// time, so a stall cannot hide itself (no coordinated omission).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "gateway/http/url.hpp"
#include "support/child_process.hpp"
#include "support/ingest_load.hpp"

using ilp::gateway::http::Url;
using ilp::testing::IngestLoad;
using ilp::testing::IngestLoadResult;
using ilp::testing::run_ingest_load;
using Clock = std::chrono::steady_clock;

namespace {

void report(const char* name, IngestLoadResult& r) {
  const double rate = r.rate();
  const double p50 = r.percentile(0.50);
  const double p99 = r.percentile(0.99);
  std::printf(
      "%-12s %9.0f records/s acknowledged (202)   p50 %6.2f ms   p99 %6.2f ms   errors %zu\n", name,
      rate, p50, p99, r.errors);
}

}  // namespace

int main(int argc, char** argv) {
  int connections = 64;
  double seconds = 10;
  double rate = 0;
  std::string url_text;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--connections") connections = std::stoi(argv[i + 1]);
    if (a == "--seconds") seconds = std::stod(argv[i + 1]);
    if (a == "--rate") rate = std::stod(argv[i + 1]);
    if (a == "--url") url_text = argv[i + 1];
  }
  std::unique_ptr<ilp::testing::ChildProcess> gateway;
  const auto dir =
      std::filesystem::temp_directory_path() / ("ilp-bench-" + std::to_string(::getpid()));
  if (url_text.empty()) {
    std::filesystem::create_directories(dir);
    gateway = ilp::testing::ChildProcess::start(
        {ILP_GATEWAY_BIN, "serve", "--config", std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml",
         "--set", "listen.ingest=127.0.0.1:0", "--set", "listen.admin=127.0.0.1:0", "--set",
         "store.sqlite=" + (dir / "bench.db").string(), "--set", "delivery.enabled=false", "--set",
         "log.level=warn"},
        {{"ILP_SECRET_PKM_SUKAMAJU", "x"},
         {"ILP_SECRET_PKM_TANJUNG", "x"},
         {"ILP_SECRET_PKM_SENTANI", "x"}});
    url_text = "http://" + gateway->wait_for_line("ingest listening on ");
  }
  const auto url = *Url::parse(url_text);
  std::printf("ingest_bench: %d connections, %.0f s per phase, target %s\n", connections, seconds,
              url_text.c_str());

  IngestLoad load;
  load.url = url;
  load.connections = connections;
  load.seconds = seconds;
  load.prefix = "c";
  auto closed = run_ingest_load(load);
  report("closed-loop", closed);
  const double max_rate = closed.rate();
  if (rate <= 0) rate = max_rate / 2;
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(connections / rate));
  load.interval = interval;
  load.prefix = "o";
  auto open = run_ingest_load(load);
  char name[32];
  std::snprintf(name, sizeof name, "at %.0f/s", rate);
  report(name, open);
  gateway.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
