#include "support/ingest_load.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/http/client.hpp"

namespace ilp::testing {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

std::string bench_visit(const std::string& id) {
  return R"({"kind":"visit","facility":"pkm-sukamaju","record_id":")" + id +
         R"(","data":{"visit_no":")" + id +
         R"(","patient":{"nik":"3204010101900001","name":"Budi Santoso","birth_date":"1990-01-01","gender":"male"},)"
         R"("practitioner":{"nik":"3204011203800001","name":"dr. Andi Wijaya"},"location":"POLI-UMUM",)"
         R"("arrived_at":"2025-03-10T08:00:00","started_at":"2025-03-10T08:15:00","finished_at":"2025-03-10T08:40:00",)"
         R"("vitals":{"systolic":120,"diastolic":80,"heart_rate":78,"respiratory_rate":18,"temperature":36.7,"weight":62.5},)"
         R"("diagnoses":[{"icd10":"J06.9","display":"Acute upper respiratory infection","primary":true},{"icd10":"R50.9"}],)"
         R"("procedures":[{"icd9cm":"89.7","display":"General physical examination"}]}})";
}

double IngestLoadResult::rate() const {
  return seconds > 0 ? static_cast<double>(latencies_ms.size()) / seconds : 0;
}

double IngestLoadResult::percentile(double p) {
  if (latencies_ms.empty()) return 0;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto n = latencies_ms.size();
  return latencies_ms[std::min(n - 1, static_cast<std::size_t>(p * static_cast<double>(n)))];
}

IngestLoadResult run_ingest_load(const IngestLoad& load) {
  net::io_context ioc;
  IngestLoadResult result;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(load.seconds));
  const auto interval = load.interval;
  for (int c = 0; c < load.connections; ++c) {
    net::co_spawn(
        ioc,
        [&, c]() -> net::awaitable<void> {
          // co_await in a statement of its own: GCC 12 destroys temporaries that share a
          // full-expression with co_await twice.
          auto ex = co_await net::this_coro::executor;
          gateway::http::Client client(ex, gateway::http::ClientOptions{});
          net::steady_timer timer(ex);
          auto next = start + interval * c / std::max(load.connections, 1);
          for (std::uint64_t n = 0; Clock::now() < end; ++n) {
            if (interval.count() > 0) {
              timer.expires_at(next);
              co_await timer.async_wait(net::use_awaitable);
            }
            const auto sent = interval.count() > 0 ? next : Clock::now();
            next += interval;
            bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/api/v1/records", 11};
            req.set(bhttp::field::content_type, "application/json");
            req.set(bhttp::field::authorization, "Bearer " + load.api_key);
            const auto id = load.prefix + std::to_string(c) + "-" + std::to_string(n);
            req.body() = load.body ? load.body(id, n * 131 + static_cast<std::uint64_t>(c))
                                   : bench_visit(id);
            auto r = co_await client.send(load.url, std::move(req));
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

}  // namespace ilp::testing
