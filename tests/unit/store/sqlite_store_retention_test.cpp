// Retention (issue 7): delivered payloads are pruned after their age; what people and delivery
// still need (status, history, server ids, the content hash) stays.
#include <catch2/catch.hpp>

#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::delivered;
using testing::kT0;
using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;

constexpr std::int64_t kDay = 86'400'000;

// Ingests `record_id` and delivers it at `at_ms` with server ids.
std::string deliver(Sync& s, const std::string& record_id, std::int64_t at_ms) {
  const auto id = s.ingest(make_item(record_id, record_id, "p-" + record_id)).id;
  const auto claimed = s.claim(at_ms, 100);
  REQUIRE(claimed.size() == 1);
  REQUIRE(s.complete(delivered(claimed[0], at_ms,
                               {{"encounter", "Encounter", "", "enc-" + record_id},
                                {"systolic", "Observation", "", "obs-" + record_id}})));
  return id;
}

TEST_CASE("a delivered record older than the cut-off loses its data but keeps status and ids",
          "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto old_id = deliver(s, "OLD", kT0);
  const auto new_id = deliver(s, "NEW", kT0 + 40 * kDay);
  const auto queued_id = s.ingest(make_item("QUEUED", "q", "p-q")).id;

  CHECK(s.prune(kT0 + 30 * kDay) == 1);
  const auto old_rec = s.get(old_id);
  REQUIRE(old_rec);
  CHECK(old_rec->status == Status::kDelivered);
  CHECK(old_rec->input_json.empty());
  CHECK(old_rec->bundle_json.empty());
  REQUIRE(old_rec->resources.size() == 2);
  CHECK(old_rec->resources[0].server_id == "enc-OLD");
  CHECK_FALSE(old_rec->history.empty());
  // Younger deliveries and records not delivered keep everything.
  CHECK_FALSE(s.get(new_id)->bundle_json.empty());
  CHECK_FALSE(s.get(queued_id)->bundle_json.empty());
  // Nothing is pruned twice.
  CHECK(s.prune(kT0 + 30 * kDay) == 0);
}

TEST_CASE("the same record sent again after pruning is still recognised (200, no new work)",
          "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  const auto id = deliver(s, "R1", kT0);
  REQUIRE(s.prune(kT0 + kDay) == 1);
  const auto again = s.ingest(make_item("R1", "R1", "p-R1"));
  CHECK(again.kind == IngestOutcome::Kind::kUnchanged);
  CHECK(again.id == id);
}

TEST_CASE("pruning goes in batches of the given size", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  for (int i = 0; i < 5; ++i) deliver(s, "B" + std::to_string(i), kT0);
  CHECK(s.prune(kT0 + kDay, 2) == 2);
  CHECK(s.prune(kT0 + kDay, 2) == 2);
  CHECK(s.prune(kT0 + kDay, 2) == 1);
  CHECK(s.prune(kT0 + kDay, 2) == 0);
}

}  // namespace
}  // namespace ilp::gateway::store

namespace ilp::gateway::store {
namespace {

TEST_CASE("NIK to IHS cache entries older than the cut-off are purged with the payloads",
          "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  testing::Sync s(store);
  REQUIRE(s.cache_put("Patient", "old-key", "P100", kT0));
  REQUIRE(s.cache_put("Patient", "refreshed-key", "P200", kT0));
  REQUIRE(s.cache_put("Patient", "refreshed-key", "P200", kT0 + 40 * kDay));  // learned again
  REQUIRE(s.cache_put("Patient", "new-key", "P300", kT0 + 40 * kDay));

  CHECK(s.prune(kT0 + 30 * kDay) == 1);
  CHECK_FALSE(s.cache_get("Patient", "old-key").has_value());
  CHECK(s.cache_get("Patient", "refreshed-key") == std::optional<std::string>("P200"));
  CHECK(s.cache_get("Patient", "new-key") == std::optional<std::string>("P300"));
  CHECK(s.prune(kT0 + 30 * kDay) == 0);
}

}  // namespace
}  // namespace ilp::gateway::store
