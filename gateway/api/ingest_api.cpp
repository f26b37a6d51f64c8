#include "gateway/api/ingest_api.hpp"

#include <boost/asio/post.hpp>
#include <chrono>
#include <variant>

#include "gateway/api/http_util.hpp"
#include "gateway/api/list_query.hpp"
#include "gateway/api/record_json.hpp"
#include "gateway/ingest/fhir_input.hpp"
#include "gateway/util/log.hpp"
#include "mappers/json.hpp"
#include "mappers/sha256.hpp"

namespace ilp::gateway::api {
namespace net = boost::asio;
using bhttp::status;
using mappers::Lang;

namespace {

constexpr std::string_view kRecordsPath = "/api/v1/records";
constexpr std::string_view kBatchPath = "/api/v1/records:batch";
constexpr std::string_view kFhirPath = "/fhir/r4";

std::string accepted_body(const ingest::Result& r) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("id", rapidjson::Value(r.id.c_str(), a), a);
  d.AddMember("status", rapidjson::Value(std::string(store::to_string(r.record_status)).c_str(), a),
              a);
  d.AddMember("revision", r.revision, a);
  d.AddMember("status_url", rapidjson::Value((std::string(kRecordsPath) + "/" + r.id).c_str(), a),
              a);
  return mappers::to_json(d);
}

Response result_response(const ingest::Result& r, Lang lang) {
  if (r.status == 200 || r.status == 202) {
    auto res = json_response(static_cast<status>(r.status), accepted_body(r));
    res.set(bhttp::field::location, std::string(kRecordsPath) + "/" + r.id);
    return res;
  }
  auto res = outcome_response(static_cast<status>(r.status), r.outcome, lang);
  if (r.status == 503) res.set(bhttp::field::retry_after, "5");
  return res;
}

// A facility API key (SHA-256 in facilities.yaml) → its facility; nullptr when missing/unknown.
const config::Facility* authenticate(const Request& req, const config::Config& cfg) {
  const auto key = bearer_token(req);
  return key ? cfg.facility_by_key_hash(mappers::sha256_hex(*key)) : nullptr;
}

Response unauthorized(Lang lang) {
  auto res = problem(status::unauthorized, lang, "login", "",
                     {"Kunci API tidak ada atau tidak dikenal. Kirim header "
                      "\"Authorization: Bearer <kunci API fasilitas>\".",
                      "Missing or unknown API key. Send \"Authorization: Bearer <facility API "
                      "key>\"."});
  res.set(bhttp::field::www_authenticate, "Bearer");
  return res;
}

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

IngestApi::IngestApi(const config::Holder& config, ingest::Pipeline& pipeline, store::Store& store,
                     const Clock& clock, Metrics& metrics, net::any_io_executor executor)
    : config_(config),
      pipeline_(pipeline),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      executor_(std::move(executor)),
      auth_gate_("ingest", metrics, clock) {}

Response IngestApi::error_response(status s, const Request& req) {
  const auto lang = request_lang(req);
  switch (s) {
    case status::payload_too_large:
      return problem(s, lang, "too-long", "",
                     {"Isi permintaan melebihi batas ukuran gateway (limits.body_bytes). Kirim "
                      "dalam beberapa bagian.",
                      "The request body exceeds the gateway's size limit (limits.body_bytes). "
                      "Send it in smaller parts."});
    case status::request_header_fields_too_large:
      return problem(s, lang, "too-long", "",
                     {"Header permintaan terlalu besar.", "The request headers are too large."});
    case status::service_unavailable: {
      auto res = problem(s, lang, "transient", "",
                         {"Gateway sedang menerima terlalu banyak data sekaligus. Kirim ulang "
                          "sebentar lagi.",
                          "The gateway is receiving too much data at once. Send again shortly."});
      res.set(bhttp::field::retry_after, "1");
      return res;
    }
    case status::not_implemented:
      return problem(s, lang, "not-supported", "",
                     {"Transfer-Encoding ini tidak didukung; gunakan chunked atau "
                      "Content-Length.",
                      "This Transfer-Encoding is not supported; use chunked or Content-Length."});
    default:
      return problem(s, lang, "structure", "",
                     {"Permintaan HTTP tidak valid.", "The HTTP request is malformed."});
  }
}

// Which endpoint a request is for, from its method and path alone; or the 404/405 to answer.
std::variant<IngestApi::Route, Response> IngestApi::route(const Request& req, Lang lang) {
  const auto target = split_target(req.target());
  const auto& path = target.path;
  if (path == kFhirPath || path.starts_with(std::string(kFhirPath) + "/")) {
    // "/fhir/r4" and "/fhir/r4/" are the base (a transaction Bundle); "/fhir/r4/{Type}" one
    // resource.
    std::string type;
    if (path.size() > kFhirPath.size() + 1) type = path.substr(kFhirPath.size() + 1);
    if (!type.empty() &&
        (type.find('/') != std::string::npos || !ingest::accepts_resource_type(type))) {
      const bool bundle = type == "Bundle";
      return problem(
          status::not_found, lang, "not-found", "",
          bundle ? mappers::Text{"Kirim Bundle transaksi ke " + std::string(kFhirPath) + ".",
                                 "Post a transaction Bundle to " + std::string(kFhirPath) + "."}
                 : mappers::Text{"Jenis resource FHIR R4 tidak dikenal atau tidak didukung di "
                                 "alamat ini. Gunakan " +
                                     std::string(kFhirPath) + "/{jenis}, mis. " +
                                     std::string(kFhirPath) + "/Observation.",
                                 "Not a FHIR R4 resource type this gateway accepts. Use " +
                                     std::string(kFhirPath) + "/{Type}, e.g. " +
                                     std::string(kFhirPath) + "/Observation."});
    }
    if (req.method() != bhttp::verb::post) {
      auto res = problem(status::method_not_allowed, lang, "not-supported", "",
                         {"Alamat FHIR gateway hanya menerima POST.",
                          "The gateway's FHIR paths accept POST only."});
      res.set(bhttp::field::allow, "POST");
      return res;
    }
    return Route{Route::Kind::kFhir, std::move(type), {}};
  }
  const bool records_root = path == kRecordsPath;
  const bool batch = path == kBatchPath;
  const bool record_item =
      path.size() > kRecordsPath.size() + 1 &&
      path.compare(0, kRecordsPath.size() + 1, std::string(kRecordsPath) + "/") == 0 &&
      path.find('/', kRecordsPath.size() + 1) == std::string::npos;
  if (!records_root && !batch && !record_item) {
    return problem(status::not_found, lang, "not-found", "",
                   {"Alamat tidak dikenal. Gunakan " + std::string(kRecordsPath) + " (atau " +
                        std::string(kFhirPath) + " untuk FHIR).",
                    "Unknown path. Use " + std::string(kRecordsPath) + " (or " +
                        std::string(kFhirPath) + " for FHIR)."});
  }
  const bool post_ok = records_root || batch;
  const bool get_ok = records_root || record_item;
  if ((req.method() == bhttp::verb::post && !post_ok) ||
      (req.method() == bhttp::verb::get && !get_ok) ||
      (req.method() != bhttp::verb::post && req.method() != bhttp::verb::get)) {
    auto res = problem(status::method_not_allowed, lang, "not-supported", "",
                       {"Metode HTTP ini tidak didukung untuk alamat ini.",
                        "This HTTP method is not supported on this path."});
    res.set(bhttp::field::allow, post_ok && get_ok ? "GET, POST" : post_ok ? "POST" : "GET");
    return res;
  }
  if (req.method() == bhttp::verb::get) {
    if (record_item) {
      return Route{Route::Kind::kGet, path.substr(kRecordsPath.size() + 1), target.query};
    }
    return Route{Route::Kind::kList, {}, target.query};
  }
  return Route{batch ? Route::Kind::kBatch : Route::Kind::kSubmit, {}, {}};
}

// The body's media type for each submitting endpoint: a 415 is known from the header alone.
std::optional<Response> IngestApi::media_problem(const Route& route, const Request& req,
                                                 Lang lang) {
  const auto media = media_type(req);
  switch (route.kind) {
    case Route::Kind::kSubmit:
      if (media == "application/json") return std::nullopt;
      return problem(status::unsupported_media_type, lang, "not-supported", "",
                     {"Gunakan Content-Type: application/json untuk satu rekam "
                      "(application/x-ndjson untuk " +
                          std::string(kBatchPath) + ").",
                      "Use Content-Type: application/json for one record "
                      "(application/x-ndjson for " +
                          std::string(kBatchPath) + ")."});
    case Route::Kind::kBatch:
      if (media == "application/x-ndjson") return std::nullopt;
      return problem(status::unsupported_media_type, lang, "not-supported", "",
                     {"Gunakan Content-Type: application/x-ndjson (satu rekam JSON per "
                      "baris).",
                      "Use Content-Type: application/x-ndjson (one JSON record per line)."});
    case Route::Kind::kFhir:
      if (media == "application/fhir+json" || media == "application/json") return std::nullopt;
      return problem(status::unsupported_media_type, lang, "not-supported", "",
                     {"Gunakan Content-Type: application/fhir+json (atau "
                      "application/json).",
                      "Use Content-Type: application/fhir+json (or application/json)."});
    default:
      return std::nullopt;
  }
}

// Before the body is read: a request that will be refused anyway (unknown path, no or wrong
// key, throttled address, wrong media type) is answered from its header, so an unauthenticated
// client can never make the gateway receive and hold a body.
std::optional<Response> IngestApi::precheck(const Request& header,
                                            const boost::asio::ip::address& peer) {
  const auto lang = request_lang(header);
  auto routed = route(header, lang);
  if (auto* res = std::get_if<Response>(&routed)) return std::move(*res);
  const auto cfg = config_.get();
  const int per_min = cfg->limits.auth_failures_per_min;
  if (auto throttled = auth_gate_.check(peer, per_min, lang)) return throttled;
  if (authenticate(header, *cfg) == nullptr) {
    auth_gate_.failed(peer, per_min);
    return unauthorized(lang);
  }
  return media_problem(std::get<Route>(routed), header, lang);
}

void IngestApi::handle(Request&& req, http::Respond respond) {
  const auto lang = request_lang(req);
  auto routed = route(req, lang);
  if (auto* res = std::get_if<Response>(&routed)) return respond(std::move(*res));
  auto& r = std::get<Route>(routed);
  auto cfg = config_.get();
  // precheck() authenticated the header already; this holds for a request that skipped it and
  // for a config reloaded in between.
  const config::Facility* caller = authenticate(req, *cfg);
  if (caller == nullptr) return respond(unauthorized(lang));
  if (auto bad = media_problem(r, req, lang)) return respond(std::move(*bad));
  switch (r.kind) {
    case Route::Kind::kGet:
      return get_record(r.id, lang, *caller, std::move(respond));
    case Route::Kind::kList:
      return list_records(r.query, lang, *caller, std::move(respond));
    case Route::Kind::kBatch:
      return submit_batch(std::move(req), std::move(respond), std::move(cfg), *caller);
    case Route::Kind::kFhir:
      return submit_fhir(std::move(req), std::move(respond), std::move(cfg), *caller, r.id);
    case Route::Kind::kSubmit:
      return submit_one(std::move(req), std::move(respond), std::move(cfg), *caller);
  }
}

void IngestApi::submit_one(Request&& req, http::Respond respond,
                           std::shared_ptr<const config::Config> cfg,
                           const config::Facility& caller) {
  const auto lang = request_lang(req);
  const auto started = std::chrono::steady_clock::now();
  std::vector<ingest::Line> lines;
  lines.push_back(ingest::check_envelope(req.body(), *cfg, &caller));
  submit_line(std::move(cfg), std::move(lines), "records", lang, started, std::move(respond));
}

// One checked line through the pipeline; the answer once it is durable (or refused), with the
// latency observed per endpoint.
void IngestApi::submit_line(std::shared_ptr<const config::Config> cfg,
                            std::vector<ingest::Line> lines, const char* endpoint,
                            mappers::Lang lang, std::chrono::steady_clock::time_point started,
                            http::Respond respond) {
  pipeline_.submit(
      std::move(cfg), std::move(lines),
      [this, lang, started, endpoint,
       respond = std::move(respond)](std::vector<ingest::Result> results) {
        const auto& r = results.front();
        metrics_
            .histogram("ilp_ingest_latency_seconds", "Time from request to durable answer",
                       latency_buckets(), {{"endpoint", endpoint}})
            .observe(seconds_since(started));
        if (r.status == 202 || r.status == 200) {
          logger("ingest")->debug("{} {} revision {} ({})", r.id, r.status, r.revision, endpoint);
        }
        respond(result_response(r, lang));
      });
}

// FHIR pass-through (DESIGN.md §3.4): POST /fhir/r4 (a transaction Bundle) and
// POST /fhir/r4/{Type} (one resource), same key, limits and answers as /api/v1/records.
void IngestApi::submit_fhir(Request&& req, http::Respond respond,
                            std::shared_ptr<const config::Config> cfg,
                            const config::Facility& caller, const std::string& type) {
  const auto lang = request_lang(req);
  std::optional<std::string_view> record_id;
  if (auto it = req.find("X-Record-Id"); it != req.end()) {
    record_id = std::string_view(it->value().data(), it->value().size());
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<ingest::Line> lines;
  lines.push_back(ingest::check_fhir({req.body(), type, record_id}, *cfg, caller));
  submit_line(std::move(cfg), std::move(lines), "fhir", lang, started, std::move(respond));
}

void IngestApi::submit_batch(Request&& req, http::Respond respond,
                             std::shared_ptr<const config::Config> cfg,
                             const config::Facility& caller) {
  const auto lang = request_lang(req);
  const auto started = std::chrono::steady_clock::now();
  std::vector<ingest::Line> lines;
  std::vector<std::size_t> line_numbers;  // physical line numbers (1-based); blank lines skipped
  std::string_view body = req.body();
  std::size_t number = 0;
  while (!body.empty()) {
    const auto nl = body.find('\n');
    auto line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (lines.size() == cfg->limits.batch_lines) {
      return respond(problem(status::payload_too_large, lang, "too-long", "",
                             {"Batch melebihi " + std::to_string(cfg->limits.batch_lines) +
                                  " baris (limits.batch_lines). Bagi menjadi beberapa batch.",
                              "The batch has more than " + std::to_string(cfg->limits.batch_lines) +
                                  " lines (limits.batch_lines). Split it into several batches."}));
    }
    lines.push_back(ingest::check_envelope(line, *cfg, &caller));
    line_numbers.push_back(number);
  }
  if (lines.empty()) {
    return respond(problem(status::bad_request, lang, "required", "",
                           {"Batch kosong: kirim satu rekam JSON per baris.",
                            "Empty batch: send one JSON record per line."}));
  }
  pipeline_.submit(
      cfg, std::move(lines),
      [this, lang, started, line_numbers = std::move(line_numbers),
       respond = std::move(respond)](std::vector<ingest::Result> results) {
        rapidjson::Document d(rapidjson::kObjectType);
        auto& a = d.GetAllocator();
        rapidjson::Value arr(rapidjson::kArrayType);
        std::size_t accepted = 0, rejected = 0;
        for (std::size_t i = 0; i < results.size(); ++i) {
          const auto& r = results[i];
          rapidjson::Value v(rapidjson::kObjectType);
          v.AddMember("line", static_cast<std::uint64_t>(line_numbers[i]), a);
          v.AddMember("status", r.status, a);
          if (r.status == 200 || r.status == 202) {
            ++accepted;
            v.AddMember("id", rapidjson::Value(r.id.c_str(), a), a);
            v.AddMember("revision", r.revision, a);
            v.AddMember("status_url",
                        rapidjson::Value((std::string(kRecordsPath) + "/" + r.id).c_str(), a), a);
          } else {
            ++rejected;
            rapidjson::Value oo;
            mappers::write_outcome(r.outcome, lang, oo, a);
            v.AddMember("outcome", oo, a);
          }
          arr.PushBack(v, a);
        }
        d.AddMember("accepted", static_cast<std::uint64_t>(accepted), a);
        d.AddMember("rejected", static_cast<std::uint64_t>(rejected), a);
        d.AddMember("results", arr, a);
        metrics_
            .histogram("ilp_ingest_latency_seconds", "Time from request to durable answer",
                       latency_buckets(), {{"endpoint", "batch"}})
            .observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        respond(json_response(status::ok, mappers::to_json(d)));
      });
}

void IngestApi::get_record(const std::string& id, Lang lang, const config::Facility& caller,
                           http::Respond respond) {
  std::string facility = caller.info.key;
  store_.get(id, [this, lang, facility,
                  respond = std::move(respond)](store::ReadResult<store::Record> rec) mutable {
    net::post(executor_, [lang, facility, respond = std::move(respond), rec = std::move(rec)]() {
      // Unknown is not "none": the record may well be stored, so no 404.
      if (rec.is_failed()) return respond(store_unavailable(lang, "get", rec.error()));
      // Another facility's record answers like an unknown one: ids are not to be probed.
      if (!rec.is_found() || rec->facility != facility) {
        return respond(problem(status::not_found, lang, "not-found", "id",
                               {"Rekam dengan id ini tidak ditemukan untuk fasilitas Anda.",
                                "No record with this id for your facility."}));
      }
      respond(json_response(status::ok, record_json(rec.value(), lang)));
    });
  });
}

void IngestApi::list_records(const std::map<std::string, std::string>& query, Lang lang,
                             const config::Facility& caller, http::Respond respond) {
  if (auto it = query.find("facility");
      it != query.end() && !it->second.empty() && it->second != caller.info.key) {
    return respond(problem(status::forbidden, lang, "forbidden", "facility",
                           {"Kunci API ini hanya dapat melihat rekam fasilitasnya sendiri.",
                            "This API key can only list its own facility's records."}));
  }
  auto parsed = parse_list_query(query);
  if (auto* bad = std::get_if<QueryProblem>(&parsed)) {
    return respond(problem(status::bad_request, lang, "value", bad->parameter, bad->text));
  }
  auto q = std::get<store::ListQuery>(std::move(parsed));
  q.facility = caller.info.key;
  store_.list(std::move(q),
              [this, lang, respond = std::move(respond)](store::ReadResult<store::ListPage> page) {
                net::post(executor_, [lang, respond, page = std::move(page)] {
                  if (page.is_failed())
                    return respond(store_unavailable(lang, "list", page.error()));
                  respond(json_response(status::ok, page_json(page.value(), lang)));
                });
              });
}

}  // namespace ilp::gateway::api
