#pragma once
// Step two of ingest, asynchronous: checked envelopes → mapped bundles → one group commit.
// The answer for each envelope is produced only after the commit that holds it is durable.

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "gateway/ingest/envelope.hpp"
#include "gateway/store/store.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::ingest {

struct Result {
  int status = 0;  // 202 accepted, 200 unchanged, 4xx rejected, 503 store unavailable
  std::string id;
  int revision = 0;
  store::Status record_status = store::Status::kQueued;
  mappers::Outcome outcome;  // for 4xx/5xx
};

using Line = std::variant<Envelope, Rejection>;

class Pipeline {
 public:
  // `executor` is where mapping runs and `done` is called (never the store thread).
  // `on_committed` is called after a commit that queued new work (delivery's wake-up).
  Pipeline(boost::asio::any_io_executor executor, store::Store& store, const Clock& clock,
           Metrics& metrics, std::function<void()> on_committed);

  // One result per line, in order. `cfg` must outlive the call (pass the snapshot).
  void submit(std::shared_ptr<const config::Config> cfg, std::vector<Line> lines,
              std::function<void(std::vector<Result>)> done);

 private:
  struct Batch;
  void map_and_commit(const std::shared_ptr<Batch>& b);
  // The 503 of a line the store could not read or write.
  void store_unavailable(Result& res, const std::string& error);

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  const Clock& clock_;
  Metrics& metrics_;
  std::function<void()> on_committed_;
};

}  // namespace ilp::gateway::ingest
