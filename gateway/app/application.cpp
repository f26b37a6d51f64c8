#include "gateway/app/application.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "gateway/api/admin_api.hpp"
#include "gateway/api/ingest_api.hpp"
#include "gateway/config/holder.hpp"
#include "gateway/delivery/worker.hpp"
#include "gateway/ingest/pipeline.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/util/log.hpp"

namespace ilp::gateway::app {
namespace net = boost::asio;

namespace {
constexpr auto kShutdownDeadline = std::chrono::seconds(10);

http::ServerLimits server_limits(const config::Limits& l) {
  http::ServerLimits s;
  s.body_bytes = l.body_bytes;
  s.header_bytes = l.header_bytes;
  s.request_timeout = std::chrono::milliseconds(l.request_timeout_ms);
  s.idle_timeout = std::chrono::milliseconds(l.idle_timeout_ms);
  s.connections = l.connections;
  return s;
}

std::unique_ptr<store::SqliteStore> open_store(const config::Config& cfg) {
  store::SqliteStore::Options o;
  o.path = cfg.store.sqlite;
  return std::make_unique<store::SqliteStore>(o);
}
}  // namespace

struct Application::Impl {
  std::string config_path;
  std::vector<std::string> overrides;
  config::Holder config;
  SystemClock clock;
  Metrics metrics;
  net::io_context ioc;
  std::unique_ptr<store::SqliteStore> store;
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
          next->store.sqlite != cur.store.sqlite) {
        logger("config")->warn("listen addresses and the store path change only on restart");
      }
      config.set(std::move(next));
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
  const auto cfg = m.config.get();
  m.store = open_store(*cfg);
  m.delivery = std::make_unique<delivery::Delivery>(
      [&m] { return m.config.get(); }, *m.store, m.clock, m.metrics,
      delivery::HttpTransport::from_config(cfg->platform));
  auto notify = [&m] { m.delivery->notify(); };
  m.pipeline = std::make_unique<ingest::Pipeline>(m.ioc.get_executor(), *m.store, m.clock,
                                                  m.metrics, notify);
  m.ingest_api = std::make_unique<api::IngestApi>(m.config, *m.pipeline, *m.store, m.clock,
                                                  m.metrics, m.ioc.get_executor());
  m.admin_api = std::make_unique<api::AdminApi>(
      m.config, *m.store, m.clock, m.metrics, m.ioc.get_executor(), [&m] { return m.reload(); },
      notify);
  m.metrics.on_render([&m](Metrics& metrics) {
    metrics.gauge("ilp_open_connections", "Open client connections", {{"listener", "ingest"}})
        .set(static_cast<double>(m.ingest_server->active_connections()));
    metrics.counter("ilp_rejected_connections_total", "Connections refused over the cap").inc(0);
  });

  const auto limits = server_limits(cfg->limits);
  m.ingest_server = std::make_unique<http::Server>(
      m.ioc, "ingest", limits,
      [&m](http::Request&& req, http::Respond respond) {
        m.ingest_api->handle(std::move(req), std::move(respond));
      },
      &api::IngestApi::error_response);
  m.admin_server = std::make_unique<http::Server>(
      m.ioc, "admin", limits,
      [&m](http::Request&& req, http::Respond respond) {
        m.admin_api->handle(std::move(req), std::move(respond));
      },
      &api::IngestApi::error_response);

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
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&m] { m.ioc.run(); });
  m.ioc.run();
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
