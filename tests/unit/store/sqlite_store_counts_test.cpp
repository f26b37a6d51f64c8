// The record counts behind stats(), kept by the writer in C++ since schema step 10
// (gateway/store/record_counts.hpp): after every kind of write, and after writes that were
// rolled back, record_counts says what a recount of the records says.

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>

#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::delivered;
using testing::failed_with;
using testing::kT0;
using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;
using testing::wait_result;

// Rows "facility|kind|status|n" of `sql`, one per line.
std::string rows(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < 4; ++c) {
      out += reinterpret_cast<const char*>(sqlite3_column_text(st, c));
      out += c < 3 ? "|" : "\n";
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

std::string kept_counts(const TempDir& dir) {
  return rows(dir.db(),
              "SELECT facility, kind, status, n FROM record_counts WHERE n != 0 "
              "ORDER BY facility, kind, status");
}

std::string recount(const TempDir& dir) {
  return rows(dir.db(),
              "SELECT facility, kind, status, count(*) FROM records "
              "GROUP BY facility, kind, status ORDER BY facility, kind, status");
}

#define CHECK_COUNTS_MATCH(step)        \
  do {                                  \
    INFO(step);                         \
    const auto kept = kept_counts(dir); \
    CHECK(kept == recount(dir));        \
    CHECK_FALSE(kept.empty());          \
  } while (false)

}  // namespace

TEST_CASE("stats counts match a recount of the records after every kind of status change",
          "[unit]") {
  TempDir dir;
  std::string sent_id;
  {
    SqliteStore store(options(dir));
    Sync s(store);
    s.ingest(make_item("A1", "v1", "pa"));
    s.ingest(make_item("B1", "v1", "pb", kT0, "pkm-tanjung", "anc"));
    s.ingest(make_item("C1", "v1", "pc", kT0, "pkm-sukamaju", "growth"));
    s.ingest(make_item("D1", "v1", "pd"));
    CHECK_COUNTS_MATCH("ingest");
    REQUIRE(s.ingest(make_item("A1", "v1", "pa")).kind == IngestOutcome::Kind::kUnchanged);
    CHECK_COUNTS_MATCH("unchanged");

    auto claimed = s.claim(kT0 + 10, 10);
    REQUIRE(claimed.size() == 4);
    CHECK_COUNTS_MATCH("claim");
    for (const auto& r : claimed) {
      if (r.record_id == "A1") REQUIRE(s.complete(delivered(r, kT0 + 20)));
      if (r.record_id == "B1") {
        REQUIRE(s.complete(failed_with(r, Status::kNeedsCorrection, kT0 + 20)));
      }
      if (r.record_id == "C1") REQUIRE(s.complete(failed_with(r, Status::kDead, kT0 + 20)));
      if (r.record_id == "D1") sent_id = r.id;  // left `sending`
    }
    CHECK_COUNTS_MATCH("complete");
    // A completion that does not apply changes nothing.
    Completion stale = delivered(claimed[0], kT0 + 21);
    stale.id = "no-such-record";
    CHECK_FALSE(s.complete(stale));
    CHECK_COUNTS_MATCH("complete of an unknown record");

    REQUIRE(s.ingest(make_item("A1", "v2", "pa")).kind == IngestOutcome::Kind::kRevised);
    REQUIRE(s.ingest(make_item("B1", "v2", "pb", kT0 + 30, "pkm-tanjung", "anc")).kind ==
            IngestOutcome::Kind::kRevised);
    CHECK_COUNTS_MATCH("revise");
  }
  // A restart with D1 still `sending`: recover makes it `retrying`.
  SqliteStore store(options(dir));
  Sync s(store);
  REQUIRE(s.recover(kT0 + 40) == 1);
  CHECK_COUNTS_MATCH("recover");

  auto claimed = s.claim(kT0 + 50, 10);
  REQUIRE(claimed.size() == 3);  // A1 v2, B1 v2, D1
  for (const auto& r : claimed) {
    REQUIRE(s.complete(failed_with(r, Status::kNeedsCorrection, kT0 + 60)));
  }
  CHECK_COUNTS_MATCH("complete again");
  const auto d1 = s.get(sent_id);
  REQUIRE(d1);
  REQUIRE(s.retry({d1->id}, std::nullopt, kT0 + 70) == 1);
  CHECK_COUNTS_MATCH("retry by id");
  Store::RetryFilter filter;
  filter.status = Status::kNeedsCorrection;
  filter.facility = "pkm-tanjung";
  REQUIRE(wait_result<int>(
              [&](auto done) { store.retry_matching(filter, kT0 + 80, std::move(done)); }) == 1);
  CHECK_COUNTS_MATCH("retry matching");
  REQUIRE(s.retry({}, Status::kDead, kT0 + 90) == 1);
  CHECK_COUNTS_MATCH("retry by status");

  // stats() reads these counts.
  const auto st = s.stats();
  std::int64_t total = 0;
  for (const auto& row : st.rows) total += row.count;
  CHECK(total == 4);
}

TEST_CASE("a failed ingest item and a rolled-back transaction leave no count behind", "[unit]") {
  TempDir dir;
  std::atomic<bool> fail{false};
  auto o = options(dir);
  o.fail_commit = [&fail] { return fail.load(); };
  SqliteStore store(o);
  Sync s(store);
  s.ingest(make_item("A1"));

  // One item fails inside its batch (two resources with one name break resources' key): its
  // savepoint is rolled back, the other item stands.
  auto bad = make_item("BAD", "v1", "pb");
  bad.resources.push_back(bad.resources.front());
  std::vector<IngestItem> items;
  items.push_back(std::move(bad));
  items.push_back(make_item("OK1", "v1", "pc"));
  const auto out = s.ingest(std::move(items));
  REQUIRE(out.size() == 2);
  CHECK(out[0].kind == IngestOutcome::Kind::kFailed);
  CHECK(out[1].kind == IngestOutcome::Kind::kCreated);
  CHECK_COUNTS_MATCH("failed item");

  // A whole transaction that does not commit: its claim and its ingest count for nothing.
  fail = true;
  CHECK(s.ingest(make_item("LOST")).kind == IngestOutcome::Kind::kFailed);
  CHECK(s.claim(kT0 + 10, 10).empty());
  fail = false;
  CHECK_COUNTS_MATCH("rolled back");
  CHECK(s.stats().pending == 2);
}

}  // namespace ilp::gateway::store
