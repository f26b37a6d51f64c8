// The delivery side of the SQLite store: claim, complete, recover, retry.

#include <catch2/catch.hpp>

#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::delivered;
using testing::failed_with;
using testing::ids_of;
using testing::kT0;
using testing::make_item;
using testing::options;
using testing::resource;
using testing::Sync;
using testing::TempDir;
using testing::wait_result;

std::string ingest_id(Sync& s, IngestItem item) {
  const auto out = s.ingest(std::move(item));
  REQUIRE(out.kind == IngestOutcome::Kind::kCreated);
  return out.id;
}

// Claims exactly the record `id` and moves it to `status` with a failed attempt.
void park(Sync& s, const std::string& id, Status status, std::int64_t now,
          std::optional<std::int64_t> next = std::nullopt) {
  const auto r = s.get(id);
  REQUIRE(r);
  Completion c = failed_with(*r, status, now, next);
  REQUIRE(s.complete(c));
}

TEST_CASE("claim marks due records sending, oldest first, up to the limit", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto a = ingest_id(s, make_item("A", "v1", "p1"));
  const auto b = ingest_id(s, make_item("B", "v1", "p2"));
  const auto c = ingest_id(s, make_item("C", "v1", "p3"));

  auto claimed = s.claim(kT0 + 10, 2);
  CHECK(ids_of(claimed) == std::vector<std::string>{a, b});
  for (const auto& r : claimed) {
    CHECK(r.status == Status::kSending);
    CHECK(r.bundle_json.find("Bundle") != std::string::npos);
    CHECK(r.resources.size() == 2);
    CHECK(r.history.empty());
  }
  const auto stored = s.get(a);
  REQUIRE(stored);
  CHECK(stored->status == Status::kSending);
  CHECK(stored->history.back().status == Status::kSending);
  CHECK(stored->history.back().note == "sending attempt 1");

  CHECK(ids_of(s.claim(kT0 + 10, 10)) == std::vector<std::string>{c});
  CHECK(s.claim(kT0 + 10, 10).empty());
  CHECK(s.claim(kT0 + 10, 0).empty());
}

TEST_CASE("claim honours the due time of retrying and waiting records", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto a = ingest_id(s, make_item("A", "v1", "p1"));
  const auto b = ingest_id(s, make_item("B", "v1", "p2"));
  REQUIRE(s.claim(kT0, 10).size() == 2);
  park(s, a, Status::kRetrying, kT0 + 1, kT0 + 1000);
  park(s, b, Status::kWaiting, kT0 + 1, kT0 + 2000);

  CHECK(s.claim(kT0 + 999, 10).empty());
  auto claimed = s.claim(kT0 + 1000, 10);
  CHECK(ids_of(claimed) == std::vector<std::string>{a});
  CHECK(claimed[0].attempts == 1);
  CHECK(s.get(a)->history.back().note == "sending attempt 2");
  CHECK(ids_of(s.claim(kT0 + 5000, 10)) == std::vector<std::string>{b});
}

TEST_CASE("claim keeps a patient's records in acceptance order", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto a1 = ingest_id(s, make_item("A1", "v1", "p1"));
  const auto a2 = ingest_id(s, make_item("A2", "v1", "p1"));
  const auto b1 = ingest_id(s, make_item("B1", "v1", "p2"));
  const auto n1 = ingest_id(s, make_item("N1", "v1", ""));  // no patient: no ordering
  const auto n2 = ingest_id(s, make_item("N2", "v1", ""));

  // a2 waits for a1 (queued, then sending); records without a patient key never wait.
  auto claimed = s.claim(kT0 + 1, 100);
  CHECK(ids_of(claimed) == std::vector<std::string>{a1, b1, n1, n2});
  CHECK(s.claim(kT0 + 2, 100).empty());

  SECTION("a retrying older record blocks, even before it is due") {
    park(s, a1, Status::kRetrying, kT0 + 3, kT0 + 60'000);
    CHECK(s.claim(kT0 + 4, 100).empty());
    CHECK(ids_of(s.claim(kT0 + 60'000, 100)) == std::vector<std::string>{a1});
  }
  SECTION("delivery of the older record releases the next") {
    REQUIRE(s.complete(delivered(claimed[0], kT0 + 3)));
    CHECK(ids_of(s.claim(kT0 + 4, 100)) == std::vector<std::string>{a2});
  }
  // A stuck record (a person must act, or it waits for something else) does not block its
  // patient's later records.
  SECTION("needs_correction does not block") {
    park(s, a1, Status::kNeedsCorrection, kT0 + 3);
    CHECK(ids_of(s.claim(kT0 + 4, 100)) == std::vector<std::string>{a2});
  }
  SECTION("dead does not block") {
    park(s, a1, Status::kDead, kT0 + 3);
    CHECK(ids_of(s.claim(kT0 + 4, 100)) == std::vector<std::string>{a2});
  }
  SECTION("waiting does not block") {
    park(s, a1, Status::kWaiting, kT0 + 3, kT0 + 3'600'000);
    CHECK(ids_of(s.claim(kT0 + 4, 100)) == std::vector<std::string>{a2});
  }
}

TEST_CASE("a claim leaves updated_ms at the record's last outcome and records the start in history",
          "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto id = ingest_id(s, make_item("A"));
  const auto claimed = s.claim(kT0 + 5);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].status == Status::kSending);
  CHECK(claimed[0].updated_ms == kT0);
  const auto got = s.get(id);
  REQUIRE(got);
  CHECK(got->status == Status::kSending);
  CHECK(got->updated_ms == kT0);
  CHECK(got->history.back().status == Status::kSending);
  CHECK(got->history.back().at_ms == kT0 + 5);
}

TEST_CASE(
    "complete_and_claim applies the result, then claims what it freed, the patient's next record "
    "included",
    "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto a1 = ingest_id(s, make_item("A1", "a1", "pa"));
  const auto a2 = ingest_id(s, make_item("A2", "a2", "pa"));
  const auto claimed = s.claim(kT0 + 1, 1);
  REQUIRE(ids_of(claimed) == std::vector<std::string>{a1});
  auto both = [&](Completion c, int limit) {
    return wait_result<Store::CompletedAndClaimed>([&](auto done) {
      store.complete_and_claim(std::move(c), kT0 + 3, limit, std::move(done));
    });
  };

  SECTION("delivered: the next record of the patient goes in the same call") {
    const auto out = both(delivered(claimed[0], kT0 + 2), 5);
    CHECK(out.ok);
    CHECK(ids_of(out.claimed) == std::vector<std::string>{a2});
    CHECK(s.get(a1)->status == Status::kDelivered);
    const auto next = s.get(a2);
    CHECK(next->status == Status::kSending);
    CHECK(next->history.back().note == "sending attempt 1");
  }
  SECTION("a completion that does not apply claims nothing") {
    auto c = delivered(claimed[0], kT0 + 2);
    c.id = "no-such-record";
    const auto out = both(c, 5);
    CHECK_FALSE(out.ok);
    CHECK(out.claimed.empty());
    CHECK(s.get(a2)->status == Status::kQueued);
  }
  SECTION("limit 0 is a plain completion") {
    const auto out = both(delivered(claimed[0], kT0 + 2), 0);
    CHECK(out.ok);
    CHECK(out.claimed.empty());
    CHECK(s.get(a2)->status == Status::kQueued);
  }
}

TEST_CASE("the embedded store completes and claims in one transaction", "[unit]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  s.ingest(make_item("A1", "a1", "pa"));
  s.ingest(make_item("B1", "b1", "pb"));
  const auto claimed = s.claim(kT0 + 1, 1);
  REQUIRE(claimed.size() == 1);
  const auto before = store.metrics().transactions;
  const auto out = wait_result<Store::CompletedAndClaimed>([&](auto done) {
    store.complete_and_claim(delivered(claimed[0], kT0 + 2), kT0 + 3, 1, std::move(done));
  });
  CHECK(out.ok);
  CHECK(out.claimed.size() == 1);
  CHECK(store.metrics().transactions == before + 1);
}

TEST_CASE("complete applies the attempt's result to the claimed revision", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto id = ingest_id(s, make_item("A"));
  auto r = s.claim(kT0 + 1).at(0);

  SECTION("delivered") {
    REQUIRE(s.complete(delivered(r, kT0 + 2, {{"encounter", "Encounter", "", "enc-1"}})));
    const auto got = s.get(id);
    REQUIRE(got);
    CHECK(got->status == Status::kDelivered);
    CHECK(got->delivered_revision == 1);
    CHECK(got->attempts == 1);
    CHECK(got->updated_ms == kT0 + 2);
    CHECK(resource(*got, "encounter")->server_id == "enc-1");
    CHECK(resource(*got, "systolic")->server_id.empty());
    CHECK(got->history.back().status == Status::kDelivered);
    CHECK(got->history.back().note == "delivered (HTTP 200)");
  }
  SECTION("retrying, with an ambiguous outcome") {
    auto c = failed_with(r, Status::kRetrying, kT0 + 2, kT0 + 500);
    c.maybe_sent = true;
    REQUIRE(s.complete(c));
    const auto got = s.get(id);
    CHECK(got->status == Status::kRetrying);
    CHECK(got->next_attempt_at_ms == kT0 + 500);
    CHECK(got->last_error == R"({"issues":[]})");
    CHECK(got->maybe_sent);
    CHECK(got->attempts == 1);
    CHECK(got->delivered_revision == 0);
  }
  SECTION("an attempt that does not count (token refresh) leaves attempts alone") {
    auto c = failed_with(r, Status::kQueued, kT0 + 2);
    c.count_attempt = false;
    REQUIRE(s.complete(c));
    CHECK(s.get(id)->attempts == 0);
    CHECK(s.claim(kT0 + 3).size() == 1);
  }
  SECTION("unknown ids and future revisions are refused") {
    auto c = delivered(r, kT0 + 2);
    c.revision = 2;
    CHECK_FALSE(s.complete(c));
    c.revision = 1;
    c.id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    CHECK_FALSE(s.complete(c));
    CHECK(s.get(id)->status == Status::kSending);
  }
}

TEST_CASE("complete for a revision superseded during the attempt keeps ids, not status", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto id = ingest_id(s, make_item("A", "v1"));
  const auto attempt = s.claim(kT0 + 1).at(0);
  REQUIRE(attempt.revision == 1);

  const auto revised = s.ingest(make_item("A", "v2", "patient-1", kT0 + 2));
  REQUIRE(revised.kind == IngestOutcome::Kind::kRevised);
  auto r = s.get(id);
  CHECK(r->status == Status::kQueued);
  CHECK(r->history.at(r->history.size() - 2).note ==
        "revision 1 superseded while being sent; its result will still be recorded");
  // Never two attempts of one record at once: revision 2 waits for revision 1's attempt.
  CHECK(s.claim(kT0 + 3).empty());

  REQUIRE(s.complete(delivered(attempt, kT0 + 4, {{"encounter", "Encounter", "", "enc-1"}})));
  r = s.get(id);
  REQUIRE(r);
  CHECK(r->revision == 2);
  CHECK(r->status == Status::kQueued);
  CHECK(r->attempts == 0);
  CHECK(r->delivered_revision == 1);
  CHECK(resource(*r, "encounter")->server_id == "enc-1");
  CHECK(r->history.back().note == "revision 1: delivered (HTTP 200)");

  // Revision 2 now goes out as an update of what revision 1 created.
  const auto next = s.claim(kT0 + 5);
  REQUIRE(next.size() == 1);
  CHECK(next[0].revision == 2);
  CHECK(resource(next[0], "encounter")->server_id == "enc-1");
}

TEST_CASE("an ambiguous failure of a superseded revision makes the next one check first",
          "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto id = ingest_id(s, make_item("A", "v1"));
  const auto attempt = s.claim(kT0 + 1).at(0);
  s.ingest(make_item("A", "v2", "patient-1", kT0 + 2));
  auto c = failed_with(attempt, Status::kRetrying, kT0 + 3, kT0 + 1000);
  c.maybe_sent = true;
  REQUIRE(s.complete(c));
  const auto r = s.get(id);
  CHECK(r->status == Status::kQueued);  // revision 2's status, not the attempt's
  CHECK(r->maybe_sent);
  CHECK(r->delivered_revision == 0);
  CHECK(s.claim(kT0 + 4).size() == 1);
}

TEST_CASE("recover after a crash turns sending records into retrying with maybe_sent", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  std::string sending;
  std::string revised;
  std::string queued;
  {
    auto owned_store = open_store(backend, dir);
    Store& store = *owned_store;
    Sync s(store);
    sending = ingest_id(s, make_item("A", "v1", "p1"));
    revised = ingest_id(s, make_item("B", "v1", "p2"));
    REQUIRE(s.claim(kT0 + 1).size() == 2);
    s.ingest(make_item("B", "v2", "p2", kT0 + 2));
    queued = ingest_id(s, make_item("C", "v1", "p3"));
  }  // "crash": the store goes away with attempts in flight

  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  CHECK(s.recover(kT0 + 10'000) == 2);
  const auto a = s.get(sending);
  REQUIRE(a);
  CHECK(a->status == Status::kRetrying);
  CHECK(a->maybe_sent);
  CHECK(a->next_attempt_at_ms == kT0 + 10'000);
  CHECK(a->history.back().status == Status::kRetrying);
  // SQLite: "restarted during an attempt"; PostgreSQL: "the attempt's lease ran out".
  CHECK_THAT(a->history.back().note, Catch::Contains("will check the platform before re-sending"));
  const auto b = s.get(revised);
  CHECK(b->status == Status::kQueued);
  CHECK(b->revision == 2);
  CHECK(b->maybe_sent);
  CHECK_FALSE(s.get(queued)->maybe_sent);

  CHECK(s.recover(kT0 + 10'001) == 0);
  const auto again = s.claim(kT0 + 10'000);
  CHECK(ids_of(again) == std::vector<std::string>{sending, revised, queued});
  CHECK(again[0].maybe_sent);  // delivery searches before re-sending
}

TEST_CASE("retry by id re-queues only records that can be retried", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto dead = ingest_id(s, make_item("A", "v1", "p1"));
  const auto done = ingest_id(s, make_item("B", "v1", "p2"));
  const auto fresh = ingest_id(s, make_item("C", "v1", "p3"));
  auto claimed = s.claim(kT0 + 1, 2);
  REQUIRE(claimed.size() == 2);
  park(s, dead, Status::kDead, kT0 + 2, kT0 + 999'999);
  REQUIRE(s.complete(delivered(claimed[1], kT0 + 2)));

  CHECK(s.retry({dead, done, fresh, "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, std::nullopt, kT0 + 3) == 1);
  const auto r = s.get(dead);
  CHECK(r->status == Status::kQueued);
  CHECK(r->attempts == 0);
  CHECK_FALSE(r->next_attempt_at_ms);
  CHECK(r->history.back().note == "re-queued by operator");
  CHECK(s.get(done)->status == Status::kDelivered);
  CHECK(s.get(fresh)->history.size() == 1);
  CHECK(ids_of(s.claim(kT0 + 4)) == std::vector<std::string>{dead, fresh});
}

TEST_CASE("retry by status re-queues every record in that status", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(ingest_id(s, make_item("R" + std::to_string(i))));
  auto claimed = s.claim(kT0 + 1, 100);
  REQUIRE(claimed.size() == 1);  // one patient: one at a time
  park(s, ids[0], Status::kNeedsCorrection, kT0 + 2);
  for (int i = 1; i < 3; ++i) {
    REQUIRE(s.claim(kT0 + 3, 100).size() == 1);
    park(s, ids[i], Status::kNeedsCorrection, kT0 + 4);
  }

  CHECK(s.retry({}, Status::kDelivered, kT0 + 5) == 0);
  CHECK(s.retry({}, Status::kQueued, kT0 + 5) == 0);
  CHECK(s.retry({}, std::nullopt, kT0 + 5) == 0);
  CHECK(s.retry({}, Status::kNeedsCorrection, kT0 + 5) == 3);
  for (int i = 0; i < 3; ++i) {
    const auto r = s.get(ids[i]);
    CHECK(r->status == Status::kQueued);
    CHECK(r->history.back().note == "re-queued by operator");
  }
  CHECK(s.stats().pending == 5);
}

}  // namespace
TEST_CASE("delivering a record wakes exactly the records waiting on it", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto lab = ingest_id(s, make_item("LAB", "v1", "p1"));
  const auto other = ingest_id(s, make_item("OTHER", "v1", "p2"));
  const auto patient_wait = ingest_id(s, make_item("PW", "v1", "p3"));
  const std::int64_t later = kT0 + 3'600'000;
  for (const auto& [id, key] : {std::pair{lab, std::string("Encounter/k-visit")},
                                std::pair{other, std::string("Encounter/k-else")},
                                std::pair{patient_wait, std::string()}}) {
    REQUIRE(s.claim(kT0 + 1, 1).size() == 1);
    auto c = failed_with(*s.get(id), Status::kWaiting, kT0 + 1, later);
    c.count_attempt = false;
    c.waiting_on = key;
    REQUIRE(s.complete(c));
  }
  CHECK(s.claim(kT0 + 2, 10).empty());  // all wait until `later`
  CHECK(s.wake({"Encounter/k-visit"}, kT0 + 2) == 1);
  CHECK(ids_of(s.claim(kT0 + 2, 10)) == std::vector<std::string>{lab});
  CHECK(s.wake({"Encounter/k-unknown", ""}, kT0 + 3) == 0);
}

TEST_CASE(
    "a completion writes what its attempt learnt and wakes waiting records, only if it "
    "applies",
    "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto visit = ingest_id(s, make_item("VISIT", "v1", "p1"));
  const auto lab = ingest_id(s, make_item("LAB", "v1", "p2"));
  const std::int64_t later = kT0 + 3'600'000;
  REQUIRE(s.claim(kT0 + 1, 2).size() == 2);
  auto wait = failed_with(*s.get(lab), Status::kWaiting, kT0 + 1, later);
  wait.count_attempt = false;
  wait.waiting_on = "Encounter/k-visit";
  REQUIRE(s.complete(wait));

  // A completion for a revision the record never had does not apply: nothing of it is written.
  auto stale = delivered(*s.get(visit), kT0 + 2);
  stale.revision = 7;
  stale.cache_puts = {{"Encounter", "k-visit", "E-STALE"}};
  stale.wake_keys = {"Encounter/k-visit"};
  CHECK_FALSE(s.complete(stale));
  CHECK_FALSE(s.cache_get("Encounter", "k-visit"));
  CHECK(s.claim(kT0 + 2, 10).empty());

  auto done = delivered(*s.get(visit), kT0 + 3);
  done.cache_puts = {{"Encounter", "k-visit", "E-1"}, {"Patient", "k-nik", "P-1"}};
  done.wake_keys = {"Encounter/k-visit"};
  REQUIRE(s.complete(done));
  CHECK(s.cache_get("Encounter", "k-visit") == std::optional<std::string>("E-1"));
  CHECK(s.cache_get("Patient", "k-nik") == std::optional<std::string>("P-1"));
  CHECK(ids_of(s.claim(kT0 + 3, 10)) == std::vector<std::string>{lab});
}

TEST_CASE("a revision after an uncertain send remembers that only an older one may be out",
          "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto id = ingest_id(s, make_item("R", "v1", "p1"));
  REQUIRE(s.claim(kT0 + 1, 1).size() == 1);
  auto ambiguous = failed_with(*s.get(id), Status::kRetrying, kT0 + 1, kT0 + 2);
  ambiguous.maybe_sent = true;
  REQUIRE(s.complete(ambiguous));
  CHECK(s.get(id)->maybe_sent);
  CHECK_FALSE(s.get(id)->older_revision_maybe_sent);

  REQUIRE(s.ingest(make_item("R", "v2", "p1")).kind == IngestOutcome::Kind::kRevised);
  CHECK(s.get(id)->older_revision_maybe_sent);
  // A failed attempt of revision 2 does not make it look as if revision 2 may be out.
  REQUIRE(s.claim(kT0 + 3, 1).size() == 1);
  auto failed = failed_with(*s.get(id), Status::kRetrying, kT0 + 3, kT0 + 4);
  failed.maybe_sent = true;
  REQUIRE(s.complete(failed));
  CHECK(s.get(id)->older_revision_maybe_sent);
  // Nor does a crash during its next attempt.
  REQUIRE(s.claim(kT0 + 5, 1).size() == 1);
  REQUIRE(s.recover(kT0 + 6) == 1);
  CHECK(s.get(id)->older_revision_maybe_sent);
  // Delivered: nothing is uncertain any more.
  REQUIRE(s.claim(kT0 + 7, 1).size() == 1);
  REQUIRE(s.complete(delivered(*s.get(id), kT0 + 7)));
  CHECK_FALSE(s.get(id)->maybe_sent);
  CHECK_FALSE(s.get(id)->older_revision_maybe_sent);
}

}  // namespace ilp::gateway::store
