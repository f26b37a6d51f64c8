#include "tests/simulator/fhir_api.hpp"

#include <vector>

#include "mappers/json.hpp"
#include "tests/simulator/fhir_json.hpp"
#include "tests/simulator/resource_types.hpp"
#include "tests/simulator/rule_sink.hpp"
#include "tests/simulator/searchset.hpp"
#include "tests/simulator/validator.hpp"

namespace ilp::sim {
namespace {

using gateway::http::Request;
using gateway::http::Response;
namespace bhttp = gateway::http::bhttp;

// Reference §5.1, verbatim (issue #55 of ivanwilliammd/satusehat-integration).
constexpr std::string_view kIdRequired =
    R"({"resourceType":"OperationOutcome","text":{"status":"generated"},"issue":[{"severity":"error","code":"value","details":{"text":"id is required"}}]})";

std::vector<std::string_view> split_path(std::string_view p) {
  std::vector<std::string_view> out;
  while (!p.empty()) {
    if (p.front() == '/') {
      p.remove_prefix(1);
      continue;
    }
    const auto slash = p.find('/');
    out.push_back(p.substr(0, slash));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash);
  }
  return out;
}

Response method_not_allowed(const Request& req) {
  return issue_response(405, "error", "not-supported",
                        "method " + std::string(req.method_string()) + " is not allowed here");
}

std::string location_of(const FhirRequest& r, const StoredResource& s) {
  return r.fhir_base + "/" + s.type + "/" + s.id + "/_history/" + s.version_id;
}

}  // namespace

Response FhirApi::handle(const Request& req, const Target& target) {
  const auto auth = req.find(bhttp::field::authorization);
  const auto client = tokens_.authenticate(auth == req.end() ? std::string_view()
                                                             : std::string_view(auth->value()));
  if (!client) return issue_response(401, "error", "invalid-access-token", kInvalidTokenText);

  const auto host = req.find(bhttp::field::host);
  FhirRequest r{req, target,
                "http://" + std::string(host == req.end() ? "localhost" : host->value()) +
                    std::string(kFhirPrefix),
                *client, RuleContext{}};
  r.rules.org_id = client->org_id;
  r.rules.now_ms = clock_.now_ms();
  r.rules.date_floor = date_floor_;
  r.rules.profiles = profiles_;
  r.rules.exists = [this](std::string_view t, std::string_view id) { return store_.exists(t, id); };

  const auto segs = split_path(std::string_view(target.path).substr(kFhirPrefix.size()));
  const auto method = req.method();
  if (segs.size() > 2) return issue_response(404, "error", "not-found", "unknown path");
  if (!segs.empty() && !is_known_type(segs[0])) {
    return issue_response(404, "error", "not-supported",
                          "unknown resource type \"" + std::string(segs[0]) + "\"");
  }
  const bool person = !segs.empty() && is_person_type(segs[0]);
  const bool writes =
      (segs.size() == 0 && method == bhttp::verb::post) ||
      (segs.size() == 1 && method == bhttp::verb::post && (!person || segs[0] == "Patient")) ||
      (segs.size() == 2 && method == bhttp::verb::put && !person);
  const bool reads = segs.size() >= 1 && method == bhttp::verb::get;
  if (!writes && !reads) return method_not_allowed(req);
  if (reads) {
    if (segs.size() == 1) {
      return person ? patients_.search(r, segs[0]) : search(r, segs[0]);
    }
    return read(r, segs[0], segs[1]);
  }

  const auto media = media_type(req);
  if (media != "application/json" && media != "application/fhir+json") {
    return issue_response(415, "error", "not-supported",
                          "Content-Type must be application/json or application/fhir+json");
  }
  rapidjson::Document body;
  if (auto err = mappers::parse_json_strict(req.body(), body)) {
    return issue_response(400, "error", "structure", "invalid JSON: " + err->message, err->path);
  }
  if (segs.empty()) return transactions_.process(r, body);
  if (!body.IsObject() || str_or(body, "resourceType") != segs[0]) {
    return issue_response(400, "error", "value", "resourceType must be " + std::string(segs[0]),
                          "resourceType");
  }
  if (segs[0] == "Patient") return patients_.create(r, body);
  if (segs.size() == 1) return create(r, segs[0], body);
  return update(r, segs[0], segs[1], body);
}

Response FhirApi::create(const FhirRequest& r, std::string_view type,
                         const rapidjson::Value& body) {
  const std::string t(type);
  auto outcome = Validator(r.rules).check(body, type, t);
  const auto key = duplicate_key(body);
  if (const auto* other = store_.duplicate_of(type, key, "")) {
    RuleSink dup(t);
    dup.add(family::kDuplicate, 0, "identifier",
            "identifier already registered for " + t + "/" + other->id);
    outcome.append(dup.outcome());
  }
  if (!outcome.empty()) return outcome_response(is_forbidden(outcome) ? 403 : 400, outcome);

  StoredResource rec;
  rec.type = t;
  rec.id = ids_.uuid();
  const auto v = ids_.next_version();
  rec.version_id = v.id;
  rec.last_updated = v.last_updated;
  rec.doc.CopyFrom(body, rec.doc.GetAllocator());
  stamp(rec.doc, rec.id, v.id, v.last_updated);
  const auto& stored = store_.put(std::move(rec));
  return resource_response(201, mappers::to_json(stored.doc), location_of(r, stored),
                           stored.version_id);
}

Response FhirApi::update(const FhirRequest& r, std::string_view type, std::string_view id,
                         const rapidjson::Value& body) {
  const auto body_id = str_or(body, "id");
  if (body_id.empty()) return json_response(400, std::string(kIdRequired));
  if (body_id != id) {
    return issue_response(400, "error", "value", "id in the body does not match the URL", "id");
  }
  if (!store_.exists(type, id)) {
    return issue_response(404, "error", "not-found",
                          std::string(type) + "/" + std::string(id) + " is not found");
  }
  const std::string t(type);
  auto outcome = Validator(r.rules).check(body, type, t);
  if (const auto* other = store_.duplicate_of(type, duplicate_key(body), id)) {
    RuleSink dup(t);
    dup.add(family::kDuplicate, 0, "identifier",
            "identifier already registered for " + t + "/" + other->id);
    outcome.append(dup.outcome());
  }
  if (!outcome.empty()) return outcome_response(is_forbidden(outcome) ? 403 : 400, outcome);

  StoredResource rec;
  rec.type = t;
  rec.id = std::string(id);
  const auto v = ids_.next_version();
  rec.version_id = v.id;
  rec.last_updated = v.last_updated;
  rec.doc.CopyFrom(body, rec.doc.GetAllocator());
  stamp(rec.doc, rec.id, v.id, v.last_updated);
  const auto& stored = store_.put(std::move(rec));
  return resource_response(200, mappers::to_json(stored.doc), location_of(r, stored),
                           stored.version_id);
}

Response FhirApi::read(const FhirRequest& r, std::string_view type, std::string_view id) const {
  const auto* s = store_.find(type, id);
  if (s == nullptr) {
    return issue_response(404, "error", "not-found",
                          std::string(type) + "/" + std::string(id) + " is not found");
  }
  return resource_response(200, mappers::to_json(s->doc), location_of(r, *s), s->version_id);
}

Response FhirApi::search(const FhirRequest& r, std::string_view type) const {
  const std::string* identifier = r.target.param("identifier");
  if (identifier == nullptr || r.target.query.size() != 1) {
    return issue_response(
        400, "error", "not-supported",
        "the simulator searches " + std::string(type) + " by identifier=system|value only");
  }
  const auto bar = identifier->find('|');
  const std::string system = bar == std::string::npos ? std::string() : identifier->substr(0, bar);
  const std::string value = bar == std::string::npos ? *identifier : identifier->substr(bar + 1);
  std::vector<const Value*> found;
  for (const auto* s : store_.by_identifier(type, system, value)) found.push_back(&s->doc);
  auto raw = r.http.target();
  if (raw.rfind(kFhirPrefix, 0) == 0) raw.remove_prefix(kFhirPrefix.size());
  return json_response(200, searchset_json(found, r.fhir_base, r.fhir_base + std::string(raw)));
}

}  // namespace ilp::sim
