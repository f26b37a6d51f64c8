// The PostgreSQL store (issue 18) against a real PostgreSQL 15: the Store contract as the SQLite
// store keeps it, and what several instances on one database add — claims that never overlap,
// per-patient order across instances, leases that a dead instance loses, and a stale owner whose
// late completion changes nothing.
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>

#include "gateway/store/pg/pg_store.hpp"
#include "pg_test_cluster.hpp"
#include "store_test_support.hpp"

using namespace ilp::gateway::store;
using namespace ilp::gateway::store::testing;
using ilp::gateway::store::pg::PgStore;

namespace {

ilp::testing::PgTestCluster& cluster() {
  static ilp::testing::PgTestCluster c;
  return c;
}

constexpr std::int64_t kLease = 30'000;

// Instances on one database, on one simulated clock.
struct Hub {
  explicit Hub(const std::string& name) : conninfo(cluster().create_database(name)) {}

  std::unique_ptr<PgStore> instance(const std::string& id) {
    PgStore::Options o;
    o.conninfo = conninfo;
    o.instance_id = id;
    o.lease_ms = kLease;
    o.heartbeat_ms = 0;  // beats only when a test asks (PgStore::heartbeat)
    o.now_ms = [this] { return now.load(); };
    return std::make_unique<PgStore>(o);
  }

  std::string conninfo;
  std::atomic<std::int64_t> now{kT0};
};

int beat(PgStore& s) {
  return wait_result<int>([&](auto done) { s.heartbeat(std::move(done)); });
}

}  // namespace

TEST_CASE("pg: a record goes from ingest through claim to delivered, with its history",
          "[store][pg]") {
  Hub hub("lifecycle");
  auto store = hub.instance("a");
  Sync s(*store);
  const auto in = s.ingest(make_item("V-1"));
  REQUIRE(in.kind == IngestOutcome::Kind::kCreated);
  CHECK(s.ingest(make_item("V-1")).kind == IngestOutcome::Kind::kUnchanged);
  const auto claimed = s.claim(kT0 + 1);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].status == Status::kSending);
  CHECK(claimed[0].bundle_json == make_item("V-1").bundle_json);
  REQUIRE(s.complete(delivered(claimed[0], kT0 + 2, {{"encounter", "Encounter", "", "E-9"}})));
  const auto r = s.get(in.id);
  REQUIRE(r);
  CHECK(r->status == Status::kDelivered);
  CHECK(r->delivered_revision == 1);
  CHECK(resource(*r, "encounter")->server_id == "E-9");
  REQUIRE(r->history.size() == 3);
  CHECK(r->history[2].status == Status::kDelivered);
  CHECK(s.find("pkm-sukamaju", "visit", "V-1")->id == in.id);
  CHECK_FALSE(s.get("T-nothing-here").has_value());
}

TEST_CASE("pg: a revision keeps the server ids and is sent as an update", "[store][pg]") {
  Hub hub("revision");
  auto store = hub.instance("a");
  Sync s(*store);
  const auto in = s.ingest(make_item("V-1"));
  auto c = s.claim(kT0 + 1);
  REQUIRE(s.complete(delivered(c[0], kT0 + 2, {{"encounter", "Encounter", "", "E-1"}})));
  auto v2 = make_item("V-1", "v2");
  v2.now_ms = kT0 + 3;
  const auto rev = s.ingest(v2);
  CHECK(rev.kind == IngestOutcome::Kind::kRevised);
  CHECK(rev.revision == 2);
  const auto r = s.get(in.id);
  CHECK(r->status == Status::kQueued);
  CHECK(resource(*r, "encounter")->server_id == "E-1");
  CHECK(r->history.back().note == "revision 2 will be sent as an update");
}

TEST_CASE("pg: two instances never claim the same record", "[store][pg]") {
  Hub hub("no_overlap");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  Sync sa(*a), sb(*b);
  for (int i = 0; i < 40; ++i) {
    sa.ingest(make_item("V-" + std::to_string(i), "v1", "patient-" + std::to_string(i)));
  }
  const auto first = sa.claim(kT0 + 1, 25);
  const auto second = sb.claim(kT0 + 1, 25);
  CHECK(first.size() == 25);
  CHECK(second.size() == 15);
  auto ids = ids_of(first);
  for (const auto& id : ids_of(second)) {
    CHECK(std::find(ids.begin(), ids.end(), id) == ids.end());
  }
}

TEST_CASE("pg: a patient's later record waits while another instance sends the earlier one",
          "[store][pg]") {
  Hub hub("patient_order");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  Sync sa(*a), sb(*b);
  sa.ingest(make_item("V-1", "v1", "patient-1"));
  sb.ingest(make_item("V-2", "v1", "patient-1"));
  const auto first = sa.claim(kT0 + 1, 1);
  REQUIRE(first.size() == 1);
  CHECK(first[0].record_id == "V-1");
  CHECK(sb.claim(kT0 + 1).empty());  // V-1 is on its way at instance a
  REQUIRE(sa.complete(delivered(first[0], kT0 + 2)));
  const auto next = sb.claim(kT0 + 3);
  REQUIRE(next.size() == 1);
  CHECK(next[0].record_id == "V-2");
}

TEST_CASE("pg: a dead instance's lease runs out and the record is retried with a search first",
          "[store][pg]") {
  Hub hub("lease_expiry");
  auto b = hub.instance("b");
  Sync sb(*b);
  std::string id;
  {
    auto a = hub.instance("a");
    Sync sa(*a);
    id = sa.ingest(make_item("V-1")).id;
    REQUIRE(sa.claim(kT0 + 1).size() == 1);
  }  // instance a is gone without completing
  hub.now = kT0 + kLease / 2;
  CHECK(beat(*b) == 0);  // the lease still holds
  CHECK(sb.claim(hub.now).empty());
  hub.now = kT0 + 2 + kLease;
  CHECK(beat(*b) == 1);
  const auto r = sb.get(id);
  CHECK(r->status == Status::kRetrying);
  CHECK(r->maybe_sent);
  const auto again = sb.claim(hub.now);
  REQUIRE(again.size() == 1);
  CHECK(again[0].maybe_sent);  // delivery searches the platform before sending
}

TEST_CASE("pg: the heartbeat keeps a live instance's lease", "[store][pg]") {
  Hub hub("heartbeat");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  Sync sa(*a), sb(*b);
  sa.ingest(make_item("V-1"));
  const auto c = sa.claim(kT0 + 1);
  REQUIRE(c.size() == 1);
  hub.now = kT0 + kLease * 2 / 3;
  beat(*a);  // renews
  hub.now = kT0 + kLease * 4 / 3;
  CHECK(beat(*b) == 0);
  CHECK(sa.complete(delivered(c[0], hub.now)));
}

TEST_CASE("pg: a stale owner's late completion changes nothing", "[store][pg]") {
  Hub hub("fencing");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  Sync sa(*a), sb(*b);
  const auto id = sa.ingest(make_item("V-1")).id;
  const auto stale = sa.claim(kT0 + 1);
  REQUIRE(stale.size() == 1);
  // Instance a stalls past its lease; b reaps and sends the record itself.
  hub.now = kT0 + 2 + kLease;
  REQUIRE(beat(*b) == 1);
  const auto fresh = sb.claim(hub.now);
  REQUIRE(fresh.size() == 1);
  // a wakes up and reports its old attempt: refused, the record is b's.
  auto late = failed_with(stale[0], Status::kNeedsCorrection, hub.now + 1);
  CHECK_FALSE(sa.complete(late));
  auto r = sb.get(id);
  CHECK(r->status == Status::kSending);
  CHECK(r->last_error.empty());
  REQUIRE(sb.complete(delivered(fresh[0], hub.now + 2)));
  CHECK(sb.get(id)->status == Status::kDelivered);
  CHECK_FALSE(sa.complete(delivered(stale[0], hub.now + 3)));  // still nothing
}

TEST_CASE("pg: a completion for a record this instance never claimed is refused", "[store][pg]") {
  Hub hub("unclaimed");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  Sync sa(*a), sb(*b);
  sa.ingest(make_item("V-1"));
  const auto c = sa.claim(kT0 + 1);
  REQUIRE(c.size() == 1);
  CHECK_FALSE(sb.complete(delivered(c[0], kT0 + 2)));
  CHECK(sa.complete(delivered(c[0], kT0 + 2)));
}

TEST_CASE("pg: a killed connection fails its batch whole, and the next batch reconnects",
          "[store][pg]") {
  Hub hub("reconnect");
  auto a = hub.instance("a");
  Sync s(*a);
  s.ingest(make_item("V-0"));
  REQUIRE(cluster().psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                         "datname = 'reconnect' AND pid <> pg_backend_pid()") == 0);
  const auto first = s.ingest(make_item("V-1"));
  const auto second = s.ingest(make_item("V-2"));
  CHECK(second.kind == IngestOutcome::Kind::kCreated);
  // Either the kill was noticed at once (then V-1 failed and is not there) or V-1 went in.
  const auto v1 = s.find("pkm-sukamaju", "visit", "V-1");
  CHECK((first.kind == IngestOutcome::Kind::kFailed) == !v1.has_value());
}

TEST_CASE("pg: lists page newest first, stats count by status, retry re-queues", "[store][pg]") {
  Hub hub("queries");
  auto a = hub.instance("a");
  Sync s(*a);
  for (int i = 0; i < 5; ++i) {
    s.ingest(make_item("V-" + std::to_string(i), "v1", "p-" + std::to_string(i), kT0 + i));
  }
  ListQuery q;
  q.limit = 2;
  auto page = s.list(q);
  REQUIRE(page.records.size() == 2);
  CHECK(page.records[0].record_id == "V-4");
  q.cursor = page.next_cursor;
  page = s.list(q);
  CHECK(page.records[0].record_id == "V-2");
  const auto c = s.claim(kT0 + 10, 1);
  REQUIRE(s.complete(failed_with(c[0], Status::kNeedsCorrection, kT0 + 11)));
  const auto st = s.stats();
  CHECK(st.pending == 4);
  CHECK(st.oldest_pending_ms == kT0 + 1);
  CHECK(s.retry({}, Status::kNeedsCorrection, kT0 + 12) == 1);
  CHECK(s.get(c[0].id)->status == Status::kQueued);
  CHECK(s.cache_put("Patient", "k", "P-1", kT0));
  CHECK(s.cache_get("Patient", "k") == "P-1");
  CHECK(s.check_writable());
}

TEST_CASE("pg: the instances of a hub count each other by heartbeat, a stopped one drops out",
          "[store][pg]") {
  Hub hub("instances");
  auto a = hub.instance("a");
  CHECK(a->instances() == 1);
  {
    auto b = hub.instance("b");
    beat(*a);
    beat(*b);
    CHECK(b->instances() == 2);
    hub.now = kT0 + 1'000;
    beat(*a);
    CHECK(a->instances() == 2);  // each sends at half the facility's rate
  }                              // b stops
  hub.now = kT0 + 1'000 + kLease;
  beat(*a);
  CHECK(a->instances() == 1);
}

// The hub's shared logins (shared_login.hpp): what each instance is told before it would log in.
namespace {

SharedLogin ask_login(PgStore& s, std::int64_t now, const std::string& credentials = "cred-1",
                      const std::string& refused = "") {
  LoginAsk ask;
  ask.facility = "pkm-a";
  ask.client = "client-1";
  ask.credentials = credentials;
  ask.refused = refused;
  ask.now_ms = now;
  ask.lease_ms = 35'000;
  const auto got = wait_result<std::optional<SharedLogin>>(
      [&](auto done) { s.login_begin(ask, std::move(done)); });
  REQUIRE(got);
  return *got;
}

void tell_login(PgStore& s, LoginDone d) {
  d.facility = "pkm-a";
  if (d.credentials.empty()) d.credentials = "cred-1";
  CHECK(wait_result<bool>([&](auto done) { s.login_done(d, std::move(done)); }));
}

LoginDone token_done(const std::string& sealed, std::int64_t expires) {
  LoginDone d;
  d.sealed_token = sealed;
  d.token_hash = "hash-of-" + sealed;
  d.expires_at_ms = expires;
  return d;
}

}  // namespace

TEST_CASE("pg: one instance logs in for the hub and the others take its token", "[store][pg]") {
  Hub hub("logins");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  CHECK(ask_login(*a, kT0).state == SharedLogin::State::kLogIn);
  // While a logs in, b waits until a's lease at most.
  const auto waiting = ask_login(*b, kT0 + 10);
  CHECK(waiting.state == SharedLogin::State::kWait);
  CHECK(waiting.until_ms == kT0 + 35'000);
  tell_login(*a, token_done("sealed-1", kT0 + 3'000'000));
  const auto shared = ask_login(*b, kT0 + 20);
  CHECK(shared.state == SharedLogin::State::kToken);
  CHECK(shared.sealed_token == "sealed-1");
  CHECK(shared.until_ms == kT0 + 3'000'000);
  // Expired, it is not handed out: the next to ask logs in.
  CHECK(ask_login(*b, kT0 + 3'000'000).state == SharedLogin::State::kLogIn);
}

TEST_CASE("pg: a token the platform refused is not handed out again", "[store][pg]") {
  Hub hub("logins_refused");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  REQUIRE(ask_login(*a, kT0).state == SharedLogin::State::kLogIn);
  tell_login(*a, token_done("sealed-1", kT0 + 3'000'000));
  CHECK(ask_login(*b, kT0 + 1, "cred-1", "hash-of-sealed-1").state == SharedLogin::State::kLogIn);
  // a, still holding the old token, now waits for b's login rather than logging in as well.
  CHECK(ask_login(*a, kT0 + 2, "cred-1", "hash-of-sealed-1").state == SharedLogin::State::kWait);
}

TEST_CASE("pg: a login block holds every instance until its end", "[store][pg]") {
  Hub hub("logins_block");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  REQUIRE(ask_login(*a, kT0).state == SharedLogin::State::kLogIn);
  LoginDone refused;
  refused.block_kind = 0;
  refused.block_status = 401;
  refused.block_reason = "HTTP 401";
  refused.blocked_until_ms = kT0 + 60'000;
  tell_login(*a, refused);
  const auto blocked = ask_login(*b, kT0 + 1);
  CHECK(blocked.state == SharedLogin::State::kBlocked);
  CHECK(blocked.until_ms == kT0 + 60'000);
  CHECK(blocked.block_status == 401);
  CHECK(blocked.block_reason == "HTTP 401");
  // A new secret for the same client keeps SATUSEHAT's per-client block.
  CHECK(ask_login(*b, kT0 + 2, "cred-2").state == SharedLogin::State::kBlocked);
  CHECK(ask_login(*b, kT0 + 60'000, "cred-2").state == SharedLogin::State::kLogIn);
}

TEST_CASE("pg: an instance that dies while logging in is replaced after its lease", "[store][pg]") {
  Hub hub("logins_lease");
  auto a = hub.instance("a");
  auto b = hub.instance("b");
  REQUIRE(ask_login(*a, kT0).state == SharedLogin::State::kLogIn);
  CHECK(ask_login(*b, kT0 + 34'999).state == SharedLogin::State::kWait);
  CHECK(ask_login(*b, kT0 + 35'000).state == SharedLogin::State::kLogIn);
  // a's late answer still counts (a valid token), but the lease stays b's.
  tell_login(*a, token_done("sealed-a", kT0 + 3'000'000));
  CHECK(ask_login(*a, kT0 + 35'001).state == SharedLogin::State::kToken);
}

TEST_CASE("pg: new credentials drop the token of the old ones", "[store][pg]") {
  Hub hub("logins_credentials");
  auto a = hub.instance("a");
  REQUIRE(ask_login(*a, kT0).state == SharedLogin::State::kLogIn);
  tell_login(*a, token_done("sealed-1", kT0 + 3'000'000));
  CHECK(ask_login(*a, kT0 + 1, "cred-2").state == SharedLogin::State::kLogIn);
  // A result for the old credentials arriving late is dropped.
  tell_login(*a, token_done("sealed-old", kT0 + 3'000'000));
  auto b = hub.instance("b");
  CHECK(ask_login(*b, kT0 + 2, "cred-2").state == SharedLogin::State::kWait);
}
