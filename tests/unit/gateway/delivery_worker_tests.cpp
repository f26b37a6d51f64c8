// Delivery end to end on its own thread: the real SqliteStore (a temporary file) and a scripted
// platform. Nothing sleeps to let time pass; the test only waits (bounded) for the delivery
// thread to reach a state.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "delivery_fakes.hpp"
#include "gateway/delivery/worker.hpp"
#include "gateway/store/sqlite_store.hpp"

using namespace ilp::gateway;
using namespace ilp::gateway::delivery;
using namespace ilp::gateway::delivery::testing;
using store::Status;

namespace {

const std::string kNik = "3201010101010001";
const std::string kDoctorNik = "3201010101010099";

struct TempDb {
  std::filesystem::path path;
  TempDb() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("ilp-delivery-" + std::to_string(rd()) + "-" + std::to_string(rd()) + ".db");
  }
  ~TempDb() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path.string() + suffix, ec);
    }
  }
};

// The store lists resources in its own order (by name), so tests look them up by name.
std::string server_id(const store::Record& r, const std::string& name) {
  for (const auto& ref : r.resources) {
    if (ref.name == name) return ref.server_id;
  }
  return "<none>";
}

store::SqliteStore::Options options(const std::string& path) {
  store::SqliteStore::Options o;
  o.path = path;
  return o;
}

struct Fixture {
  TempDb db;
  store::SqliteStore store{options(db.path.string())};
  ManualClock clock;
  Metrics metrics;
  std::shared_ptr<MiniPlatform> platform = std::make_shared<MiniPlatform>();
  std::shared_ptr<FakeTransport::State> sent_log;
  std::shared_ptr<config::Config> cfg = test_config();
  std::unique_ptr<Delivery> delivery;

  Fixture() {
    platform->known[std::string(kNikSystem) + "|" + kNik] = {"P100"};
    platform->known[std::string(kNikSystem) + "|" + kDoctorNik] = {"N200"};
  }
  void make_delivery() {
    auto transport =
        std::make_unique<FakeTransport>([p = platform](const SentRequest& r) { return (*p)(r); });
    sent_log = transport->state();
    auto config = cfg;
    delivery =
        std::make_unique<Delivery>([config] { return config; }, store, clock, metrics,
                                   std::move(transport), Delivery::Options{[] { return 0.5; }});
  }

  std::string ingest(const std::string& record_id = "V-1") {
    store::IngestItem item;
    item.facility = "pkm-a";
    item.kind = "visit";
    item.record_id = record_id;
    item.content_hash = "hash-" + record_id;
    item.input_json = "{}";
    item.bundle_json = test_bundle(kNik, kDoctorNik);
    item.patient_key = "pk-" + record_id;
    item.resources = test_resources();
    item.now_ms = clock.now_ms();
    std::promise<std::vector<store::IngestOutcome>> p;
    store.ingest({item}, [&](std::vector<store::IngestOutcome> o) { p.set_value(std::move(o)); });
    auto out = p.get_future().get();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].kind == store::IngestOutcome::Kind::kCreated);
    return out[0].id;
  }
  std::optional<store::Record> get(const std::string& id) {
    std::promise<std::optional<store::Record>> p;
    store.get(id, [&](store::ReadResult<store::Record> r) {
      p.set_value(r.is_found() ? std::optional<store::Record>(std::move(r).value()) : std::nullopt);
    });
    return p.get_future().get();
  }
  // Waits (bounded) for the delivery thread to bring the record to `status`.
  std::optional<store::Record> wait_for(const std::string& id, Status status) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      auto r = get(id);
      if (r && r->status == status) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return get(id);
  }
  ~Fixture() {
    if (delivery) delivery->stop(std::chrono::seconds(2));
  }
};

}  // namespace

TEST_CASE("Delivery delivers a stored record and stores the server ids", "[unit]") {
  Fixture f;
  const auto id = f.ingest();
  f.make_delivery();
  f.delivery->start();
  f.delivery->notify();
  const auto r = f.wait_for(id, Status::kDelivered);
  REQUIRE(r);
  REQUIRE(r->status == Status::kDelivered);
  CHECK(r->attempts == 1);
  CHECK(r->delivered_revision == 1);
  CHECK_FALSE(r->maybe_sent);
  REQUIRE(r->resources.size() == 3);
  CHECK(server_id(*r, "encounter") == "Encounter-1-0");
  CHECK(server_id(*r, "diagnosis.0") == "Condition-1-1");
  CHECK(server_id(*r, "systolic") == "Observation-1-2");
  CHECK(r->history.back().note == "HTTP 200 OK, 3 resources");
  f.delivery->stop(std::chrono::seconds(2));
  CHECK(f.platform->transactions == 1);
  CHECK(count_sent(*f.sent_log, &SentRequest::is_token) == 1);
}

TEST_CASE("notify starts delivery at once instead of at the next poll", "[unit]") {
  Fixture f;
  f.cfg->delivery.poll_ms = 3'600'000;  // an hour: only notify() can explain a quick delivery
  f.make_delivery();
  f.delivery->start();
  const auto id = f.ingest();
  f.delivery->notify();
  CHECK(f.wait_for(id, Status::kDelivered)->status == Status::kDelivered);
}

TEST_CASE("several records are delivered concurrently with one token", "[unit]") {
  Fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(f.ingest("V-" + std::to_string(i)));
  f.make_delivery();
  f.delivery->start();
  f.delivery->notify();
  for (const auto& id : ids)
    CHECK(f.wait_for(id, Status::kDelivered)->status == Status::kDelivered);
  f.delivery->stop(std::chrono::seconds(2));
  CHECK(f.platform->transactions == 12);
  CHECK(count_sent(*f.sent_log, &SentRequest::is_token) == 1);
  // The NIK → IHS cache in the store spares most searches.
  CHECK(count_sent(*f.sent_log, &SentRequest::is_search) < 12 * 2);
}

TEST_CASE("after a crash mid-send the platform is searched first and nothing is POSTed twice",
          "[unit]") {
  Fixture f;
  const auto id = f.ingest();
  // A previous process claimed it (status `sending`) and died: recover() at start marks it
  // maybe-sent. The previous attempt had in fact reached the platform.
  std::promise<std::vector<store::Record>> claimed;
  f.store.claim(f.clock.now_ms(), 10,
                [&](std::vector<store::Record> r) { claimed.set_value(std::move(r)); });
  REQUIRE(claimed.get_future().get().size() == 1);
  f.platform->known["http://sys-ids.kemkes.go.id/encounter/100000001|V-1"] = {"enc-9"};
  f.platform->known["http://sys-ids.kemkes.go.id/condition/100000001|V-1-d0"] = {"cond-9"};
  f.platform->known["http://sys-ids.kemkes.go.id/observation/100000001|V-1-sys"] = {"obs-9"};

  f.make_delivery();
  f.delivery->start();
  const auto r = f.wait_for(id, Status::kDelivered);
  REQUIRE(r->status == Status::kDelivered);
  f.delivery->stop(std::chrono::seconds(2));
  CHECK(f.platform->transactions == 0);
  CHECK(server_id(*r, "encounter") == "enc-9");
  CHECK(server_id(*r, "systolic") == "obs-9");
  CHECK_FALSE(r->maybe_sent);
}

TEST_CASE("a retrying record is not claimed before its next attempt time", "[unit]") {
  Fixture f;
  f.platform->transaction_faults.push_back(respond(503, "Service Unavailable", "text/plain"));
  const auto id = f.ingest();
  f.make_delivery();
  f.delivery->start();
  f.delivery->notify();
  const auto r = f.wait_for(id, Status::kRetrying);
  REQUIRE(r->status == Status::kRetrying);
  REQUIRE(r->next_attempt_at_ms);
  CHECK(*r->next_attempt_at_ms == f.clock.now_ms() + 500);  // cap 1 s × jitter 0.5
  f.delivery->notify();                                     // due later: nothing happens
  CHECK(f.get(id)->status == Status::kRetrying);
  f.clock.advance_ms(500);
  f.delivery->notify();
  CHECK(f.wait_for(id, Status::kDelivered)->status == Status::kDelivered);
  CHECK(f.get(id)->attempts == 2);
}

TEST_CASE("stop returns promptly when nothing is in flight", "[unit]") {
  Fixture f;
  f.cfg->delivery.poll_ms = 3'600'000;
  f.make_delivery();
  f.delivery->start();
  const auto t0 = std::chrono::steady_clock::now();
  f.delivery->stop(std::chrono::seconds(30));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(f.delivery->in_flight() == 0);
}

TEST_CASE(
    "an exception inside an attempt puts the record back to retrying, maybe sent, and "
    "delivery goes on",
    "[unit]") {
  Fixture f;
  const auto id = f.ingest();
  const auto second = f.ingest("V-2");
  auto thrown = std::make_shared<std::atomic<int>>(0);
  auto transport = std::make_unique<FakeTransport>(
      [p = f.platform, thrown](const SentRequest& r) -> http::ClientResult {
        if (r.is_transaction() && thrown->fetch_add(1) == 0) {
          throw std::length_error("field value too large");  // what Beast throws
        }
        return (*p)(r);
      });
  auto config = f.cfg;
  f.delivery =
      std::make_unique<Delivery>([config] { return config; }, f.store, f.clock, f.metrics,
                                 std::move(transport), Delivery::Options{[] { return 0.5; }});
  f.delivery->start();
  f.delivery->notify();
  // One of the two met the exception; the other is delivered all the same.
  const auto a = f.wait_for(id, Status::kRetrying);
  const auto b = f.wait_for(second, Status::kDelivered);
  const bool first_failed = a && a->status == Status::kRetrying;
  const auto failed = first_failed ? *a : *f.get(second);
  REQUIRE(failed.status == Status::kRetrying);
  CHECK(failed.maybe_sent);  // the next attempt asks the platform before sending
  CHECK(failed.last_error.find("gateway") != std::string::npos);
  CHECK(f.delivery->alive());
  CHECK(f.metrics.counter("ilp_delivery_internal_errors_total", "").value() == 1);
  // Its turn comes again and it is delivered once.
  f.clock.advance_ms(3'600'000);
  f.delivery->notify();
  CHECK(f.wait_for(failed.id, Status::kDelivered)->status == Status::kDelivered);
  CHECK(f.wait_for(first_failed ? second : id, Status::kDelivered)->status == Status::kDelivered);
  (void)b;
}

TEST_CASE("the retention job purges NIK to IHS cache entries as old as delivered payloads",
          "[unit]") {
  Fixture f;
  f.cfg->delivery.delivered_payload_days = 30;
  const auto id = f.ingest();
  f.make_delivery();
  f.delivery->start();
  f.delivery->notify();
  REQUIRE(f.wait_for(id, Status::kDelivered));
  const auto key = Resolver::cache_key(*f.cfg, kNikSystem, testing::kNik);
  const auto cached = [&] {
    std::promise<std::optional<std::string>> p;
    f.store.cache_get("Patient", key, [&](std::optional<std::string> v) { p.set_value(v); });
    return p.get_future().get();
  };
  REQUIRE(cached() == std::optional<std::string>("P100"));

  f.clock.advance_ms(31LL * 86'400'000);  // simulated: a month after the search
  f.delivery->notify();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (cached().has_value() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK_FALSE(cached().has_value());
}
