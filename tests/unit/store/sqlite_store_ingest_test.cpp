// Ingest semantics of the SQLite store (DESIGN.md §3.1): create, unchanged, revise.

#include <catch2/catch.hpp>
#include <set>

#include "gateway/store/tracking_id.hpp"
#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::kT0;
using testing::make_item;
using testing::options;
using testing::resource;
using testing::Sync;
using testing::TempDir;
using Kind = IngestOutcome::Kind;

std::vector<std::string> notes(const Record& r) {
  std::vector<std::string> out;
  for (const auto& h : r.history) out.push_back(std::string(to_string(h.status)) + ": " + h.note);
  return out;
}

TEST_CASE("status names round-trip", "[unit]") {
  for (const Status s : kAllStatuses) {
    const auto back = status_from_string(to_string(s));
    REQUIRE(back.has_value());
    CHECK(*back == s);
  }
  CHECK(to_string(Status::kNeedsCorrection) == "needs_correction");
  CHECK_FALSE(status_from_string("Queued").has_value());
  CHECK_FALSE(status_from_string("").has_value());
}

TEST_CASE("tracking ids are 26-char ULIDs, unique and ordered by time", "[unit]") {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const auto id = new_tracking_id(kT0);
    CHECK(id.size() == 26);
    CHECK(is_tracking_id(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 10000);
  CHECK(new_tracking_id(kT0) < new_tracking_id(kT0 + 1));
  CHECK(new_tracking_id(kT0).substr(0, 10) == new_tracking_id(kT0).substr(0, 10));
  CHECK_FALSE(is_tracking_id("not-an-id"));
  CHECK_FALSE(is_tracking_id("01HZZZZZZZZZZZZZZZZZZZZZZU"));  // U is not Crockford
}

TEST_CASE("ingest of a new key creates a queued record with revision 1", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);

  const auto out = s.ingest(make_item("RJ-1"));
  CHECK(out.kind == Kind::kCreated);
  CHECK(out.revision == 1);
  CHECK(out.status == Status::kQueued);
  CHECK(is_tracking_id(out.id));

  const auto r = s.get(out.id);
  REQUIRE(r);
  CHECK(r->facility == "pkm-sukamaju");
  CHECK(r->kind == "visit");
  CHECK(r->record_id == "RJ-1");
  CHECK(r->revision == 1);
  CHECK(r->status == Status::kQueued);
  CHECK(r->attempts == 0);
  CHECK_FALSE(r->next_attempt_at_ms);
  CHECK(r->content_hash == "hash-v1");
  CHECK(r->input_json == R"({"content":"v1"})");
  CHECK(r->bundle_json.find("Bundle") != std::string::npos);
  CHECK(r->patient_key == "patient-1");
  CHECK(r->delivered_revision == 0);
  CHECK_FALSE(r->maybe_sent);
  CHECK(r->created_ms == kT0);
  CHECK(r->updated_ms == kT0);
  CHECK(r->seq > 0);
  REQUIRE(r->resources.size() == 2);
  REQUIRE(resource(*r, "encounter"));
  CHECK(resource(*r, "encounter")->type == "Encounter");
  CHECK(resource(*r, "encounter")->local == "urn:uuid:enc-v1");
  CHECK(resource(*r, "encounter")->server_id.empty());
  CHECK(notes(*r) == std::vector<std::string>{"queued: accepted"});

  const auto by_key = s.find("pkm-sukamaju", "visit", "RJ-1");
  REQUIRE(by_key);
  CHECK(by_key->id == out.id);
  CHECK_FALSE(s.find("pkm-sukamaju", "lab", "RJ-1"));
  CHECK_FALSE(s.get("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
}

TEST_CASE("ingest of the same key with the same content is unchanged and writes nothing",
          "[unit]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);

  const auto first = s.ingest(make_item("RJ-1"));
  const auto before = store.metrics().transactions;
  const auto again = s.ingest(make_item("RJ-1", "v1", "patient-1", kT0 + 5000));
  CHECK(again.kind == Kind::kUnchanged);
  CHECK(again.id == first.id);
  CHECK(again.revision == 1);
  CHECK(again.status == Status::kQueued);
  CHECK(store.metrics().transactions == before + 1);

  const auto r = s.get(first.id);
  REQUIRE(r);
  CHECK(r->updated_ms == kT0);  // untouched
  CHECK(r->history.size() == 1);
  CHECK(store.metrics().items_ingested == 1);
}

TEST_CASE("ingest with new content before delivery supersedes the old revision", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);

  const auto first = s.ingest(make_item("RJ-1", "v1"));
  // An attempt failed meanwhile: the revision must start afresh.
  const auto claimed = s.claim(kT0 + 10);
  REQUIRE(claimed.size() == 1);
  REQUIRE(s.complete(testing::failed_with(claimed[0], Status::kRetrying, kT0 + 20, kT0 + 9999)));

  const auto out = s.ingest(make_item("RJ-1", "v2", "patient-9", kT0 + 100));
  CHECK(out.kind == Kind::kRevised);
  CHECK(out.id == first.id);
  CHECK(out.revision == 2);
  CHECK(out.status == Status::kQueued);

  const auto r = s.get(first.id);
  REQUIRE(r);
  CHECK(r->revision == 2);
  CHECK(r->status == Status::kQueued);
  CHECK(r->attempts == 0);
  CHECK_FALSE(r->next_attempt_at_ms);
  CHECK(r->last_error.empty());
  CHECK(r->content_hash == "hash-v2");
  CHECK(r->input_json == R"({"content":"v2"})");
  CHECK(r->bundle_json.find("v2") != std::string::npos);
  CHECK(r->patient_key == "patient-9");
  CHECK(r->delivered_revision == 0);
  CHECK(r->created_ms == kT0);
  CHECK(r->updated_ms == kT0 + 100);
  CHECK(resource(*r, "encounter")->local == "urn:uuid:enc-v2");
  const auto n = notes(*r);
  REQUIRE(n.size() >= 2);
  CHECK(n[n.size() - 2] == "superseded: revision 1 superseded");
  CHECK(n.back() == "queued: revision 2 accepted");
}

TEST_CASE("ingest with new content after delivery is sent as an update with the server ids",
          "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);

  const auto first = s.ingest(make_item("RJ-1", "v1"));
  auto claimed = s.claim(kT0 + 10);
  REQUIRE(claimed.size() == 1);
  REQUIRE(s.complete(testing::delivered(claimed[0], kT0 + 20,
                                        {{"encounter", "Encounter", "", "enc-server-1"},
                                         {"systolic", "Observation", "", "obs-server-1"}})));

  auto v2 = make_item("RJ-1", "v2", "patient-1", kT0 + 100);
  v2.resources = {{"encounter", "Encounter", "urn:uuid:enc-v2", ""},
                  {"diastolic", "Observation", "urn:uuid:dia-v2", ""}};
  const auto out = s.ingest(v2);
  CHECK(out.kind == Kind::kRevised);
  CHECK(out.revision == 2);

  const auto r = s.get(first.id);
  REQUIRE(r);
  CHECK(r->status == Status::kQueued);
  CHECK(r->delivered_revision == 1);
  REQUIRE(r->resources.size() == 2);
  REQUIRE(resource(*r, "encounter"));
  CHECK(resource(*r, "encounter")->server_id == "enc-server-1");  // kept: PUT target
  CHECK(resource(*r, "encounter")->local == "urn:uuid:enc-v2");
  REQUIRE(resource(*r, "diastolic"));
  CHECK(resource(*r, "diastolic")->server_id.empty());
  CHECK_FALSE(resource(*r, "systolic"));  // not part of revision 2
  const auto n = notes(*r);
  CHECK(n.back() == "queued: revision 2 will be sent as an update");
  for (const auto& line : n) CHECK(line.find("superseded") == std::string::npos);

  // The update is claimable and carries the ids.
  claimed = s.claim(kT0 + 200);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].revision == 2);
  CHECK(resource(claimed[0], "encounter")->server_id == "enc-server-1");
}

TEST_CASE("two items with the same key in one call behave as two calls", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);

  SECTION("same content") {
    const auto out = s.ingest({make_item("RJ-1", "v1"), make_item("RJ-1", "v1")});
    REQUIRE(out.size() == 2);
    CHECK(out[0].kind == Kind::kCreated);
    CHECK(out[1].kind == Kind::kUnchanged);
    CHECK(out[1].id == out[0].id);
    CHECK(out[1].revision == 1);
  }
  SECTION("different content") {
    const auto out = s.ingest({make_item("RJ-1", "v1"), make_item("RJ-1", "v2")});
    REQUIRE(out.size() == 2);
    CHECK(out[0].kind == Kind::kCreated);
    CHECK(out[1].kind == Kind::kRevised);
    CHECK(out[1].id == out[0].id);
    CHECK(out[1].revision == 2);
    const auto r = s.get(out[0].id);
    REQUIRE(r);
    CHECK(r->revision == 2);
    CHECK(r->content_hash == "hash-v2");
    CHECK(notes(*r) == std::vector<std::string>{"queued: accepted",
                                                "superseded: revision 1 superseded",
                                                "queued: revision 2 accepted"});
  }
  CHECK(s.stats().pending == 1);
}

TEST_CASE("a failing item is rolled back alone, the other items of the call are stored", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);

  auto bad = make_item("RJ-2", "v1");
  bad.resources.push_back(bad.resources.front());  // duplicate resource name: constraint error
  const auto out = s.ingest({make_item("RJ-1"), bad, make_item("RJ-3")});
  REQUIRE(out.size() == 3);
  CHECK(out[0].kind == Kind::kCreated);
  CHECK(out[1].kind == Kind::kFailed);
  CHECK_FALSE(out[1].error.empty());
  CHECK(out[2].kind == Kind::kCreated);
  CHECK_FALSE(s.find("pkm-sukamaju", "visit", "RJ-2"));  // no row, no half of it
  CHECK(s.find("pkm-sukamaju", "visit", "RJ-3"));
  CHECK(s.stats().pending == 2);
}

TEST_CASE("an empty ingest call answers with no outcomes", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  CHECK(s.ingest(std::vector<IngestItem>{}).empty());
}

}  // namespace
}  // namespace ilp::gateway::store
