#include "gateway/api/admin_api.hpp"

#include <boost/asio/post.hpp>

#include "gateway/api/console_messages.hpp"
#include "gateway/api/http_util.hpp"
#include "gateway/api/list_query.hpp"
#include "gateway/api/pws_query.hpp"
#include "gateway/api/record_json.hpp"
#include "gateway/pws/render.hpp"
#include "gateway/util/log.hpp"
#include "mappers/datetime.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::api {
namespace net = boost::asio;
using bhttp::status;

namespace {
constexpr std::string_view kQueuePrefix = "/admin/queue";

Response not_found(mappers::Lang lang) {
  return problem(status::not_found, lang, "not-found", "",
                 {"Alamat admin tidak dikenal.", "Unknown admin path."});
}
}  // namespace

AdminApi::AdminApi(const config::Holder& config, store::Store& store, const Clock& clock,
                   Metrics& metrics, net::any_io_executor executor,
                   std::function<std::vector<std::string>()> reload,
                   std::function<void()> notify_delivery)
    : config_(config),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      executor_(std::move(executor)),
      reload_(std::move(reload)),
      notify_delivery_(std::move(notify_delivery)),
      auth_gate_("admin", metrics, clock),
      sessions_(clock),
      audit_(audit_path_for(config.get()->store.sqlite)),
      console_(config, clock, auth_gate_, sessions_, audit_) {}

// The admin token of the request, or the 403/401 to answer. Probes need none.
std::optional<Response> AdminApi::token_problem(const Request& req, mappers::Lang lang) const {
  const auto cfg = config_.get();
  if (cfg->admin.token.empty()) {
    return problem(status::forbidden, lang, "security", "",
                   {"API admin nonaktif: atur variabel lingkungan " + cfg->admin.token_env +
                        " lalu jalankan ulang gateway.",
                    "The admin API is disabled: set the environment variable " +
                        cfg->admin.token_env + " and restart the gateway."});
  }
  const auto token = bearer_token(req);
  if (!token || !secure_equals(*token, cfg->admin.token)) {
    auto res = problem(status::unauthorized, lang, "login", "",
                       {"Token admin tidak ada atau salah.", "Missing or wrong admin token."});
    res.set(bhttp::field::www_authenticate, "Bearer");
    return res;
  }
  return std::nullopt;
}

namespace {
bool is_probe(const std::string& path) { return path == "/healthz" || path == "/readyz"; }
}  // namespace

std::optional<Response> AdminApi::session_problem(const Request& req, mappers::Lang lang) {
  const auto s = console_.session_of(req);
  if (!s) return problem(status::unauthorized, lang, "login", "", console_text::no_session());
  if (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head) return std::nullopt;
  const auto it = req.find(kCsrfHeader);
  if (it == req.end() || !secure_equals(it->value(), s->csrf)) {
    return problem(status::forbidden, lang, "security", std::string(kCsrfHeader),
                   console_text::csrf_missing());
  }
  return std::nullopt;
}

std::optional<Response> AdminApi::precheck(const Request& header,
                                           const boost::asio::ip::address& peer) {
  // The console's files and login are public (the login throttles itself, in the handler).
  if (is_probe(split_target(header.target()).path) || ConsoleApi::is_public(header)) {
    return std::nullopt;
  }
  const auto lang = request_lang(header);
  // A session id is 256 random bits: an unknown or expired one is not a guess worth
  // throttling (a page left open past expiry sends several), so it does not count.
  // The console's own paths without any cookie (a first visit asks /console/session) are not
  // guesses either.
  const auto path = split_target(header.target()).path;
  if (!bearer_token(header) &&
      (ConsoleApi::has_session_cookie(header) || ConsoleApi::is_console_path(path))) {
    return session_problem(header, lang);
  }
  const int per_min = config_.get()->limits.auth_failures_per_min;
  if (auto throttled = auth_gate_.check(peer, per_min, lang)) return throttled;
  auto bad = token_problem(header, lang);
  if (bad && bad->result() == status::unauthorized) auth_gate_.failed(peer, per_min);
  return bad;
}

void AdminApi::handle(Request&& req, const boost::asio::ip::address& peer,
                      http::Respond respond_plain) {
  // Every admin answer carries the console's CSP and no-store (JSON included: a page opened
  // from a JSON URL runs nothing either).
  http::Respond respond = [r = std::move(respond_plain)](Response&& res) {
    add_security_headers(res);
    r(std::move(res));
  };
  const auto lang = request_lang(req);
  const auto target = split_target(req.target());
  const auto& path = target.path;
  const bool get = req.method() == bhttp::verb::get;
  const bool post = req.method() == bhttp::verb::post;
  if (path == "/healthz") {
    return respond(json_response(status::ok, R"({"status":"up"})"));
  }
  if (path == "/readyz") return readyz(std::move(respond));
  if (ConsoleApi::is_public(req)) return console_.handle(std::move(req), peer, std::move(respond));
  if (!bearer_token(req) &&
      (ConsoleApi::has_session_cookie(req) || ConsoleApi::is_console_path(path))) {
    if (auto bad = session_problem(req, lang)) return respond(std::move(*bad));
  } else if (auto bad = token_problem(req, lang)) {
    return respond(std::move(*bad));
  }
  if (ConsoleApi::is_console_path(path)) {
    return console_.handle(std::move(req), peer, std::move(respond));
  }
  if (path == "/admin/overview" && get) return overview(std::move(respond));
  if (path == "/admin/queue/count" && get) return count(target.query, lang, std::move(respond));
  if (path == "/admin/try" && post) return try_mapping(req, peer, lang, std::move(respond));
  if (path == "/admin/audit" && get) return audit_tail(target.query, lang, std::move(respond));
  if (path == "/metrics" && get) {
    // Queue figures come from the store (asynchronously), then everything renders at once.
    return store_.stats([this, respond = std::move(respond)](store::ReadResult<store::Stats> s) {
      net::post(executor_, [this, respond, s = std::move(s)] {
        // A failed read still renders: monitoring is needed most during a store fault, and
        // a failed scrape would hide the error counters too. The queue gauges keep their
        // last known values (never zeros that say "empty queue"), and ilp_store_readable
        // says they are stale.
        metrics_
            .gauge("ilp_store_readable",
                   "0 when the store could not be read for this scrape: the queue gauges "
                   "are from the last scrape that could")
            .set(s.is_failed() ? 0 : 1);
        if (s.is_failed()) {
          logger("admin")->error("store read failed (metrics): {}", s.error());
        } else {
          record_queue_gauges(s.value());
        }
        pws_gauges(config_.get(), 0, [this, respond] {
          respond(text_response(status::ok, metrics_.render(),
                                "text/plain; version=0.0.4; charset=utf-8"));
        });
      });
    });
  }
  if (path == "/api/v1/pws" && get) return pws_report(target.query, lang, std::move(respond));
  if (path == "/admin/reload" && req.method() == bhttp::verb::post) {
    auto problems = reload_();
    if (problems.empty()) {
      logger("admin")->info("configuration reloaded");
      return respond(json_response(status::ok, R"({"reloaded":true})"));
    }
    mappers::Outcome o;
    for (auto& p : problems) {
      o.add("invalid", "",
            {"Konfigurasi baru ditolak; yang lama tetap dipakai: " + p,
             "New configuration refused; the old one keeps serving: " + p});
    }
    return respond(outcome_response(status::unprocessable_entity, o, lang));
  }
  if (path.rfind(kQueuePrefix, 0) == 0) {
    return queue(path, std::move(req), peer, std::move(respond));
  }
  respond(not_found(lang));
}

void AdminApi::record_queue_gauges(const store::Stats& s) {
  for (const auto& row : s.rows) {
    metrics_
        .gauge("ilp_records", "Records in the store by facility, kind and status",
               {{"facility", row.facility},
                {"kind", row.kind},
                {"status", std::string(store::to_string(row.status))}})
        .set(static_cast<double>(row.count));
  }
  for (const auto& [facility, seconds] :
       drain_eta_s(s, config_.get()->platform.rate_limit_per_min)) {
    metrics_
        .gauge("ilp_queue_eta_seconds",
               "Lower bound of the time to send the records ready to go, at the rate limit",
               {{"facility", facility}})
        .set(seconds);
  }
  metrics_.gauge("ilp_queue_depth", "Records not yet in a final status")
      .set(static_cast<double>(s.pending));
  metrics_
      .gauge("ilp_queue_oldest_age_seconds", "Age of the oldest record not yet in a final status")
      .set(s.oldest_pending_ms
               ? static_cast<double>(clock_.now_ms() - *s.oldest_pending_ms) / 1000.0
               : 0.0);
}

void AdminApi::pws_report(const std::map<std::string, std::string>& query, mappers::Lang lang,
                          http::Respond respond) {
  auto cfg = config_.get();
  auto parsed = parse_pws_request(query, *cfg, clock_.now_ms());
  if (const auto* bad = std::get_if<PwsProblem>(&parsed)) {
    const bool unknown = bad->kind == PwsProblem::Kind::kUnknown;
    return respond(problem(unknown ? status::not_found : status::bad_request, lang,
                           unknown ? "not-found" : "value", bad->parameter, bad->text));
  }
  auto req = std::make_shared<PwsRequest>(std::get<PwsRequest>(std::move(parsed)));
  store_.pws_facts(
      req->facilities, pws::windows(req->month),
      [this, cfg, req, lang, respond](store::ReadResult<std::vector<pws::FactRow>> rows) {
        // Counting runs on the executor, never on the store's thread.
        net::post(executor_, [cfg, req, lang, respond, rows = std::move(rows)] {
          if (rows.is_failed()) return respond(store_unavailable(lang, "pws", rows.error()));
          respond(json_response(status::ok,
                                pws::to_json(build_pws_report(*req, *cfg, rows.value()), lang)));
        });
      });
}

void AdminApi::pws_gauges(std::shared_ptr<const config::Config> cfg, std::size_t i,
                          std::function<void()> done) {
  if (i >= cfg->facilities.size()) return done();
  const auto& facility = cfg->facilities[i].info;
  const auto today = mappers::local_date(clock_.now_ms(), facility.utc_offset_minutes);
  const pws::Month month{static_cast<int>(today.year()), static_cast<unsigned>(today.month())};
  store_.pws_facts(
      {facility.key}, pws::windows(month),
      [this, cfg, i, month, done](store::ReadResult<std::vector<pws::FactRow>> rows) {
        net::post(executor_, [this, cfg, i, month, done, rows = std::move(rows)] {
          // A failed read leaves the last values (ilp_store_readable tells the scrape).
          if (rows.is_found()) {
            const auto report = pws::compute(rows.value(), month, *cfg->pws, {});
            for (const auto indicator : pws::kMainIndicators) {
              std::int64_t n = 0;
              for (const auto& v : report.villages) {
                n += v.indicators[static_cast<std::size_t>(indicator)].month;
              }
              metrics_
                  .gauge("ilp_pws_month",
                         "PWS: persons counted this month (facility's timezone) from delivered "
                         "records, all villages",
                         {{"facility", cfg->facilities[i].info.key},
                          {"indicator", std::string(pws::info(indicator).id)}})
                  .set(static_cast<double>(n));
            }
          }
          pws_gauges(cfg, i + 1, done);
        });
      });
}

void AdminApi::readyz(http::Respond respond) {
  // Records would be accepted and never sent: not ready, whatever the store says.
  if (delivery_alive_ && !delivery_alive_()) {
    auto res = json_response(status::service_unavailable,
                             R"({"status":"not ready","reason":"delivery stopped"})");
    res.set(bhttp::field::retry_after, "5");
    return respond(std::move(res));
  }
  store_.check_writable([this, respond = std::move(respond)](bool ok) {
    net::post(executor_, [this, ok, respond] {
      metrics_.gauge("ilp_store_writable", "1 when the store accepted a probe write").set(ok);
      if (ok) return respond(json_response(status::ok, R"({"status":"ready"})"));
      auto res = json_response(status::service_unavailable,
                               R"({"status":"not ready","reason":"store not writable"})");
      res.set(bhttp::field::retry_after, "5");
      respond(std::move(res));
    });
  });
}

void AdminApi::queue(const std::string& path, Request&& req, const boost::asio::ip::address& peer,
                     http::Respond respond) {
  const auto lang = request_lang(req);
  const auto target = split_target(req.target());
  const bool get = req.method() == bhttp::verb::get;
  auto post_back = [this](http::Respond r, Response res) {
    net::post(executor_, [r = std::move(r), res = std::move(res)]() mutable { r(std::move(res)); });
  };
  if (path == "/admin/queue/stats" && get) {
    return store_.stats([this, post_back, respond, lang](store::ReadResult<store::Stats> s) {
      if (s.is_failed()) return post_back(respond, store_unavailable(lang, "stats", s.error()));
      const int rate = config_.get()->platform.rate_limit_per_min;
      post_back(respond, json_response(status::ok, stats_json(s.value(), clock_.now_ms(), rate)));
    });
  }
  if (path == "/admin/queue/records" && get) {
    auto parsed = parse_list_query(target.query);
    if (auto* bad = std::get_if<QueryProblem>(&parsed)) {
      return respond(problem(status::bad_request, lang, "value", bad->parameter, bad->text));
    }
    return store_.list(std::get<store::ListQuery>(std::move(parsed)),
                       [post_back, respond, lang](store::ReadResult<store::ListPage> page) {
                         post_back(respond,
                                   page.is_failed()
                                       ? store_unavailable(lang, "list", page.error())
                                       : json_response(status::ok, page_json(page.value(), lang)));
                       });
  }
  const std::string item_prefix = std::string(kQueuePrefix) + "/records/";
  if (path.rfind(item_prefix, 0) == 0 && get) {
    return record_detail(path.substr(item_prefix.size()), target.query, lang, std::move(respond));
  }
  if (path == "/admin/queue/retry" && req.method() == bhttp::verb::post) {
    return retry(req, peer, lang, std::move(respond));
  }
  respond(not_found(lang));
}

}  // namespace ilp::gateway::api
