#pragma once
// A closed- or open-loop load of single visit records on POST /api/v1/records over keep-alive
// connections, for the benchmarks (ingest_bench; drain_bench --mixed, which ingests while a
// backlog drains). Latency is measured from each request's scheduled send time in open loop,
// so a stall cannot hide itself (no coordinated omission).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gateway/http/url.hpp"

namespace ilp::testing {

// The typical visit of the benchmarks (6 vitals, 2 diagnoses, 1 procedure) with record_id and
// visit_no `id`, for a patient and practitioner the shipped simulator seed knows.
std::string bench_visit(const std::string& id);

struct IngestLoadResult {
  std::vector<double> latencies_ms;  // of the 202 answers
  std::size_t errors = 0;
  double seconds = 0;
  double rate() const;  // acknowledged per second
  double percentile(double p);
};

struct IngestLoad {
  gateway::http::Url url;
  int connections = 64;
  double seconds = 10;
  // Zero: closed loop (each connection sends its next record when the last is acknowledged).
  // Otherwise each connection sends one every `interval`.
  std::chrono::steady_clock::duration interval = std::chrono::steady_clock::duration::zero();
  std::string prefix;  // of the record ids, distinct per run
  std::string api_key = "demo-key-sukamaju";
  // The record body for an id and a running number; empty: bench_visit(id), one patient.
  std::function<std::string(const std::string& id, std::uint64_t n)> body;
};

// Runs the load on the calling thread until `seconds` have passed.
IngestLoadResult run_ingest_load(const IngestLoad& load);

}  // namespace ilp::testing
