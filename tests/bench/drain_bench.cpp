// drain_bench: how fast the gateway drains a large queue of visit records to the simulator on
// loopback with no rate limit, what that costs the gateway (CPU per bundle, memory), and how it
// compares with the simulator driven directly with the same bundles.
//
//   build/tests/drain_bench [--records 100000] [--concurrency 8] [--seconds 1800]
//                           [--direct-requests N] [--batch-lines 10000] [--log-level warn]
//                           [--store-dir DIR] [--mixed SECONDS] [--patients N]
//
// 1. Starts satusehat-sim (shipped seed) and build/ilp-gateway with delivery disabled and a
//    fresh store in a temp folder; queues --records visit records (varied seed patients and
//    practitioners, distinct record ids) through POST /api/v1/records:batch and checks that
//    every line was accepted.
// 2. Stops the gateway (SIGTERM) and restarts it on the same store with delivery enabled
//    (delivery.concurrency = --concurrency, no effective rate limit); samples its RSS and CPU
//    time from /proc and polls GET /admin/queue/stats until `delivered` reaches the record
//    count (or --seconds pass).
// 3. Resets the simulator (POST /_sim/reset) and drives it directly from this process with the
//    same kind of bundles (each record's mapped bundle with the patient/practitioner references
//    already resolved, exactly what the gateway sends), over --concurrency keep-alive
//    connections, for --direct-requests requests (default: the record count).
//
// --patients N: the simulator's seed gets made-up patients up to N (at most 5000), and the
//    records go round-robin over them: a backlog of many patients, not the shipped 21.
// 4. Whole path: the gateway's CPU per record for ingest (phase 1) plus delivery (phase 2).
// --mixed S: phase 1 also runs S seconds of single-record POSTs closed loop (64 connections,
//    held-out visits) with delivery off, phase 2 the same load while the backlog drains; both
//    rates and p99s are printed with their ratio, and the held-out records are drained too.
//
// Prints plain lines; asserts nothing about timing (shared, noisy machines). The exit code is
// non-zero only when the run itself failed (records refused, drain incomplete, errors).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/delivery/bundle_edit.hpp"
#include "gateway/http/client.hpp"
#include "gateway/ingest/envelope.hpp"
#include "mappers/json.hpp"
#include "support/child_process.hpp"
#include "support/ingest_load.hpp"
#include "support/sim_fixture.hpp"

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using ilp::gateway::http::Client;
using ilp::gateway::http::ClientOptions;
using ilp::gateway::http::Url;
using ilp::testing::ChildProcess;
using ilp::testing::IngestLoad;
using ilp::testing::IngestLoadResult;
using ilp::testing::run_ingest_load;
using ilp::testing::SimFixture;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kAdminToken = "drain-bench-admin-token";
constexpr const char* kApiKey = "demo-key-sukamaju";
// The visit_no / record_id placeholder in the direct-run templates.
constexpr const char* kMarker = "DRAINTEMPLATE0000";

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// ---- /proc sampling -----------------------------------------------------------------------------

struct ProcSample {
  double cpu_ms = 0;  // utime + stime
  long rss_kb = 0;    // VmRSS
  long hwm_kb = 0;    // VmHWM (peak RSS since start)
};

ProcSample sample(pid_t pid) {
  ProcSample s;
  {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may contain spaces.
    const auto close = text.rfind(')');
    if (close != std::string::npos) {
      std::istringstream in(text.substr(close + 2));
      std::string field;
      // state(3) ... utime(14) stime(15): after ')' field index 0 is state.
      std::vector<std::string> fields;
      while (in >> field && fields.size() < 13) fields.push_back(field);
      if (fields.size() >= 13) {
        const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
        s.cpu_ms = (std::stod(fields[11]) + std::stod(fields[12])) * 1000.0 / ticks;
      }
    }
  }
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = std::stol(line.substr(6));
  }
  return s;
}

double self_cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return (static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0) +
         (static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0);
}

// The 1-minute load average: the machines are shared, so every phase prints it.
std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string one;
  f >> one;
  return one.empty() ? "?" : one;
}

double mb(long kb) { return static_cast<double>(kb) / 1024.0; }

// ---- seed people and records --------------------------------------------------------------------

struct Person {
  std::string nik, ihs, name, birth_date, gender;
};

struct Seed {
  std::vector<Person> patients;       // those with a NIK (newborns by mother's NIK left out)
  std::vector<Person> practitioners;  // NIK, IHS, name
};

Seed load_seed(const std::string& path) {
  std::ifstream f(path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto doc = ilp::testing::parse_json(text);
  Seed seed;
  for (const auto& p : doc["patients"].GetArray()) {
    if (!p.HasMember("nik")) continue;
    seed.patients.push_back({p["nik"].GetString(), p["ihs"].GetString(), p["name"].GetString(),
                             p["birth_date"].GetString(), p["gender"].GetString()});
  }
  for (const auto& p : doc["practitioners"].GetArray()) {
    seed.practitioners.push_back(
        {p["nik"].GetString(), p["ihs"].GetString(), p["name"].GetString(), "", ""});
  }
  if (seed.patients.empty() || seed.practitioners.empty()) {
    throw std::runtime_error("seed has no patients or practitioners: " + path);
  }
  return seed;
}

// The shipped seed with `patients` patients in all: the missing ones made up (NIKs of one
// region and birth date, distinct serials), written to `path` for the simulator. A real
// backlog has thousands of patients; the shipped 21 cap the attempts in flight at 21 (one
// per patient at a time), whatever --concurrency says.
void write_seed(const std::string& shipped, const std::string& path, std::size_t patients) {
  std::ifstream f(shipped);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto doc = ilp::testing::parse_json(text);
  auto& list = doc["patients"];
  auto& a = doc.GetAllocator();
  for (std::size_t k = 0; list.Size() < patients; ++k) {
    char nik[17];
    char ihs[13];
    std::snprintf(nik, sizeof nik, "320401010190%04zu", 5000 + k % 5000);
    std::snprintf(ihs, sizeof ihs, "P9%010zu", k);
    rapidjson::Value p(rapidjson::kObjectType);
    p.AddMember("nik", rapidjson::Value(nik, a), a);
    p.AddMember("ihs", rapidjson::Value(ihs, a), a);
    p.AddMember("name", rapidjson::Value(("Pasien Bench " + std::to_string(k)).c_str(), a), a);
    p.AddMember("birth_date", "1990-01-01", a);
    p.AddMember("gender", "male", a);
    list.PushBack(p, a);
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  doc.Accept(w);
  std::ofstream(path) << out.GetString();
}

// A visit like ingest_bench's (6 vitals, 2 diagnoses, 1 procedure) for one patient/practitioner.
std::string visit(const std::string& id, const Person& patient, const Person& practitioner) {
  return R"({"kind":"visit","facility":"pkm-sukamaju","record_id":")" + id +
         R"(","data":{"visit_no":")" + id + R"(","patient":{"nik":")" + patient.nik +
         R"(","name":")" + patient.name + R"(","birth_date":")" + patient.birth_date +
         R"(","gender":")" + patient.gender + R"("},"practitioner":{"nik":")" + practitioner.nik +
         R"(","name":")" + practitioner.name +
         R"("},"location":"POLI-UMUM",)"
         R"("arrived_at":"2025-03-10T08:00:00","started_at":"2025-03-10T08:15:00","finished_at":"2025-03-10T08:40:00",)"
         R"("vitals":{"systolic":120,"diastolic":80,"heart_rate":78,"respiratory_rate":18,"temperature":36.7,"weight":62.5},)"
         R"("diagnoses":[{"icd10":"J06.9","display":"Acute upper respiratory infection","primary":true},{"icd10":"R50.9"}],)"
         R"("procedures":[{"icd9cm":"89.7","display":"General physical examination"}]}})";
}

// Record i: patients and practitioners taken round-robin (co-prime strides would not matter:
// the gateway orders by patient only).
std::string record(std::size_t i, const std::string& run, const Seed& seed) {
  return visit("DR-" + run + "-" + std::to_string(i), seed.patients[i % seed.patients.size()],
               seed.practitioners[i % seed.practitioners.size()]);
}

// ---- the gateway --------------------------------------------------------------------------------

struct Gateway {
  std::unique_ptr<ChildProcess> process;
  std::string ingest_url;
  std::string admin_url;
};

Gateway start_gateway(const std::string& store, const std::string& sim_base,
                      const std::vector<std::string>& overrides) {
  std::vector<std::string> argv = {
      ILP_GATEWAY_BIN, "serve",
      "--config",      std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml",
      "--set",         "listen.ingest=127.0.0.1:0",
      "--set",         "listen.admin=127.0.0.1:0",
      "--set",         "store.sqlite=" + store,
      "--set",         "platform.auth_url=" + sim_base + "/oauth2/v1",
      "--set",         "platform.fhir_url=" + sim_base + "/fhir-r4/v1"};
  for (const auto& o : overrides) {
    argv.push_back("--set");
    argv.push_back(o);
  }
  Gateway g;
  g.process = ChildProcess::start(argv, {{"ILP_SECRET_PKM_SUKAMAJU", ilp::testing::kSukamajuSecret},
                                         {"ILP_SECRET_PKM_TANJUNG", ilp::testing::kTanjungSecret},
                                         {"ILP_SECRET_PKM_SENTANI", "sentani-secret-demo"},
                                         {"ILP_ADMIN_TOKEN", kAdminToken}});
  g.ingest_url = "http://" + g.process->wait_for_line("ingest listening on ");
  g.admin_url = "http://" + g.process->wait_for_line("admin listening on ");
  return g;
}

rapidjson::Document queue_stats(const Gateway& g) {
  return ilp::testing::get_json(g.admin_url + "/admin/queue/stats",
                                {{"Authorization", std::string("Bearer ") + kAdminToken}});
}

std::int64_t by_status(const rapidjson::Document& stats, const char* status) {
  const auto* s = ilp::mappers::member(stats, "by_status");
  if (!s || !s->IsObject()) return 0;
  const auto* v = ilp::mappers::member(*s, status);
  return v && v->IsInt64() ? v->GetInt64() : 0;
}

// ---- phase 1: queue -----------------------------------------------------------------------------

// Sends records [0, n) as NDJSON batches of up to `batch_lines` lines, never above `max_body`
// bytes, over `connections` connections. Returns how many were accepted.
std::size_t queue_records(const Gateway& g, std::size_t n, const std::string& run, const Seed& seed,
                          std::size_t batch_lines, std::size_t max_body, int connections,
                          std::string& first_error, std::size_t& retried,
                          std::string& first_transport_error) {
  // Build the batch bodies first so the measured ingest is the gateway's.
  std::vector<std::string> bodies;
  std::vector<std::size_t> counts;
  std::string body;
  std::size_t lines = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto line = record(i, run, seed);
    if (lines > 0 && (lines == batch_lines || body.size() + line.size() + 1 > max_body)) {
      bodies.push_back(std::move(body));
      counts.push_back(lines);
      body.clear();
      lines = 0;
    }
    body += line;
    body += '\n';
    ++lines;
  }
  if (lines > 0) {
    bodies.push_back(std::move(body));
    counts.push_back(lines);
  }
  const auto url = *Url::parse(g.ingest_url);
  net::io_context ioc;
  std::size_t next = 0, accepted = 0;
  for (int c = 0; c < connections; ++c) {
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
          auto ex = co_await net::this_coro::executor;
          ClientOptions opts;
          opts.timeout = std::chrono::seconds(120);
          Client client(ex, opts);
          while (next < bodies.size()) {
            const std::size_t b = next++;
            bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/api/v1/records:batch", 11};
            req.set(bhttp::field::content_type, "application/x-ndjson");
            req.set(bhttp::field::authorization, std::string("Bearer ") + kApiKey);
            req.body() = bodies[b];
            req.prepare_payload();
            auto r = co_await client.send(url, req);
            // A batch whose connection failed is sent again (an identical line answers 200,
            // "unchanged", so nothing is stored twice); the retries are counted and printed.
            for (int again = 0; again < 3 && !r.ok(); ++again) {
              ++retried;
              if (first_transport_error.empty()) first_transport_error = r.ec.message();
              r = co_await client.send(url, req);
            }
            if (!r.ok() || r.response.result_int() != 200) {
              if (first_error.empty()) {
                first_error = r.ok() ? std::to_string(r.response.result_int()) + " " +
                                           r.response.body().substr(0, 500)
                                     : r.ec.message();
              }
              continue;
            }
            rapidjson::Document d;
            if (ilp::mappers::parse_json_strict(r.response.body(), d) || !d.IsObject() ||
                !d.HasMember("accepted") || !d["accepted"].IsInt64()) {
              if (first_error.empty()) first_error = r.response.body().substr(0, 500);
              continue;
            }
            const auto ok = static_cast<std::size_t>(d["accepted"].GetInt64());
            accepted += ok;
            if (ok != counts[b] && first_error.empty()) {
              first_error = r.response.body().substr(0, 1000);
            }
          }
        },
        net::detached);
  }
  ioc.run();
  return accepted;
}

// ---- phase 3: direct ----------------------------------------------------------------------------

// One resolved bundle per seed patient, split around the visit_no marker so a request's body is
// the parts joined with a fresh id.
struct Template {
  std::vector<std::string> parts;
  std::string with(const std::string& id) const {
    std::string out = parts[0];
    for (std::size_t i = 1; i < parts.size(); ++i) {
      out += id;
      out += parts[i];
    }
    return out;
  }
};

std::vector<Template> direct_templates(const Seed& seed) {
  using namespace ilp::gateway;
  auto cfg = config::load(std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml", {{}, false});
  std::map<std::string, std::string> ihs;  // "Patient|nik" → "Patient/ihs"
  for (const auto& p : seed.patients) ihs["Patient|" + p.nik] = "Patient/" + p.ihs;
  for (const auto& p : seed.practitioners) ihs["Practitioner|" + p.nik] = "Practitioner/" + p.ihs;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::vector<Template> out;
  for (std::size_t i = 0; i < seed.patients.size(); ++i) {
    const auto text =
        visit(kMarker, seed.patients[i], seed.practitioners[i % seed.practitioners.size()]);
    auto checked = ingest::check_envelope(text, *cfg, nullptr);
    auto* env = std::get_if<ingest::Envelope>(&checked);
    if (!env) throw std::runtime_error("template envelope refused");
    ilp::mappers::MapInput in{env->facility->info,     env->record_id, 1, *env->data, now,
                              cfg->platform.date_floor};
    auto mapped = env->mapping->map(in);
    if (!mapped.ok()) throw std::runtime_error("template did not map");
    rapidjson::Document bundle;
    ilp::mappers::parse_json_strict(mapped.bundle_json, bundle);
    std::map<std::string, std::string> replace;
    for (const auto& ref : delivery::conditional_refs(bundle)) {
      auto it = ihs.find(ref.type + "|" + ref.value);
      if (it == ihs.end()) throw std::runtime_error("unresolvable reference " + ref.type);
      replace[ref.reference] = it->second;
    }
    delivery::rewrite_references(bundle, replace, bundle.GetAllocator());
    const auto json = ilp::mappers::to_json(bundle);
    if (json.find("?identifier=") != std::string::npos) {
      throw std::runtime_error("a conditional reference is left in the template");
    }
    Template t;
    std::size_t from = 0;
    for (auto at = json.find(kMarker); at != std::string::npos; at = json.find(kMarker, from)) {
      t.parts.push_back(json.substr(from, at - from));
      from = at + std::string(kMarker).size();
    }
    t.parts.push_back(json.substr(from));
    if (t.parts.size() < 2) throw std::runtime_error("visit_no not found in the template bundle");
    out.push_back(std::move(t));
  }
  return out;
}

struct DirectRun {
  std::size_t ok = 0, errors = 0;
  double seconds = 0;
  double client_cpu_ms = 0;
  std::size_t bundle_bytes = 0;
  std::string first_error;
};

DirectRun run_direct(const SimFixture& sim, const std::vector<Template>& templates,
                     std::size_t requests, int concurrency, const std::string& run_id) {
  const auto token = sim.token();
  const auto url = *Url::parse(sim.fhir_url());
  const std::string auth = "Bearer " + token;
  DirectRun r;
  r.bundle_bytes = templates[0].with("DD-" + run_id + "-0").size();
  net::io_context ioc;
  std::size_t next = 0;
  const double cpu0 = self_cpu_ms();
  const auto start = Clock::now();
  for (int c = 0; c < concurrency; ++c) {
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
          auto ex = co_await net::this_coro::executor;
          Client client(ex, ClientOptions{});
          while (next < requests) {
            const std::size_t i = next++;
            bhttp::request<bhttp::string_body> req{bhttp::verb::post, url.target(""), 11};
            req.set(bhttp::field::content_type, "application/json");
            req.set(bhttp::field::accept, "application/fhir+json, application/json");
            req.set(bhttp::field::authorization, auth);
            req.body() =
                templates[i % templates.size()].with("DD-" + run_id + "-" + std::to_string(i));
            req.prepare_payload();
            auto res = co_await client.send(url, std::move(req));
            if (res.ok() && res.response.result_int() == 200) {
              ++r.ok;
            } else {
              ++r.errors;
              if (r.first_error.empty()) {
                r.first_error = res.ok() ? std::to_string(res.response.result_int()) + " " +
                                               res.response.body().substr(0, 500)
                                         : res.ec.message();
              }
            }
          }
        },
        net::detached);
  }
  ioc.run();
  r.seconds = seconds_since(start);
  r.client_cpu_ms = self_cpu_ms() - cpu0;
  return r;
}

// --mixed: single-record ingest of held-out visits (the simulator seed's patient) at full speed.
IngestLoadResult run_mixed_ingest(const Gateway& gw, const Seed& seed, double seconds,
                                  const std::string& prefix) {
  IngestLoad load;
  // Spread over the seed's people as the backlog is: one patient's records go one at a time.
  load.body = [&seed](const std::string& id, std::uint64_t n) {
    return visit(id, seed.patients[n % seed.patients.size()],
                 seed.practitioners[n % seed.practitioners.size()]);
  };
  load.url = *Url::parse(gw.ingest_url);
  load.seconds = seconds;
  load.prefix = prefix;
  load.api_key = kApiKey;
  return run_ingest_load(load);
}

void report_mixed(IngestLoadResult& alone, IngestLoadResult& during, double seconds) {
  const double ratio = alone.rate() > 0 ? during.rate() / alone.rate() : 0;
  const double p99 = during.percentile(0.99);
  std::printf(
      "mixed: ingest while draining %.0f records/s (%.0f s), p50 %.2f ms, p99 %.2f ms, errors "
      "%zu, load average %s\n",
      during.rate(), seconds, during.percentile(0.5), p99, during.errors, loadavg().c_str());
  std::printf(
      "mixed: ingest while draining / alone = %.2f -> %s (target >= 0.7), p99 %.2f ms -> %s "
      "(target <= 25 ms)\n",
      ratio, ratio >= 0.7 ? "MEETS" : "DOES NOT MEET", p99, p99 <= 25 ? "MEETS" : "DOES NOT MEET");
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines appear as they happen, also in a pipe
  std::size_t records = 100000;
  int concurrency = 8;
  double timeout_s = 1800;
  std::size_t direct_requests = 0;  // 0: same as records
  std::size_t batch_lines = 10000;
  double mixed_s = 0;  // --mixed: seconds of single-record ingest, alone and while draining
  std::string log_level = "warn";
  std::string store_parent;  // empty: the system temp folder
  std::size_t patients = 0;  // 0: the shipped seed's
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--records")
      records = std::stoul(argv[i + 1]);
    else if (a == "--concurrency")
      concurrency = std::stoi(argv[i + 1]);
    else if (a == "--seconds")
      timeout_s = std::stod(argv[i + 1]);
    else if (a == "--direct-requests")
      direct_requests = std::stoul(argv[i + 1]);
    else if (a == "--batch-lines")
      batch_lines = std::stoul(argv[i + 1]);
    else if (a == "--log-level")
      log_level = argv[i + 1];
    else if (a == "--store-dir")
      store_parent = argv[i + 1];
    else if (a == "--mixed")
      mixed_s = std::stod(argv[i + 1]);
    else if (a == "--patients")
      patients = std::stoul(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: drain_bench [--records N] [--concurrency C] [--seconds S] "
                   "[--direct-requests M] [--batch-lines L] [--log-level LEVEL] "
                   "[--store-dir DIR] [--mixed SECONDS] [--patients N]\n");
      return 2;
    }
  }
  if (direct_requests == 0) direct_requests = records;
  const std::string run_id = std::to_string(::getpid());
  const auto dir = (store_parent.empty() ? fs::temp_directory_path() : fs::path(store_parent)) /
                   ("ilp-drain-bench-" + run_id);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto store = (dir / "drain.db").string();
  int exit_code = 0;
  double ingest_cpu_us = 0;       // gateway CPU per ingested record (queueing, or --mixed alone)
  bool single_ingest = false;     // ...measured on single POSTs (--mixed) rather than batches
  std::size_t extra_records = 0;  // --mixed: ingested besides the backlog, delivered too
  IngestLoadResult alone;

  try {
    const auto shipped = std::string(ILP_SOURCE_DIR) + "/config/examples/sim-seed.json";
    std::string seed_path = shipped;
    if (patients > 0) {
      if (patients > 5000) throw std::runtime_error("--patients is at most 5000");
      seed_path = (dir / "sim-seed.json").string();
      write_seed(shipped, seed_path, patients);
    }
    const auto seed = load_seed(seed_path);
    SimFixture sim({"--log-level", "warn", "--seed", seed_path});
    const pid_t sim_pid = sim.process().pid();
    std::printf(
        "drain_bench: %zu records, delivery.concurrency %d, %zu seed patients, "
        "%zu practitioners, simulator %s, gateway log.level %s, store %s\n",
        records, concurrency, seed.patients.size(), seed.practitioners.size(),
        sim.host_port().c_str(), log_level.c_str(), store.c_str());

    // ---- 1. queue with delivery off ----
    const std::vector<std::string> common = {"platform.rate_limit_per_min=1000000",
                                             "log.level=" + log_level};
    {
      auto overrides = common;
      overrides.push_back("delivery.enabled=false");
      auto gw = start_gateway(store, sim.base_url(), overrides);
      const auto cpu_q0 = sample(gw.process->pid()).cpu_ms;
      const auto t0 = Clock::now();
      std::string first_error, first_transport_error;
      std::size_t retried = 0;
      // The gateway's default limits.body_bytes is 1 MiB: a batch is cut at that size too.
      const std::size_t accepted =
          queue_records(gw, records, run_id, seed, batch_lines, 1000 * 1000, 2, first_error,
                        retried, first_transport_error);
      const double secs = seconds_since(t0);
      const auto stats = queue_stats(gw);
      const auto queued = by_status(stats, "queued");
      std::printf(
          "queue: %zu/%zu accepted in %.1f s (%.0f records/s, batches of up to %zu "
          "lines / 1 MB), store says queued=%lld\n",
          accepted, records, secs, static_cast<double>(accepted) / secs, batch_lines,
          static_cast<long long>(queued));
      if (retried > 0) {
        std::printf(
            "queue: %zu batch requests were sent again after a connection error (first: "
            "%s)\n",
            retried, first_transport_error.c_str());
      }
      if (accepted != records || queued != static_cast<std::int64_t>(records)) {
        std::printf("queue: FAILED, first error: %s\ngateway stderr tail:\n%s\n",
                    first_error.c_str(), gw.process->stderr_tail().c_str());
        throw std::runtime_error("not every record was queued");
      }
      ingest_cpu_us = (sample(gw.process->pid()).cpu_ms - cpu_q0) * 1000.0 /
                      static_cast<double>(std::max<std::size_t>(accepted, 1));
      std::printf("queue: gateway CPU %.1f us per record (batches)\n", ingest_cpu_us);
      if (mixed_s > 0) {
        const auto cpu0 = sample(gw.process->pid()).cpu_ms;
        alone = run_mixed_ingest(gw, seed, mixed_s, "m1-" + run_id + "-");
        const auto n = std::max<std::size_t>(alone.latencies_ms.size(), 1);
        ingest_cpu_us = (sample(gw.process->pid()).cpu_ms - cpu0) * 1000.0 / static_cast<double>(n);
        single_ingest = true;
        extra_records += alone.latencies_ms.size();
        std::printf(
            "mixed: ingest alone (delivery off) %.0f records/s, p50 %.2f ms, p99 %.2f ms, "
            "errors %zu, gateway CPU %.1f us per record, load average %s\n",
            alone.rate(), alone.percentile(0.5), alone.percentile(0.99), alone.errors,
            ingest_cpu_us, loadavg().c_str());
      }
      gw.process->signal(SIGTERM);
      const auto code = gw.process->wait(std::chrono::seconds(60));
      std::printf("queue: gateway stopped with SIGTERM, exit code %d\n", code.value_or(-1));
    }
    std::error_code ec;
    std::printf(
        "store: %.1f MB on disk (db + wal)\n",
        static_cast<double>(fs::file_size(store, ec) +
                            (fs::exists(store + "-wal") ? fs::file_size(store + "-wal", ec) : 0)) /
            1e6);

    // ---- 2. drain with delivery on ----
    auto overrides = common;
    overrides.push_back("delivery.enabled=true");
    overrides.push_back("delivery.concurrency=" + std::to_string(concurrency));
    const auto sim0 = sample(sim_pid);
    const auto t0 = Clock::now();
    auto gw = start_gateway(store, sim.base_url(), overrides);
    const pid_t gw_pid = gw.process->pid();
    const auto before = sample(gw_pid);
    std::printf(
        "drain: gateway up in %.2f s, RSS before %.1f MB, CPU so far %.0f ms, "
        "load average %s\n",
        seconds_since(t0), mb(before.rss_kb), before.cpu_ms, loadavg().c_str());
    long peak_sampled_kb = before.rss_kb;
    // --mixed: single records ingested at full speed while the backlog drains.
    std::atomic<bool> mixed_done{mixed_s <= 0};
    IngestLoadResult during;
    std::thread mixed;
    if (mixed_s > 0) {
      mixed = std::thread([&] {
        during = run_mixed_ingest(gw, seed, mixed_s, "m2-" + run_id + "-");
        mixed_done = true;
      });
    }
    std::int64_t delivered = 0, pending = static_cast<std::int64_t>(records);
    auto last_stats = Clock::now() - std::chrono::seconds(10);
    std::size_t next_report = 1;  // tenths
    // Steady rate: from the first poll at >= 10% delivered to the last poll below 90%, so start-up
    // (token, patient look-ups, first claims) and the tail are left out.
    double t10 = -1, t90 = -1;
    std::int64_t d10 = 0, d90 = 0;
    rapidjson::Document stats;
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const auto s = sample(gw_pid);
      peak_sampled_kb = std::max(peak_sampled_kb, s.rss_kb);
      if (Clock::now() - last_stats < std::chrono::milliseconds(200)) continue;
      last_stats = Clock::now();
      stats = queue_stats(gw);
      delivered = by_status(stats, "delivered");
      pending = ilp::mappers::member(stats, "pending")->GetInt64();
      const double t = seconds_since(t0);
      if (t10 < 0 && delivered * 10 >= static_cast<std::int64_t>(records)) {
        t10 = t;
        d10 = delivered;
      }
      if (delivered * 10 < static_cast<std::int64_t>(records) * 9) {
        t90 = t;
        d90 = delivered;
      }
      while (next_report <= 9 &&
             delivered * 10 >= static_cast<std::int64_t>(records * next_report)) {
        std::printf(
            "drain: t=%6.1f s delivered %7lld (%3zu%%)  RSS %6.1f MB  gateway CPU %7.0f ms\n", t,
            static_cast<long long>(delivered), next_report * 10, mb(s.rss_kb),
            s.cpu_ms - before.cpu_ms);
        std::fflush(stdout);
        ++next_report;
      }
      const auto expected = static_cast<std::int64_t>(records + extra_records);
      if (mixed_done && (delivered >= expected || pending == 0)) break;
      if (t > timeout_s) {
        std::printf("drain: TIMEOUT after %.0f s\n", t);
        break;
      }
      if (mixed_done && mixed.joinable()) {
        mixed.join();
        extra_records += during.latencies_ms.size();
        report_mixed(alone, during, mixed_s);
      }
    }
    if (mixed.joinable()) mixed.join();
    const double drain_s = seconds_since(t0);
    const auto after = sample(gw_pid);
    const auto sim1 = sample(sim_pid);
    const double n = static_cast<double>(delivered);
    std::printf("drain: %lld/%zu delivered in %.1f s (from gateway start), load average %s\n",
                static_cast<long long>(delivered), records, drain_s, loadavg().c_str());
    if (delivered < static_cast<std::int64_t>(records + extra_records)) {
      std::printf("drain: INCOMPLETE, queue stats: %s\ngateway stderr tail:\n%s\n",
                  ilp::mappers::to_json(stats).c_str(), gw.process->stderr_tail().c_str());
      exit_code = 1;
    }
    const double gw_rate = n / drain_s;
    std::printf("drain: %.0f bundles/s overall", gw_rate);
    if (t10 >= 0 && t90 > t10 && d90 > d10) {
      std::printf(", %.0f bundles/s between 10%% and 90%%",
                  static_cast<double>(d90 - d10) / (t90 - t10));
    }
    std::printf("\n");
    std::printf("drain: gateway CPU %.0f ms total, %.3f ms per bundle (%.0f%% of one core)\n",
                after.cpu_ms - before.cpu_ms, (after.cpu_ms - before.cpu_ms) / n,
                (after.cpu_ms - before.cpu_ms) / (drain_s * 10.0));
    if (mixed_s <= 0) {
      // The CPU of the drain phase is delivery's alone only without --mixed.
      const double delivery_us = (after.cpu_ms - before.cpu_ms) * 1000.0 / n;
      std::printf(
          "whole path: gateway CPU per typical visit %.0f us = ingest %.0f us (%s) + "
          "delivery %.0f us (target <= 250 us)\n",
          ingest_cpu_us + delivery_us, ingest_cpu_us, single_ingest ? "single POSTs" : "batches",
          delivery_us);
    }
    std::printf(
        "drain: gateway RSS before %.1f MB, peak %.1f MB (VmHWM; sampled %.1f MB), "
        "after %.1f MB\n",
        mb(before.rss_kb), mb(after.hwm_kb), mb(peak_sampled_kb), mb(after.rss_kb));
    std::printf(
        "drain: simulator CPU %.0f ms, %.3f ms per bundle (%.0f%% of one core); "
        "simulator RSS %.1f MB after\n",
        sim1.cpu_ms - sim0.cpu_ms, (sim1.cpu_ms - sim0.cpu_ms) / n,
        (sim1.cpu_ms - sim0.cpu_ms) / (drain_s * 10.0), mb(sim1.rss_kb));
    {
      auto sim_stats = sim.stats();
      std::printf("drain: simulator saw %lld bundles accepted, %lld rejected, %lld requests\n",
                  static_cast<long long>(sim_stats["bundles_accepted"].GetInt64()),
                  static_cast<long long>(sim_stats["bundles_rejected"].GetInt64()),
                  static_cast<long long>(sim_stats["requests"].GetInt64()));
    }
    gw.process->signal(SIGTERM);
    gw.process->wait(std::chrono::seconds(60));
    gw.process.reset();

    // ---- 3. the simulator driven directly ----
    sim.reset();
    const auto templates = direct_templates(seed);
    std::printf("direct: %zu templates (one per seed patient), load average %s\n", templates.size(),
                loadavg().c_str());
    const auto simd0 = sample(sim_pid);
    auto direct = run_direct(sim, templates, direct_requests, concurrency, run_id);
    const auto simd1 = sample(sim_pid);
    const double direct_rate = static_cast<double>(direct.ok) / direct.seconds;
    std::printf(
        "direct: %zu/%zu bundles (%zu bytes each) accepted in %.1f s over %d "
        "connections: %.0f bundles/s, errors %zu%s%s\n",
        direct.ok, direct_requests, direct.bundle_bytes, direct.seconds, concurrency, direct_rate,
        direct.errors, direct.first_error.empty() ? "" : ", first: ", direct.first_error.c_str());
    std::printf(
        "direct: simulator CPU %.3f ms per bundle (%.0f%% of one core); load loop CPU "
        "%.3f ms per bundle\n",
        (simd1.cpu_ms - simd0.cpu_ms) / static_cast<double>(std::max<std::size_t>(direct.ok, 1)),
        (simd1.cpu_ms - simd0.cpu_ms) / (direct.seconds * 10.0),
        direct.client_cpu_ms / static_cast<double>(std::max<std::size_t>(direct.ok, 1)));
    std::printf("direct: load average %s at the end\n", loadavg().c_str());
    if (direct.errors > 0) exit_code = 1;
    const double ratio = direct_rate > 0 ? gw_rate / direct_rate : 0;
    std::printf("ratio: gateway %.0f / direct %.0f bundles/s = %.0f%% -> %s (target >= 80%%)\n",
                gw_rate, direct_rate, ratio * 100.0, ratio >= 0.8 ? "MEETS" : "DOES NOT MEET");
  } catch (const std::exception& e) {
    std::printf("drain_bench: failed: %s\n", e.what());
    exit_code = 1;
  }
  fs::remove_all(dir);
  return exit_code;
}
