#include "gateway/app/application.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "gateway/api/admin_api.hpp"
#include "gateway/api/ingest_api.hpp"
#include "gateway/app/open_files.hpp"
#include "gateway/config/holder.hpp"
#include "gateway/delivery/worker.hpp"
#include "gateway/ingest/pipeline.hpp"
#include "gateway/store/pg/pg_store.hpp"
#include "gateway/store/pseudonym_key.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/util/log.hpp"
#include "gateway/util/run_guarded.hpp"

namespace ilp::gateway::app {
namespace net = boost::asio;

namespace {
constexpr auto kShutdownDeadline = std::chrono::seconds(10);

http::ServerLimits server_limits(const config::Limits& l, std::size_t connections) {
  http::ServerLimits s;
  s.body_bytes = l.body_bytes;
  s.header_bytes = l.header_bytes;
  s.header_timeout = std::chrono::milliseconds(l.header_timeout_ms);
  s.request_timeout = std::chrono::milliseconds(l.request_timeout_ms);
  s.idle_timeout = std::chrono::milliseconds(l.idle_timeout_ms);
  s.connections = connections;
  s.connections_per_ip = std::min(l.connections_per_ip, connections);
  s.inflight_body_bytes = l.inflight_body_bytes;
  return s;
}

// No exception may end a network thread: the listeners must keep serving everyone else.
void run_io(net::io_context& ioc, Metrics& metrics) {
  run_guarded(ioc, [&](std::string_view what) {
    metrics.counter("ilp_unhandled_exceptions_total", "Exceptions that reached a network thread")
        .inc();
    logger("main")->error("unexpected exception on a network thread: {}", what);
  });
}

void publish_server(Metrics& m, const http::Server& server) {
  const Labels l{{"listener", server.name()}};
  const auto& c = server.counters();
  m.gauge("ilp_open_connections", "Open client connections", l)
      .set(static_cast<double>(server.active_connections()));
  const auto set = [&](const char* reason, const std::atomic<std::uint64_t>& v) {
    auto& counter = m.counter("ilp_http_refused_total",
                              "Connections or requests the HTTP layer refused or cut off",
                              {{"listener", server.name()}, {"reason", reason}});
    const auto now = v.load();
    if (now > counter.value()) counter.inc(now - counter.value());
  };
  set("connection_cap", c.over_cap);
  set("per_ip_cap", c.over_ip_cap);
  set("evicted_idle", c.evicted);
  set("bad_request", c.bad_requests);
  set("header_timeout", c.header_timeouts);
  set("body_budget", c.body_budget_refusals);
  set("out_of_descriptors", c.fd_exhausted);
}

std::string default_instance_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "%s", "host");
  return std::string(host) + ":" + std::to_string(getpid());
}

std::unique_ptr<store::Store> open_store(const config::Config& cfg) {
  if (!cfg.store.postgres.empty()) {
    store::pg::PgStore::Options o;
    o.conninfo = cfg.store.postgres;
    o.instance_id = cfg.store.instance_id.empty() ? default_instance_id() : cfg.store.instance_id;
    o.lease_ms = cfg.store.lease_ms;
    o.heartbeat_ms = cfg.store.heartbeat_ms;
    logger("store")->info("PostgreSQL store, instance {}", o.instance_id);
    return std::make_unique<store::pg::PgStore>(o);
  }
  store::SqliteStore::Options o;
  o.path = cfg.store.sqlite;
  o.pseudonymizer = &cfg.pseudonym();
  return std::make_unique<store::SqliteStore>(o);
}

// A key file made just now for a hub database that already holds records would silently give
// every queued patient a second key (order and idempotency lost), as for SQLite
// (open_store_pseudonym_key): the start stops, and the file made by mistake goes again.
void refuse_new_key_for_used_hub(store::Store& s, const std::string& key_path) {
  std::promise<store::ReadResult<store::Stats>> p;
  auto f = p.get_future();
  s.stats([&p](store::ReadResult<store::Stats> r) { p.set_value(std::move(r)); });
  const auto stats = f.get();
  if (stats.is_found() && stats->rows.empty()) return;
  std::error_code ec;
  std::filesystem::remove(key_path, ec);
  if (!stats.is_found()) {
    throw std::runtime_error("the pseudonym key " + key_path +
                             " was missing and the PostgreSQL store could not be read to check "
                             "whether it already holds records: " +
                             stats.error());
  }
  throw std::runtime_error(
      "the pseudonym key " + key_path +
      " was missing, and the PostgreSQL store already holds records made with a key: copy the "
      "key file from another instance of the hub or restore it from the backup "
      "(docs/hub.md, docs/security.md)");
}

// The key is read once, at start: a reload that names another file changes nothing (the
// store's keys were made with this one), like the store path.
std::shared_ptr<const config::Config> with_key(
    std::shared_ptr<const config::Config> cfg,
    const std::shared_ptr<const mappers::Pseudonymizer>& key) {
  auto c = std::make_shared<config::Config>(*cfg);
  c->pseudonymizer = key;
  return c;
}
}  // namespace

struct Application::Impl {
  std::string config_path;
  std::vector<std::string> overrides;
  config::Holder config;
  SystemClock clock;
  Metrics metrics;
  std::shared_ptr<const mappers::Pseudonymizer> pseudonymizer;
  net::io_context ioc;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<delivery::Delivery> delivery;
  std::unique_ptr<ingest::Pipeline> pipeline;
  std::unique_ptr<api::IngestApi> ingest_api;
  std::unique_ptr<api::AdminApi> admin_api;
  std::unique_ptr<http::Server> ingest_server;
  std::unique_ptr<http::Server> admin_server;
  net::signal_set signals{ioc, SIGINT, SIGTERM, SIGHUP};

  Impl(std::string path, std::vector<std::string> ov, std::shared_ptr<const config::Config> cfg)
      : config_path(std::move(path)), overrides(std::move(ov)), config(std::move(cfg)) {}

  std::vector<std::string> reload() {
    try {
      auto next = config::load(config_path, {overrides, true});
      const auto& cur = *config.get();
      std::vector<std::string> notes;
      if (next->listen.ingest != cur.listen.ingest || next->listen.admin != cur.listen.admin ||
          next->store.sqlite != cur.store.sqlite || next->store.postgres != cur.store.postgres ||
          next->store.pseudonym_key != cur.store.pseudonym_key) {
        logger("config")->warn(
            "listen addresses, the store path and the pseudonym key change only on restart");
      }
      config.set(with_key(std::move(next), pseudonymizer));
      metrics.counter("ilp_config_reloads_total", "Configuration reloads", {{"result", "ok"}})
          .inc();
      return {};
    } catch (const config::ConfigError& e) {
      metrics.counter("ilp_config_reloads_total", "Configuration reloads", {{"result", "refused"}})
          .inc();
      for (const auto& p : e.problems()) logger("config")->error("reload refused: {}", p);
      return e.problems();
    }
  }

  void wait_signal() {
    signals.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload();
        return wait_signal();
      }
      logger("main")->info("stopping: no new connections, finishing requests in flight");
      ingest_server->stop();
      admin_server->stop();
      // In-flight requests finish their commit and answer; after the deadline we stop anyway.
      auto timer = std::make_shared<net::steady_timer>(ioc, kShutdownDeadline);
      timer->async_wait([this, timer](boost::system::error_code) { ioc.stop(); });
      std::thread([this, timer] {
        while (ingest_server->active_connections() + admin_server->active_connections() > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          if (ioc.stopped()) return;
        }
        net::post(ioc, [this, timer] {
          timer->cancel();
          ioc.stop();
        });
      }).detach();
    });
  }
};

Application::Application(std::string config_path, std::vector<std::string> overrides,
                         std::shared_ptr<const config::Config> cfg)
    : impl_(std::make_unique<Impl>(std::move(config_path), std::move(overrides), std::move(cfg))) {}

Application::~Application() = default;

int Application::run() {
  auto& m = *impl_;
  bool new_hub_key = false;
  {
    const auto raw = m.config.get();
    std::error_code ec;
    const bool postgres = !raw->store.postgres.empty();
    const bool had_store = !postgres && raw->store.sqlite != ":memory:" &&
                           std::filesystem::exists(raw->store.sqlite, ec);
    // A hub's instances share one key file (config requires it with store.postgres).
    const auto key =
        postgres ? store::open_pseudonym_key(raw->store.pseudonym_key)
                 : store::open_store_pseudonym_key(raw->store.pseudonym_key, raw->store.sqlite);
    if (key.created && had_store) {
      // The first start after an upgrade (a lost key of a keyed store stops the start).
      logger("store")->warn(
          "created the pseudonym key {} for an existing store (the first start after an "
          "upgrade): back it up with the store (docs/security.md)",
          raw->store.pseudonym_key);
    } else if (key.created && !raw->store.pseudonym_key.empty()) {
      logger("store")->warn(
          "created the pseudonym key {}: back it up with the store (docs/security.md)",
          raw->store.pseudonym_key);
    }
    new_hub_key = postgres && key.created;
    m.pseudonymizer = std::make_shared<const mappers::Pseudonymizer>(key.key);
    m.config.set(with_key(raw, m.pseudonymizer));
  }
  const auto cfg = m.config.get();
  m.store = open_store(*cfg);
  if (new_hub_key) refuse_new_key_for_used_hub(*m.store, cfg->store.pseudonym_key);
  m.delivery =
      std::make_unique<delivery::Delivery>([&m] { return m.config.get(); }, *m.store, m.clock,
                                           m.metrics, delivery::HttpTransport::from_config(*cfg));
  auto notify = [&m] { m.delivery->notify(); };
  m.pipeline = std::make_unique<ingest::Pipeline>(m.ioc.get_executor(), *m.store, m.clock,
                                                  m.metrics, notify);
  m.ingest_api = std::make_unique<api::IngestApi>(m.config, *m.pipeline, *m.store, m.clock,
                                                  m.metrics, m.ioc.get_executor());
  m.admin_api = std::make_unique<api::AdminApi>(
      m.config, *m.store, m.clock, m.metrics, m.ioc.get_executor(), [&m] { return m.reload(); },
      notify);
  m.admin_api->set_delivery_alive([&m] { return m.delivery->alive(); });
  m.metrics.on_render([&m](Metrics& metrics) {
    publish_server(metrics, *m.ingest_server);
    publish_server(metrics, *m.admin_server);
  });

  const auto files = ensure_open_files(open_files_needed(
      cfg->limits.connections, cfg->limits.admin_connections, cfg->delivery.concurrency));
  logger("main")->debug("open-files limit {} (hard {})", files.soft, files.hard);
  m.ingest_server = std::make_unique<http::Server>(
      m.ioc, "ingest", server_limits(cfg->limits, cfg->limits.connections),
      [&m](http::Request&& req, http::Respond respond) {
        m.ingest_api->handle(std::move(req), std::move(respond));
      },
      &api::IngestApi::error_response,
      [&m](const http::Request& header, const net::ip::address& peer) {
        return m.ingest_api->precheck(header, peer);
      });
  m.admin_server = std::make_unique<http::Server>(
      m.ioc, "admin", server_limits(cfg->limits, cfg->limits.admin_connections),
      http::PeerHandler(
          [&m](http::Request&& req, const net::ip::address& peer, http::Respond respond) {
            m.admin_api->handle(std::move(req), peer, std::move(respond));
          }),
      &api::IngestApi::error_response,
      [&m](const http::Request& header, const net::ip::address& peer) {
        return m.admin_api->precheck(header, peer);
      });

  const auto ingest_ep = m.ingest_server->listen(cfg->listen.ingest);
  const auto admin_ep = m.admin_server->listen(cfg->listen.admin);
  if (cfg->delivery.enabled) {
    m.delivery->start();
  } else {
    logger("main")->warn("delivery.enabled is false: records are accepted and queued, not sent");
  }
  m.wait_signal();
  std::cout << "ingest listening on " << ingest_ep.address().to_string() << ":" << ingest_ep.port()
            << "\n"
            << "admin listening on " << admin_ep.address().to_string() << ":" << admin_ep.port()
            << std::endl;
  logger("main")->info("serving {} facilities; platform {}", cfg->facilities.size(),
                       cfg->platform.fhir_url);

  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&m] { run_io(m.ioc, m.metrics); });
  run_io(m.ioc, m.metrics);
  for (auto& t : pool) t.join();
  // The current delivery attempts finish (bounded), then the store drains its queue.
  m.delivery->stop(kShutdownDeadline);
  m.ingest_server.reset();
  m.admin_server.reset();
  m.store.reset();
  logger("main")->info("stopped");
  return 0;
}

}  // namespace ilp::gateway::app
