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
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "gateway/http/client.hpp"
#include "support/child_process.hpp"

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using ilp::gateway::http::Client;
using ilp::gateway::http::ClientOptions;
using ilp::gateway::http::Url;
using Clock = std::chrono::steady_clock;

namespace {

std::string visit(const std::string& id) {
  return R"({"kind":"visit","facility":"pkm-sukamaju","record_id":")" + id +
         R"(","data":{"visit_no":")" + id +
         R"(","patient":{"nik":"3204010101900001","name":"Budi Santoso","birth_date":"1990-01-01","gender":"male"},)"
         R"("practitioner":{"nik":"3204011203800001","name":"dr. Andi Wijaya"},"location":"POLI-UMUM",)"
         R"("arrived_at":"2025-03-10T08:00:00","started_at":"2025-03-10T08:15:00","finished_at":"2025-03-10T08:40:00",)"
         R"("vitals":{"systolic":120,"diastolic":80,"heart_rate":78,"respiratory_rate":18,"temperature":36.7,"weight":62.5},)"
         R"("diagnoses":[{"icd10":"J06.9","display":"Acute upper respiratory infection","primary":true},{"icd10":"R50.9"}],)"
         R"("procedures":[{"icd9cm":"89.7","display":"General physical examination"}]}})";
}

struct Run {
  std::vector<double> latencies_ms;
  std::size_t errors = 0;
  double seconds = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// interval == 0: closed loop. Otherwise each connection sends every `interval`.
Run run(const Url& url, int connections, double seconds, Clock::duration interval,
        const std::string& prefix) {
  net::io_context ioc;
  Run result;
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int c = 0; c < connections; ++c) {
    net::co_spawn(
        ioc,
        [&, c]() -> net::awaitable<void> {
          // co_await in a statement of its own: GCC 12 destroys temporaries that share a
          // full-expression with co_await twice.
          auto ex = co_await net::this_coro::executor;
          Client client(ex, ClientOptions{});
          net::steady_timer timer(ex);
          auto next = start + interval * c / std::max(connections, 1);
          for (std::uint64_t n = 0; Clock::now() < end; ++n) {
            if (interval.count() > 0) {
              timer.expires_at(next);
              co_await timer.async_wait(net::use_awaitable);
            }
            const auto sent = interval.count() > 0 ? next : Clock::now();
            next += interval;
            bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/api/v1/records", 11};
            req.set(bhttp::field::content_type, "application/json");
            req.set(bhttp::field::authorization, "Bearer demo-key-sukamaju");
            req.body() = visit(prefix + std::to_string(c) + "-" + std::to_string(n));
            auto r = co_await client.send(url, std::move(req));
            if (!r.ok() || r.response.result_int() != 202) {
              ++result.errors;
              continue;
            }
            result.latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
          }
        },
        net::detached);
  }
  ioc.run();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

void report(const char* name, Run& r) {
  const double rate = static_cast<double>(r.latencies_ms.size()) / r.seconds;
  const double p50 = percentile(r.latencies_ms, 0.50);
  const double p99 = percentile(r.latencies_ms, 0.99);
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

  auto closed = run(url, connections, seconds, Clock::duration::zero(), "c");
  report("closed-loop", closed);
  const double max_rate = static_cast<double>(closed.latencies_ms.size()) / closed.seconds;
  if (rate <= 0) rate = max_rate / 2;
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(connections / rate));
  auto open = run(url, connections, seconds, interval, "o");
  char name[32];
  std::snprintf(name, sizeof name, "at %.0f/s", rate);
  report(name, open);
  gateway.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
