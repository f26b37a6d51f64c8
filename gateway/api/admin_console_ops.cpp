// The admin endpoints the web console added (issue 19): the overview, the count behind "retry
// all that match", the mapping try-out, retries by filter, the record detail with its masked
// bundle, and the audit log's tail. AdminApi's routing (admin_api.cpp) sends them here; each
// parses its parameters, asks the store and answers. Console actions are audited here.
#include <boost/asio/post.hpp>
#include <charconv>

#include "gateway/api/admin_api.hpp"
#include "gateway/api/bundle_mask.hpp"
#include "gateway/api/console_messages.hpp"
#include "gateway/api/http_util.hpp"
#include "gateway/api/list_query.hpp"
#include "gateway/api/overview_json.hpp"
#include "gateway/api/record_json.hpp"
#include "gateway/ingest/dry_run.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::api {
namespace net = boost::asio;
using bhttp::status;

namespace {

std::string value_of(const std::map<std::string, std::string>& q, const char* name) {
  const auto it = q.find(name);
  return it == q.end() ? std::string() : it->second;
}

bool known_facility(const config::Config& cfg, const std::string& key) {
  for (const auto& f : cfg.facilities) {
    if (f.info.key == key) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

}  // namespace

std::string AdminApi::who(const Request& req) {
  if (bearer_token(req)) return "token";
  const auto s = console_.session_of(req);
  return s ? "session:" + s->handle : "-";
}

void AdminApi::audit(const Request& req, const boost::asio::ip::address& peer, std::string action,
                     std::vector<std::pair<std::string, std::string>> detail, std::int64_t count) {
  audit_.write(
      {clock_.now_ms(), who(req), peer.to_string(), std::move(action), std::move(detail), count});
}

void AdminApi::overview(http::Respond respond) {
  store_.stats([this, respond = std::move(respond)](store::ReadResult<store::Stats> s) {
    net::post(executor_, [this, respond, s = std::move(s)] {
      if (s.is_failed()) return respond(store_unavailable(mappers::Lang::kId, "stats", s.error()));
      respond(json_response(status::ok,
                            overview_json(s.value(), *config_.get(), metrics_, clock_.now_ms())));
    });
  });
}

void AdminApi::count(const std::map<std::string, std::string>& query, mappers::Lang lang,
                     http::Respond respond) {
  const auto status_text = value_of(query, "status");
  const auto st = store::status_from_string(status_text);
  if (!st) {
    return respond(problem(status::bad_request, lang, status_text.empty() ? "required" : "value",
                           "status", console_text::status_required()));
  }
  const auto facility = value_of(query, "facility");
  if (!facility.empty() && !known_facility(*config_.get(), facility)) {
    return respond(problem(status::bad_request, lang, "value", "facility",
                           console_text::unknown_facility(facility)));
  }
  const auto kind = value_of(query, "kind");
  // record_counts keeps these per facility, kind and status: no scan, whatever the store size.
  store_.stats([this, respond, lang, st, facility, kind](store::ReadResult<store::Stats> s) {
    net::post(executor_, [respond, lang, st, facility, kind, s = std::move(s)] {
      if (s.is_failed()) return respond(store_unavailable(lang, "stats", s.error()));
      std::int64_t n = 0;
      for (const auto& r : s.value().rows) {
        if (r.status == *st && (facility.empty() || r.facility == facility) &&
            (kind.empty() || r.kind == kind)) {
          n += r.count;
        }
      }
      respond(json_response(status::ok, "{\"count\":" + std::to_string(n) + "}"));
    });
  });
}

void AdminApi::try_mapping(const Request& req, const boost::asio::ip::address& peer,
                           mappers::Lang lang, http::Respond respond) {
  if (req.body().find_first_not_of(" \t\r\n") == std::string::npos) {
    return respond(problem(status::bad_request, lang, "required", "", console_text::try_body()));
  }
  // Mapping and validation are CPU work on this network thread, as ingest's are: one record.
  auto run = ingest::dry_run(req.body(), *config_.get(), clock_.now_ms());
  audit(req, peer, "try", {{"result", run.ok ? "mapped" : "refused"}}, 1);
  if (!run.ok) {
    return respond(outcome_response(static_cast<bhttp::status>(run.status), run.outcome, lang));
  }
  // The sender's own record comes back as it would be sent (nothing stored, nothing logged).
  respond(json_response(status::ok, "{\"ok\":true,\"bundle\":" + run.bundle_json + "}"));
}

void AdminApi::retry(const Request& req, const boost::asio::ip::address& peer, mappers::Lang lang,
                     http::Respond respond) {
  // {"ids": ["…"]}, {"status": "needs_correction"} or
  // {"filter": {"status": "needs_correction", "facility": "…", "kind": "…"}}
  rapidjson::Document d;
  if (mappers::parse_json_strict(req.body(), d) || !d.IsObject()) {
    return respond(
        problem(status::bad_request, lang, "structure", "",
                {"Kirim {\"ids\": [...]}, {\"status\": \"...\"} atau {\"filter\": {...}}.",
                 "Send {\"ids\": [...]}, {\"status\": \"...\"} or {\"filter\": {...}}."}));
  }
  auto done = [this, respond](int count) {
    if (count > 0 && notify_delivery_) notify_delivery_();
    net::post(executor_, [respond, count] {
      respond(json_response(status::ok, "{\"requeued\":" + std::to_string(count) + "}"));
    });
  };
  if (const auto* f = mappers::member(d, "filter")) {
    store::Store::RetryFilter filter;
    const auto st = f->IsObject() ? mappers::string_member(*f, "status") : std::nullopt;
    const auto parsed = st ? store::status_from_string(*st) : std::nullopt;
    if (!parsed || *parsed == store::Status::kQueued || *parsed == store::Status::kSending ||
        *parsed == store::Status::kDelivered || *parsed == store::Status::kSuperseded) {
      return respond(problem(status::bad_request, lang, "value", "filter.status",
                             console_text::retry_filter_body()));
    }
    filter.status = *parsed;
    if (auto v = mappers::string_member(*f, "facility")) filter.facility = std::string(*v);
    if (auto v = mappers::string_member(*f, "kind")) filter.kind = std::string(*v);
    if (!filter.facility.empty() && !known_facility(*config_.get(), filter.facility)) {
      return respond(problem(status::bad_request, lang, "value", "filter.facility",
                             console_text::unknown_facility(filter.facility)));
    }
    std::vector<std::pair<std::string, std::string>> detail{
        {"status", std::string(store::to_string(filter.status))},
        {"facility", filter.facility},
        {"kind", filter.kind}};
    return store_.retry_matching(
        filter, clock_.now_ms(),
        [this, done, detail, who = who(req), peer = peer.to_string()](int count) {
          audit_.write({clock_.now_ms(), who, peer, "retry_all", detail, count});
          done(count);
        });
  }
  std::vector<std::string> ids;
  std::optional<store::Status> by_status;
  if (const auto* v = mappers::member(d, "ids"); v && v->IsArray()) {
    for (const auto& e : v->GetArray()) {
      if (e.IsString()) ids.emplace_back(e.GetString());
    }
  }
  if (auto s = mappers::string_member(d, "status")) by_status = store::status_from_string(*s);
  if (ids.empty() && !by_status) {
    return respond(problem(status::bad_request, lang, "required", "ids",
                           {"Sebutkan ids atau status yang akan dikirim ulang.",
                            "Name the ids or the status to re-send."}));
  }
  std::vector<std::pair<std::string, std::string>> detail;
  if (!ids.empty()) {
    detail.emplace_back("ids", joined(ids));
  } else {
    detail.emplace_back("status", std::string(store::to_string(*by_status)));
  }
  const std::string action = ids.empty() ? "retry_all" : "retry";
  store_.retry(std::move(ids), by_status, clock_.now_ms(),
               [this, done, detail, action, who = who(req), peer = peer.to_string()](int count) {
                 audit_.write({clock_.now_ms(), who, peer, action, detail, count});
                 done(count);
               });
}

void AdminApi::record_detail(const std::string& id, const std::map<std::string, std::string>& query,
                             mappers::Lang lang, http::Respond respond) {
  const auto bundle = value_of(query, "bundle");
  if (!bundle.empty() && bundle != "masked") {
    return respond(
        problem(status::bad_request, lang, "value", "bundle", console_text::bad_bundle_param()));
  }
  const bool with_bundle = !bundle.empty();
  store_.get(id, [this, respond, lang, with_bundle](store::ReadResult<store::Record> rec) {
    net::post(executor_, [respond, lang, with_bundle, rec = std::move(rec)] {
      if (rec.is_failed()) return respond(store_unavailable(lang, "get", rec.error()));
      if (!rec.is_found()) {
        return respond(problem(status::not_found, lang, "not-found", "",
                               {"Alamat admin tidak dikenal.", "Unknown admin path."}));
      }
      if (!with_bundle) return respond(json_response(status::ok, record_json(rec.value(), lang)));
      const auto& r = rec.value();
      rapidjson::Document d;
      write_record(r, true, lang, d, d.GetAllocator());
      auto& a = d.GetAllocator();
      const auto words = console_text::status_explained(store::to_string(r.status)).in(lang);
      d.AddMember("status_explained", rapidjson::Value(words.c_str(), a), a);
      // Masked here, on the server: the NIKs and names never reach the browser.
      const auto masked = r.bundle_json.empty() ? std::string() : mask_bundle(r.bundle_json);
      rapidjson::Document b;
      if (!masked.empty() && !mappers::parse_json_strict(masked, b)) {
        d.AddMember("bundle", rapidjson::Value(b, a), a);
      } else {
        d.AddMember("bundle", rapidjson::Value(), a);  // pruned by retention, or none
      }
      respond(json_response(status::ok, mappers::to_json(d)));
    });
  });
}

void AdminApi::audit_tail(const std::map<std::string, std::string>& query, mappers::Lang lang,
                          http::Respond respond) {
  std::size_t limit = 50;
  if (const auto s = value_of(query, "limit"); !s.empty()) {
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), limit);
    if (ec != std::errc() || ptr != s.data() + s.size() || limit < 1 || limit > 200) {
      return respond(
          problem(status::bad_request, lang, "value", "limit", console_text::bad_audit_limit()));
    }
  }
  std::string body = "{\"entries\":[";
  bool first = true;
  for (const auto& line : audit_.tail(limit)) {
    rapidjson::Document d;
    if (mappers::parse_json_strict(line, d)) continue;  // a line cut short by a crash
    body += (first ? "" : ",") + line;
    first = false;
  }
  respond(json_response(status::ok, body + "]}"));
}

}  // namespace ilp::gateway::api
