// Read paths of the SQLite store: list, stats, the IHS cache, the writability probe.

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::delivered;
using testing::kT0;
using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;

TEST_CASE("list pagination covers every record exactly once, newest change first", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  std::set<std::string> all;
  // Pairs share updated_ms, so the id tie-break matters.
  for (int i = 0; i < 25; ++i) {
    all.insert(s.ingest(make_item("R" + std::to_string(i), "v1", "p", kT0 + i / 2)).id);
  }
  const int limit = GENERATE(1, 7, 25, 100);

  std::vector<Record> seen;
  ListQuery q;
  q.limit = limit;
  int pages = 0;
  for (;;) {
    const auto page = s.list(q);
    ++pages;
    REQUIRE(static_cast<int>(page.records.size()) <= limit);
    for (const auto& r : page.records) {
      CHECK(r.input_json.empty());
      CHECK(r.bundle_json.empty());
      CHECK(r.history.empty());
      CHECK(r.resources.size() == 2);
      seen.push_back(r);
    }
    if (page.next_cursor.empty()) break;
    REQUIRE(pages < 100);
    q.cursor = page.next_cursor;
  }
  std::set<std::string> ids;
  for (const auto& r : seen) ids.insert(r.id);
  CHECK(seen.size() == 25);
  CHECK(ids == all);
  CHECK(pages == (25 + limit - 1) / limit);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    const auto& a = seen[i - 1];
    const auto& b = seen[i];
    CHECK((a.updated_ms > b.updated_ms || (a.updated_ms == b.updated_ms && a.id > b.id)));
  }
}

TEST_CASE("list filters by facility, status, kind and since", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  s.ingest(make_item("A", "v1", "p1", kT0, "pkm-a", "visit"));
  s.ingest(make_item("B", "v1", "p2", kT0 + 10, "pkm-a", "lab"));
  s.ingest(make_item("C", "v1", "p3", kT0 + 20, "pkm-b", "visit"));
  const auto claimed = s.claim(kT0 + 30, 1);
  REQUIRE(claimed.size() == 1);
  REQUIRE(s.complete(delivered(claimed[0], kT0 + 40)));  // A delivered, updated at +40

  const auto count = [&](ListQuery q) { return s.list(std::move(q)).records.size(); };
  ListQuery q;
  q.facility = "pkm-a";
  CHECK(count(q) == 2);
  q.status = Status::kQueued;
  CHECK(count(q) == 1);
  q = {};
  q.kind = "visit";
  CHECK(count(q) == 2);
  q.status = Status::kDelivered;
  const auto page = s.list(q);
  REQUIRE(page.records.size() == 1);
  CHECK(page.records[0].record_id == "A");
  q = {};
  q.since_ms = kT0 + 20;
  CHECK(count(q) == 2);  // C (+20) and A (+40)
  q.since_ms = kT0 + 41;
  CHECK(count(q) == 0);
}

TEST_CASE("list clamps the limit and fails a foreign cursor rather than answer an empty page",
          "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  for (int i = 0; i < 3; ++i) s.ingest(make_item("R" + std::to_string(i)));
  ListQuery q;
  q.limit = 0;
  auto page = s.list(q);
  CHECK(page.records.size() == 1);
  CHECK_FALSE(page.next_cursor.empty());
  q.limit = 1'000'000;
  CHECK(s.list(q).records.size() == 3);
  CHECK(is_list_cursor(page.next_cursor));
  q.cursor = "garbage";
  CHECK(s.list_result(q).is_failed());
}

TEST_CASE("is_list_cursor accepts what list hands out and nothing else", "[unit]") {
  CHECK(is_list_cursor("1700000000000.01ARZ3NDEKTSV4RRFFQ69G5FAV"));
  CHECK(is_list_cursor("0.01ARZ3NDEKTSV4RRFFQ69G5FAV"));
  for (const char* bad :
       {"", "garbage", "1700000000000", "1700000000000.", ".01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "-5.01ARZ3NDEKTSV4RRFFQ69G5FAV", "12x.01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "1700000000000.not-a-tracking-id", "1700000000000.01ARZ3NDEKTSV4RRFFQ69G5FAV' OR 1=1"}) {
    INFO(bad);
    CHECK_FALSE(is_list_cursor(bad));
  }
}

TEST_CASE("a read that fails says failed, never not found or an empty page", "[unit]") {
  TempDir dir;
  std::atomic<bool> fail{false};
  auto o = options(dir);
  o.fail_read = [&fail] { return fail.load(); };
  SqliteStore store(o);
  Sync s(store);
  const auto id = s.ingest(make_item("A")).id;
  CHECK(s.get_result("01ARZ3NDEKTSV4RRFFQ69G5FAV").is_not_found());
  CHECK(s.find_result("pkm-sukamaju", "visit", "B").is_not_found());
  CHECK(s.get_result(id).is_found());

  fail = true;
  const auto got = s.get_result(id);
  CHECK(got.is_failed());
  CHECK(got.error().find("read failed") != std::string::npos);
  CHECK(s.find_result("pkm-sukamaju", "visit", "A").is_failed());
  CHECK(s.list_result({}).is_failed());
  CHECK(s.stats_result().is_failed());

  fail = false;
  CHECK(s.get_result(id).is_found());
}

TEST_CASE("stats count records by facility, kind and status, with the oldest pending", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  CHECK(s.stats().rows.empty());
  CHECK(s.stats().pending == 0);
  CHECK_FALSE(s.stats().oldest_pending_ms);

  s.ingest(make_item("A", "v1", "p1", kT0, "pkm-a", "visit"));
  s.ingest(make_item("B", "v1", "p2", kT0 + 10, "pkm-a", "visit"));
  s.ingest(make_item("C", "v1", "p3", kT0 + 20, "pkm-b", "lab"));
  const auto claimed = s.claim(kT0 + 30, 1);
  REQUIRE(s.complete(delivered(claimed.at(0), kT0 + 40)));

  const auto st = s.stats();
  std::map<std::string, std::int64_t> counts;
  for (const auto& row : st.rows) {
    counts[row.facility + "/" + row.kind + "/" + std::string(to_string(row.status))] = row.count;
  }
  CHECK(counts == std::map<std::string, std::int64_t>{{"pkm-a/visit/delivered", 1},
                                                      {"pkm-a/visit/queued", 1},
                                                      {"pkm-b/lab/queued", 1}});
  CHECK(st.pending == 2);
  CHECK(st.oldest_pending_ms == kT0 + 10);
}

TEST_CASE("stats stay equal to a recount through every kind of change", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  std::vector<std::string> ids;
  {
    auto owned_store = open_store(backend, dir);
    Store& store = *owned_store;
    Sync s(store);
    for (int i = 0; i < 12; ++i) {
      ids.push_back(
          s.ingest(make_item("R" + std::to_string(i), "v1", "p" + std::to_string(i % 4), kT0 + i,
                             i % 3 == 0 ? "pkm-b" : "pkm-a", i % 2 == 0 ? "visit" : "lab"))
              .id);
    }
    auto claimed = s.claim(kT0 + 100, 3);
    REQUIRE(claimed.size() == 3);
    REQUIRE(s.complete(delivered(claimed[0], kT0 + 101)));
    REQUIRE(s.complete(testing::failed_with(claimed[1], Status::kDead, kT0 + 101)));
    s.ingest(make_item("R0", "v2", "p0", kT0 + 102, "pkm-b", "visit"));  // delivered → queued
    s.ingest(make_item("R5", "v2", "p1", kT0 + 102, "pkm-a", "lab"));    // queued → queued
    REQUIRE(s.retry({claimed[1].id}, std::nullopt, kT0 + 103) == 1);
    REQUIRE(s.claim(kT0 + 104, 2).size() == 2);
  }  // two records left sending
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  REQUIRE(s.recover(kT0 + 200) == 3);

  ListQuery q;
  q.limit = 1000;
  std::map<std::string, std::int64_t> recount;
  for (const auto& r : s.list(q).records) {
    ++recount[r.facility + "/" + r.kind + "/" + std::string(to_string(r.status))];
  }
  std::map<std::string, std::int64_t> counted;
  std::int64_t pending = 0;
  const auto st = s.stats();
  for (const auto& row : st.rows) {
    counted[row.facility + "/" + row.kind + "/" + std::string(to_string(row.status))] = row.count;
    if (row.status != Status::kDelivered && row.status != Status::kDead) pending += row.count;
  }
  CHECK(counted == recount);
  CHECK(st.pending == pending);
  CHECK(st.oldest_pending_ms == kT0);
}

TEST_CASE("the IHS cache stores, overwrites and misses", "[unit]") {
  STORE_BACKENDS();
  TempDir dir;
  auto owned_store = open_store(backend, dir);
  Store& store = *owned_store;
  Sync s(store);
  CHECK_FALSE(s.cache_get("Patient", "k1"));
  CHECK(s.cache_put("Patient", "k1", "P0001", kT0));
  CHECK(s.cache_get("Patient", "k1") == std::optional<std::string>("P0001"));
  CHECK_FALSE(s.cache_get("Practitioner", "k1"));
  CHECK(s.cache_put("Patient", "k1", "P0002", kT0 + 1));
  CHECK(s.cache_get("Patient", "k1") == std::optional<std::string>("P0002"));
}

TEST_CASE("check_writable takes the write lock and writes nothing while commits succeed",
          "[unit][readyz]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  s.ingest(make_item("A"));
  const auto wal = dir.db() + "-wal";
  const auto wal_before = std::filesystem::file_size(wal);
  const auto before = store.metrics().transactions;
  for (int i = 0; i < 50; ++i) REQUIRE(s.check_writable());
  CHECK(store.metrics().transactions == before + 50);
  CHECK(std::filesystem::file_size(wal) == wal_before);  // was 256 KiB per probe
}

TEST_CASE("check_writable is false while the disk has less room than a batch needs",
          "[unit][readyz]") {
  TempDir dir;
  auto o = options(dir);
  o.min_free_bytes = std::int64_t{1} << 60;  // more than any disk: "full"
  SqliteStore store(o);
  Sync s(store);
  CHECK_FALSE(s.check_writable());
  CHECK_FALSE(s.check_writable());  // every time, not once
}

TEST_CASE("check_writable follows the size limit each time: reached, lifted, reached again",
          "[unit][readyz]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  s.ingest(make_item("A"));
  const auto set_limit = [&](std::int64_t bytes) {
    return testing::wait_result<bool>(
        [&](auto done) { store.set_size_limit(bytes, std::move(done)); });
  };
  for (int round = 0; round < 2; ++round) {
    INFO("round " << round);
    REQUIRE(set_limit(1));  // clamps to the current size: no page may be added
    CHECK_FALSE(s.check_writable());
    REQUIRE(set_limit(0));
    CHECK(s.check_writable());
  }
}

TEST_CASE("check_writable is false after a failed commit until a commit succeeds again",
          "[unit][readyz]") {
  TempDir dir;
  std::atomic<bool> fail{false};
  auto o = options(dir);
  o.fail_commit = [&fail] { return fail.load(); };
  SqliteStore store(o);
  Sync s(store);
  REQUIRE(s.check_writable());
  for (int round = 0; round < 2; ++round) {
    INFO("round " << round);
    fail = true;
    CHECK(s.ingest(make_item("R" + std::to_string(round))).kind == IngestOutcome::Kind::kFailed);
    CHECK_FALSE(s.check_writable());
    CHECK_FALSE(s.check_writable());
    fail = false;
    // The fault is gone: the probe's own small commit proves it, no traffic needed.
    CHECK(s.check_writable());
    CHECK(s.check_writable());
  }
}

}  // namespace
}  // namespace ilp::gateway::store
