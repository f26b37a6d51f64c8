#include "tests/simulator/admin_api.hpp"

#include "mappers/json.hpp"
#include "tests/simulator/fhir_api.hpp"
#include "tests/simulator/resource_types.hpp"
#include "tests/simulator/searchset.hpp"

namespace ilp::sim {
namespace {

using gateway::http::Request;
using gateway::http::Response;
using verb = gateway::http::bhttp::verb;

Response wrong_method(std::string_view allowed) {
  return issue_response(405, "error", "not-supported", "use " + std::string(allowed));
}

}  // namespace

Response AdminApi::handle(const Request& req, const Target& target) {
  const auto& path = target.path;
  const auto method = req.method();
  if (path == "/_sim/faults") {
    if (method == verb::get) return faults_answer();
    if (method != verb::post) return wrong_method("GET or POST");
    Faults f;
    if (auto err = parse_faults(req.body(), f)) {
      return issue_response(400, "error", "invalid", *err);
    }
    apply_(f);
    return faults_answer();
  }
  if (path == "/_sim/stats") {
    if (method != verb::get) return wrong_method("GET");
    return json_response(200, platform_.stats().to_json(platform_.store().created_counts()));
  }
  if (path == "/_sim/resources") {
    if (method != verb::get) return wrong_method("GET");
    return resources(req, target);
  }
  if (path == "/_sim/reset") {
    if (method != verb::post) return wrong_method("POST");
    platform_.reset();
    apply_(Faults{});
    return json_response(200, R"({"reset":true})");
  }
  return issue_response(404, "error", "not-found", "unknown path");
}

Response AdminApi::faults_answer() const {
  rapidjson::Document d;
  write_faults(faults_.faults(), d, d.GetAllocator());
  if (faults_.faults().outage_for_s) {
    d.AddMember("outage_remaining_ms", faults_.outage_remaining_ms(), d.GetAllocator());
  }
  return json_response(200, mappers::to_json(d));
}

Response AdminApi::resources(const Request& req, const Target& target) const {
  const std::string* type = target.param("type");
  if (type == nullptr || !is_known_type(*type)) {
    return issue_response(400, "error", "invalid",
                          "type=<FHIR resource type the simulator stores> is required");
  }
  std::vector<const rapidjson::Value*> found;
  for (const auto* r : platform_.store().created_of_type(*type)) found.push_back(&r->doc);
  const auto host = req.find(gateway::http::bhttp::field::host);
  const std::string origin =
      "http://" + std::string(host == req.end() ? "localhost" : host->value());
  return json_response(200, searchset_json(found, origin + std::string(kFhirPrefix),
                                           origin + std::string(req.target())));
}

}  // namespace ilp::sim
