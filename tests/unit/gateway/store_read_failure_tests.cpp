// A store read that fails is not "no such record" (issue 14): the status API, the admin API and
// ingest answer 503 with Retry-After instead of 404, an empty page, zeros, or a new record.
// The store is the real SQLite store with its read fault injection (Options::fail_read).
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>

#include "delivery_fakes.hpp"
#include "gateway/api/admin_api.hpp"
#include "gateway/api/ingest_api.hpp"
#include "gateway/ingest/pipeline.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/sha256.hpp"

using namespace ilp::gateway;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

namespace {

constexpr const char* kApiKey = "key-of-pkm-a";
constexpr const char* kAdminToken = "admin-secret";

std::shared_ptr<config::Config> api_config() {
  auto c = delivery::testing::test_config();
  c->facilities[0].api_key_sha256.push_back(ilp::mappers::sha256_hex(kApiKey));
  c->admin.token = kAdminToken;
  return c;
}

struct Fixture {
  fs::path dir = fs::temp_directory_path() /
                 ("ilp-read-fail-" + std::to_string(::getpid()) + "-" + std::to_string(next()));
  std::atomic<bool> fail_reads{false};
  std::unique_ptr<store::SqliteStore> store;
  config::Holder holder{api_config()};
  ManualClock clock{1'750'000'000'000};
  Metrics metrics;
  net::io_context ioc;
  std::unique_ptr<ingest::Pipeline> pipeline;
  std::unique_ptr<api::IngestApi> ingest_api;
  std::unique_ptr<api::AdminApi> admin_api;
  std::string id;  // a stored record of pkm-a

  static int next() {
    static std::atomic<int> n{0};
    return n++;
  }

  Fixture() {
    fs::create_directories(dir);
    store::SqliteStore::Options o;
    o.path = (dir / "t.db").string();
    o.fail_read = [this] { return fail_reads.load(); };
    store = std::make_unique<store::SqliteStore>(o);
    pipeline =
        std::make_unique<ingest::Pipeline>(ioc.get_executor(), *store, clock, metrics, nullptr);
    ingest_api = std::make_unique<api::IngestApi>(holder, *pipeline, *store, clock, metrics,
                                                  ioc.get_executor());
    admin_api = std::make_unique<api::AdminApi>(
        holder, *store, clock, metrics, ioc.get_executor(),
        [] { return std::vector<std::string>{}; }, [] {});
    store::IngestItem item;
    item.facility = "pkm-a";
    item.kind = "visit";
    item.record_id = "V-1";
    item.content_hash = "h1";
    item.input_json = "{}";
    item.bundle_json = delivery::testing::test_bundle();
    item.resources = delivery::testing::test_resources();
    item.now_ms = clock.now_ms();
    std::promise<std::vector<store::IngestOutcome>> p;
    store->ingest({item}, [&](std::vector<store::IngestOutcome> out) { p.set_value(out); });
    auto out = p.get_future().get();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].kind == store::IngestOutcome::Kind::kCreated);
    id = out[0].id;
  }
  ~Fixture() {
    admin_api.reset();
    ingest_api.reset();
    pipeline.reset();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  // Runs one request through `handler` until it is answered (bounded).
  template <class Handler>
  http::Response run(Handler handler, const std::string& target, const char* lang) {
    http::Request req{bhttp::verb::get, target, 11};
    if (lang != nullptr) req.set(bhttp::field::accept_language, lang);
    std::optional<http::Response> out;
    handler(std::move(req), [&](http::Response&& r) { out = std::move(r); });
    auto guard = net::make_work_guard(ioc);
    for (int i = 0; i < 2000 && !out; ++i) {
      ioc.restart();
      ioc.run_for(std::chrono::milliseconds(5));
    }
    REQUIRE(out);
    return std::move(*out);
  }
  http::Response status_api(const std::string& target, const char* lang = nullptr) {
    return run(
        [this](http::Request&& req, http::Respond respond) {
          req.set(bhttp::field::authorization, std::string("Bearer ") + kApiKey);
          ingest_api->handle(std::move(req), std::move(respond));
        },
        target, lang);
  }
  http::Response admin(const std::string& target, const char* lang = nullptr) {
    return run(
        [this](http::Request&& req, http::Respond respond) {
          req.set(bhttp::field::authorization, std::string("Bearer ") + kAdminToken);
          admin_api->handle(std::move(req), std::move(respond));
        },
        target, lang);
  }
};

void check_store_unavailable(const http::Response& res) {
  CHECK(res.result_int() == 503);
  CHECK(res[bhttp::field::retry_after] != "");
  CHECK(res.body().find("OperationOutcome") != std::string::npos);
  CHECK(res.body().find("\"transient\"") != std::string::npos);
}

}  // namespace

TEST_CASE("GET of a record while store reads fail is 503 with Retry-After, not 404",
          "[unit][store-failure]") {
  Fixture f;
  REQUIRE(f.status_api("/api/v1/records/" + f.id).result_int() == 200);
  f.fail_reads = true;
  const auto res = f.status_api("/api/v1/records/" + f.id);
  check_store_unavailable(res);
  CHECK(res.body().find("Penyimpanan gateway") != std::string::npos);  // Bahasa by default
  const auto en = f.status_api("/api/v1/records/" + f.id, "en");
  check_store_unavailable(en);
  CHECK(en.body().find("The gateway's store") != std::string::npos);
  f.fail_reads = false;
  CHECK(f.status_api("/api/v1/records/01ARZ3NDEKTSV4RRFFQ69G5FAV").result_int() == 404);
}

TEST_CASE("listing records while store reads fail is 503, not an empty page",
          "[unit][store-failure]") {
  Fixture f;
  f.fail_reads = true;
  check_store_unavailable(f.status_api("/api/v1/records"));
  check_store_unavailable(f.admin("/admin/queue/records"));
}

TEST_CASE("admin record and stats while store reads fail are 503, not 404 or zeros",
          "[unit][store-failure]") {
  Fixture f;
  REQUIRE(f.admin("/admin/queue/records/" + f.id).result_int() == 200);
  f.fail_reads = true;
  check_store_unavailable(f.admin("/admin/queue/records/" + f.id));
  check_store_unavailable(f.admin("/admin/queue/stats"));
}

TEST_CASE("metrics while store reads fail keep the last queue figures and say they are stale",
          "[unit][store-failure]") {
  Fixture f;
  const auto fresh = f.admin("/metrics");
  REQUIRE(fresh.result_int() == 200);
  CHECK(fresh.body().find("ilp_store_readable 1") != std::string::npos);
  CHECK(fresh.body().find("ilp_queue_depth 1") != std::string::npos);
  f.fail_reads = true;
  const auto stale = f.admin("/metrics");
  CHECK(stale.result_int() == 200);  // monitoring keeps working during the fault
  CHECK(stale.body().find("ilp_store_readable 0") != std::string::npos);
  CHECK(stale.body().find("ilp_queue_depth 1") != std::string::npos);  // not a zero
}

TEST_CASE("list endpoints answer 400 naming the parameter for cursor, limit and status garbage",
          "[unit][list-query]") {
  Fixture f;
  struct Case {
    const char* query;
    const char* parameter;
  };
  for (const auto& c :
       {Case{"cursor=garbage", "cursor"}, Case{"limit=5abc", "limit"}, Case{"limit=-1", "limit"},
        Case{"limit=0", "limit"}, Case{"status=lost", "status"}, Case{"since=soon", "since"}}) {
    INFO(c.query);
    for (auto res : {f.status_api(std::string("/api/v1/records?") + c.query, "en"),
                     f.admin(std::string("/admin/queue/records?") + c.query, "en")}) {
      CHECK(res.result_int() == 400);
      CHECK(res.body().find(std::string("\"expression\":[\"") + c.parameter + "\"]") !=
            std::string::npos);
    }
  }
  // What a page hands out is accepted back.
  CHECK(f.admin("/admin/queue/records?limit=1").result_int() == 200);
}
