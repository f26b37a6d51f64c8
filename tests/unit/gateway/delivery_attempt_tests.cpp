#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "delivery_fakes.hpp"
#include "gateway/delivery/attempt.hpp"
#include "gateway/util/log.hpp"
#include "mappers/json.hpp"
#include "mappers/outcome.hpp"

using namespace ilp::gateway;
using namespace ilp::gateway::delivery;
using namespace ilp::gateway::delivery::testing;
using store::Status;

namespace {

struct Fixture : PlatformStack {
  MemoryStore store;
  AsyncStore async_store{store, ioc.get_executor()};
  Resolver resolver{async_store, fhir};
  AttemptDeps deps{async_store, fhir, resolver, clock, metrics, [] { return 0.5; }};

  Fixture() { know_people(); }
  store::Record record() {
    store::Record r;
    r.id = "rec-1";
    r.facility = "pkm-a";
    r.kind = "visit";
    r.record_id = "V-1";
    r.status = Status::kSending;
    r.bundle_json = test_bundle(kNik, kDoctorNik);
    r.input_json = "{}";
    r.resources = test_resources();
    r.created_ms = clock.now_ms();
    return r;
  }
  store::Completion attempt(const store::Record& r) {
    store.add(r);
    return run(ioc, Attempt(deps, cfg, r).run());
  }
  int posts() { return count_sent(*transport.state(), &SentRequest::is_transaction); }
  int token_requests() { return count_sent(*transport.state(), &SentRequest::is_token); }
  void all_resources_exist() {
    platform->known["http://sys-ids.kemkes.go.id/encounter/100000001|V-1"] = {"enc-9"};
    platform->known["http://sys-ids.kemkes.go.id/condition/100000001|V-1-d0"] = {"cond-9"};
    platform->known["http://sys-ids.kemkes.go.id/observation/100000001|V-1-sys"] = {"obs-9"};
  }
};

std::string text_of(const std::string& stored) {
  std::string all;
  for (const auto& i : ilp::mappers::outcome_from_storage(stored).issues) {
    all += i.text.id + "\n" + i.text.en + "\n" + i.diagnostics + "\n";
  }
  return all;
}

}  // namespace

TEST_CASE("a visit is delivered and server ids are stored by resource name", "[unit]") {
  Fixture f;
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kDelivered);
  REQUIRE(c.server_ids.size() == 3);
  CHECK(c.server_ids[0].name == "encounter");
  CHECK(c.server_ids[0].server_id == "Encounter-1-0");
  CHECK(c.server_ids[2].name == "systolic");
  CHECK(c.server_ids[2].server_id == "Observation-1-2");
  CHECK(c.note == "HTTP 200 OK, 3 resources");
  const auto stored = f.store.record("rec-1");
  CHECK(stored->status == Status::kDelivered);
  CHECK(stored->resources[1].server_id == "Condition-1-1");
  CHECK(f.platform->last_transaction.find("\"Patient/P100\"") != std::string::npos);
  CHECK(f.platform->last_transaction.find(kNik) == std::string::npos);
  CHECK(f.metrics.render().find(
            "ilp_delivery_attempts_total{facility=\"pkm-a\",outcome=\"delivered\"} 1") !=
        std::string::npos);
}

TEST_CASE("what a delivered attempt learnt is stored with its result in one store write",
          "[unit]") {
  Fixture f;
  const auto c = f.attempt(f.record());
  REQUIRE(c.status == Status::kDelivered);
  CHECK(f.store.completions().size() == 1);
  const auto has = [&c](const std::string& kind, const std::string& key, const std::string& v) {
    return std::any_of(c.cache_puts.begin(), c.cache_puts.end(), [&](const auto& e) {
      return e.kind == kind && e.key == key && e.value == v;
    });
  };
  // The patient's IHS id the resolver searched for, and the visit's own Encounter id.
  CHECK(has("Patient", Resolver::cache_key(*test_config(), kNikSystem, kNik), "P100"));
  const auto enc =
      Resolver::cache_key(*test_config(), "http://sys-ids.kemkes.go.id/encounter/100000001", "V-1");
  CHECK(has("Encounter", enc, "Encounter-1-0"));
  CHECK(std::find(c.wake_keys.begin(), c.wake_keys.end(), "Encounter/" + enc) != c.wake_keys.end());
}

TEST_CASE("a delivered record's server ids are remembered by identifier for later references",
          "[unit]") {
  Fixture f;
  REQUIRE(f.attempt(f.record()).status == Status::kDelivered);
  const auto key =
      Resolver::cache_key(*test_config(), "http://sys-ids.kemkes.go.id/encounter/100000001", "V-1");
  REQUIRE(f.store.cache.count("Encounter/" + key) == 1);
  CHECK(f.store.cache.at("Encounter/" + key) == "Encounter-1-0");
  // ... and the records waiting on it are woken by that key.
  CHECK(std::find(f.store.woken.begin(), f.store.woken.end(), "Encounter/" + key) !=
        f.store.woken.end());

  // A lab result for that visit now resolves without asking the platform.
  const int searches_before = count_sent(*f.transport.state(), &SentRequest::is_search);
  rapidjson::Document lab;
  REQUIRE_FALSE(ilp::mappers::parse_json_strict(
      R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:o1",)"
      R"("resource":{"resourceType":"Observation","encounter":{"reference":)"
      R"("Encounter?identifier=http://sys-ids.kemkes.go.id/encounter/100000001|V-1"}},)"
      R"("request":{"method":"POST","url":"Observation"}}]})",
      lab));
  const CallContext ctx{*f.cfg, f.cfg->facilities[0]};
  const auto res = run(f.ioc, f.resolver.resolve(ctx, lab, ""));
  CHECK(res.kind == Resolution::Kind::kResolved);
  CHECK(res.from_cache == 1);
  CHECK(count_sent(*f.transport.state(), &SentRequest::is_search) == searches_before);
  CHECK(ilp::mappers::to_json(lab).find("\"Encounter/Encounter-1-0\"") != std::string::npos);
}

TEST_CASE("absolute transaction-response locations are read too", "[unit]") {
  Fixture f;
  f.platform->location_absolute = true;
  const auto c = f.attempt(f.record());
  CHECK(c.server_ids[0].server_id == "Encounter-1-0");
}

TEST_CASE("patient not registered: waiting, checked again within 15 minutes", "[unit]") {
  Fixture f;
  auto r = f.record();
  r.bundle_json = test_bundle("3201010101019999", kDoctorNik);
  r.created_ms = f.clock.now_ms() - 3 * 3'600'000;  // waited 3 h already
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kWaiting);
  CHECK_FALSE(c.count_attempt);
  REQUIRE(c.next_attempt_at_ms);
  CHECK(*c.next_attempt_at_ms > f.clock.now_ms());
  CHECK(*c.next_attempt_at_ms <= f.clock.now_ms() + 15 * 60'000);
  CHECK(text_of(c.last_error).find("Pasien dengan NIK ini belum terdaftar di SATUSEHAT") !=
        std::string::npos);
  CHECK(text_of(c.last_error).find("No patient with this NIK") != std::string::npos);
  CHECK(f.posts() == 0);
}

TEST_CASE("patient still not registered after the grace period: needs_correction", "[unit]") {
  Fixture f;
  auto r = f.record();
  r.bundle_json = test_bundle("3201010101019999", kDoctorNik);
  r.created_ms = f.clock.now_ms() - 24 * 3'600'000;
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kNeedsCorrection);
  CHECK(text_of(c.last_error).find("belum terdaftar di SATUSEHAT") != std::string::npos);
  CHECK(f.posts() == 0);
}

TEST_CASE("waiting rechecks end exactly when the grace period does", "[unit]") {
  Fixture f;
  auto r = f.record();
  r.bundle_json = test_bundle("3201010101019999", kDoctorNik);
  r.created_ms = f.clock.now_ms() - 24 * 3'600'000 + 60'000;  // one minute of grace left
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kWaiting);
  CHECK(c.next_attempt_at_ms == r.created_ms + 24 * 3'600'000);
}

TEST_CASE("with no grace period an unknown patient needs correction at once", "[unit]") {
  Fixture f;
  f.cfg->delivery.wait_grace_hours = 0;
  auto r = f.record();
  r.bundle_json = test_bundle("3201010101019999", kDoctorNik);
  CHECK(f.attempt(r).status == Status::kNeedsCorrection);
}

TEST_CASE("a practitioner not registered waits with a message about the practitioner", "[unit]") {
  Fixture f;
  auto r = f.record();
  r.bundle_json = test_bundle(kNik, "3201010101018888");
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kWaiting);
  CHECK(text_of(c.last_error).find("Tenaga kesehatan dengan NIK ini") != std::string::npos);
}

TEST_CASE("a revision of a delivered record is sent as PUT with the stored ids", "[unit]") {
  Fixture f;
  auto r = f.record();
  r.revision = 2;
  r.delivered_revision = 1;
  r.resources[0].server_id = "enc-1";
  r.resources[1].server_id = "cond-1";
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kDelivered);
  const auto& body = f.platform->last_transaction;
  CHECK(body.find(R"("request":{"method":"PUT","url":"Encounter/enc-1"})") != std::string::npos);
  CHECK(body.find(R"("request":{"method":"PUT","url":"Condition/cond-1"})") != std::string::npos);
  CHECK(body.find(R"("request":{"method":"POST","url":"Observation"})") != std::string::npos);
  CHECK(body.find(R"("id":"enc-1")") != std::string::npos);
  REQUIRE(c.server_ids.size() == 3);
  CHECK(c.server_ids[0].server_id == "enc-1");
  CHECK(c.server_ids[2].server_id == "Observation-1-2");
}

TEST_CASE("maybe sent: the platform is searched first and the found ids adopted, no POST",
          "[unit]") {
  Fixture f;
  f.all_resources_exist();
  auto r = f.record();
  r.maybe_sent = true;
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kDelivered);
  CHECK_FALSE(c.maybe_sent);
  CHECK(f.posts() == 0);
  CHECK(count_sent(*f.transport.state(), &SentRequest::is_search) == 3);
  REQUIRE(c.server_ids.size() == 3);
  CHECK(c.server_ids[0].server_id == "enc-9");
  CHECK(c.server_ids[2].server_id == "obs-9");
}

TEST_CASE("an earlier revision maybe sent: what is found is updated with the current content",
          "[unit]") {
  Fixture f;
  f.all_resources_exist();  // revision 1's copies, from an attempt whose answer was lost
  auto r = f.record();
  r.revision = 2;
  r.maybe_sent = true;
  r.older_revision_maybe_sent = true;
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kDelivered);
  CHECK(f.posts() == 1);  // not "found, nothing re-sent": revision 2 never went out
  CHECK(f.platform->last_transaction.find(R"("method":"PUT","url":"Encounter/enc-9")") !=
        std::string::npos);
}

TEST_CASE("maybe sent but nothing is on the platform: sent once", "[unit]") {
  Fixture f;
  auto r = f.record();
  r.maybe_sent = true;
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kDelivered);
  CHECK(f.posts() == 1);
}

TEST_CASE("maybe sent and the search fails: still maybe sent, nothing POSTed", "[unit]") {
  Fixture f;
  f.transport.state()->script = [p = f.platform](const SentRequest& r) {
    if (r.is_token()) return (*p)(r);
    return respond(503, "Service Unavailable", "text/plain");
  };
  auto r = f.record();
  r.maybe_sent = true;
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kRetrying);
  CHECK(c.maybe_sent);
  CHECK(f.posts() == 0);
}

TEST_CASE("a duplicate answer is resolved by search and the existing ids adopted", "[unit]") {
  Fixture f;
  f.all_resources_exist();
  f.platform->transaction_faults.push_back(
      respond(400, outcome_body("invalid", "Found duplicate resource")));
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kDelivered);
  CHECK(f.posts() == 1);
  CHECK(c.server_ids[1].server_id == "cond-9");
  CHECK(c.note.find("adopted") != std::string::npos);
}

TEST_CASE("a duplicate answer with nothing found by identifier needs correction", "[unit]") {
  Fixture f;
  f.platform->transaction_faults.push_back(
      respond(400, outcome_body("invalid", "Found duplicate resource")));
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kNeedsCorrection);
  CHECK(text_of(c.last_error).find("duplikat") != std::string::npos);
  CHECK(text_of(c.last_error).find("Found duplicate resource") != std::string::npos);
}

TEST_CASE("a validation 400 needs correction with the platform's rules kept", "[unit]") {
  Fixture f;
  f.platform->transaction_faults.push_back(
      respond(400, outcome_body("invalid", "RuleNumber: 10024 Code not found in KFA")));
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kNeedsCorrection);
  CHECK(c.note == "HTTP 400 Bad Request, rules 10024");
  const auto text = text_of(c.last_error);
  CHECK(text.find("SATUSEHAT menolak data ini (HTTP 400) (aturan 10024)") != std::string::npos);
  CHECK(text.find("RuleNumber: 10024 Code not found in KFA") != std::string::npos);
  CHECK(f.store.record("rec-1")->status == Status::kNeedsCorrection);
}

TEST_CASE("403 business rule needs correction and names the credentials", "[unit]") {
  Fixture f;
  f.platform->transaction_faults.push_back(
      respond(403, outcome_body("forbidden", "resource cannot be accessed due to business rule")));
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kNeedsCorrection);
  CHECK(text_of(c.last_error).find("organization_id") != std::string::npos);
}

TEST_CASE("503 is retried with jittered backoff", "[unit]") {
  Fixture f;
  f.platform->transaction_faults.push_back(respond(503, "Service Unavailable", "text/plain"));
  auto r = f.record();
  r.attempts = 2;  // third attempt: cap 4 s, jitter 0.5 → 2 s
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kRetrying);
  CHECK(c.count_attempt);
  CHECK_FALSE(c.maybe_sent);
  CHECK(c.next_attempt_at_ms == f.clock.now_ms() + 2'000);
  CHECK(c.note == "HTTP 503 Service Unavailable; attempt 3, next in 2 s");
}

TEST_CASE("429 with Retry-After delays the next attempt", "[unit]") {
  Fixture f;
  f.platform->transaction_faults.push_back(
      respond(429, "Too Many Requests", "text/plain", {{"Retry-After", "120"}}));
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kRetrying);
  CHECK(*c.next_attempt_at_ms >= f.clock.now_ms() + 120'000);
  CHECK(*c.next_attempt_at_ms <= f.clock.now_ms() + 132'000);
}

TEST_CASE("a timeout after sending is retried and marked maybe sent", "[unit]") {
  Fixture f;
  f.platform->transaction_faults.push_back(network_error(true));
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kRetrying);
  CHECK(c.maybe_sent);
  CHECK(text_of(c.last_error).find("nothing is created twice") != std::string::npos);
}

TEST_CASE("connection refused is retried and not marked maybe sent", "[unit]") {
  Fixture f;
  f.platform->transaction_faults.push_back(network_error(false));
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kRetrying);
  CHECK_FALSE(c.maybe_sent);
}

TEST_CASE("refused credentials: retried after the login back-off without counting an attempt",
          "[unit]") {
  Fixture f;
  f.platform->client_secret = "other";
  const auto c = f.attempt(f.record());
  CHECK(c.status == Status::kRetrying);
  CHECK_FALSE(c.count_attempt);
  CHECK(*c.next_attempt_at_ms >= f.clock.now_ms() + 60'000);
  CHECK(text_of(c.last_error).find("client_id/client_secret") != std::string::npos);
  CHECK(c.note.find("credentials refused") != std::string::npos);
  // Another record within the minute: no login attempt reaches the platform.
  f.clock.advance_ms(30'000);
  auto r2 = f.record();
  r2.id = "rec-2";
  CHECK(f.attempt(r2).status == Status::kRetrying);
  CHECK(f.token_requests() == 1);
}

TEST_CASE("401 invalid-access-token while posting: one refresh, one retry, delivered", "[unit]") {
  Fixture f;
  f.attempt(f.record());  // tok-1 is cached
  f.platform->revoked_token = "tok-1";
  auto r = f.record();
  r.id = "rec-2";
  r.maybe_sent = false;
  const auto before = f.posts();
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kDelivered);
  CHECK(f.token_requests() == 2);
  CHECK(f.posts() - before == 2);
}

TEST_CASE("after max_attempts the record is dead, with the reason", "[unit]") {
  Fixture f;
  f.cfg->retry.max_attempts = 50;
  f.platform->transaction_faults.push_back(respond(500, "Internal Server Error", "text/plain"));
  auto r = f.record();
  r.attempts = 49;
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kDead);
  CHECK(c.note == "gave up after 50 attempts (HTTP 500 Internal Server Error)");
  CHECK(text_of(c.last_error).find("ilp-gateway queue retry") != std::string::npos);
}

TEST_CASE("a record of a facility no longer configured needs correction", "[unit]") {
  Fixture f;
  auto r = f.record();
  r.facility = "pkm-gone";
  const auto c = f.attempt(r);
  CHECK(c.status == Status::kNeedsCorrection);
  CHECK(text_of(c.last_error).find("pkm-gone") != std::string::npos);
  CHECK(f.transport.state()->sent.empty());
}

TEST_CASE("an unreadable stored bundle needs correction", "[unit]") {
  Fixture f;
  auto r = f.record();
  r.bundle_json = "{\"resourceType\":\"Bundle\"";
  CHECK(f.attempt(r).status == Status::kNeedsCorrection);
}

TEST_CASE("delivery logs and history notes carry no NIK", "[unit]") {
  Fixture f;
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto log = logger("delivery");
  log->sinks().push_back(sink);
  std::vector<store::Completion> all;
  all.push_back(f.attempt(f.record()));
  auto unknown = f.record();
  unknown.id = "rec-2";
  unknown.bundle_json = test_bundle("3201010101019999", kDoctorNik);
  all.push_back(f.attempt(unknown));
  log->sinks().pop_back();
  CHECK(out.str().find("rec-1 delivered") != std::string::npos);  // tracking id on the line
  CHECK(out.str().find("rec-2 waiting") != std::string::npos);
  for (const auto& nik : {kNik, kDoctorNik, std::string("3201010101019999")}) {
    CHECK(out.str().find(nik) == std::string::npos);
    for (const auto& c : all) CHECK(c.note.find(nik) == std::string::npos);
  }
}
