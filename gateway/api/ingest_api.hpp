#pragma once
// The facility-facing API (DESIGN.md §3): submit records one at a time or as NDJSON batches,
// or FHIR as it is (POST /fhir/r4, /fhir/r4/{Type}), and read their status. Thin: it authenticates,
// hands envelopes to the ingest pipeline and turns results into HTTP answers.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <variant>

#include "gateway/api/auth_gate.hpp"
#include "gateway/config/holder.hpp"
#include "gateway/http/server.hpp"
#include "gateway/ingest/pipeline.hpp"
#include "gateway/store/store.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::api {

class IngestApi {
 public:
  IngestApi(const config::Holder& config, ingest::Pipeline& pipeline, store::Store& store,
            const Clock& clock, Metrics& metrics, boost::asio::any_io_executor executor);

  // Runs on the header alone (http::Precheck): routing, authentication (throttled per address),
  // media type. nullopt: read the body and call handle().
  std::optional<http::Response> precheck(const http::Request& header,
                                         const boost::asio::ip::address& peer);
  void handle(http::Request&& req, http::Respond respond);
  // For problems the HTTP layer finds before a handler runs (413, 431, 400).
  static http::Response error_response(boost::beast::http::status status, const http::Request& req);

 private:
  struct Route {
    enum class Kind { kSubmit, kBatch, kFhir, kGet, kList };
    Kind kind;
    std::string id;  // kGet: the tracking id; kFhir: the resource type ("" = a Bundle)
    std::map<std::string, std::string> query;
  };
  static std::variant<Route, http::Response> route(const http::Request& req, mappers::Lang lang);
  static std::optional<http::Response> media_problem(const Route& route, const http::Request& req,
                                                     mappers::Lang lang);
  void submit_fhir(http::Request&& req, http::Respond respond,
                   std::shared_ptr<const config::Config> cfg, const config::Facility& caller,
                   const std::string& type);
  void submit_line(std::shared_ptr<const config::Config> cfg, std::vector<ingest::Line> lines,
                   const char* endpoint, mappers::Lang lang,
                   std::chrono::steady_clock::time_point started, http::Respond respond);
  void submit_one(http::Request&& req, http::Respond respond,
                  std::shared_ptr<const config::Config> cfg, const config::Facility& caller);
  void submit_batch(http::Request&& req, http::Respond respond,
                    std::shared_ptr<const config::Config> cfg, const config::Facility& caller);
  void get_record(const std::string& id, mappers::Lang lang, const config::Facility& caller,
                  http::Respond respond);
  void list_records(const std::map<std::string, std::string>& query, mappers::Lang lang,
                    const config::Facility& caller, http::Respond respond);

  const config::Holder& config_;
  ingest::Pipeline& pipeline_;
  store::Store& store_;
  const Clock& clock_;
  Metrics& metrics_;
  boost::asio::any_io_executor executor_;
  AuthGate auth_gate_;
};

}  // namespace ilp::gateway::api
