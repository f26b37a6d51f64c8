// The store paths the console added (issue 19): every list filter shape answers the same rows a
// scan would (each uses its own index), by record id and until; retry_matching touches exactly
// the records of its status, facility and kind.

#include <catch2/catch.hpp>
#include <future>

#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::kT0;
using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;

const char* const kFacilities[] = {"pkm-a", "pkm-b"};
const char* const kKinds[] = {"visit", "anc", "lab"};

// 24 records: facility, kind and status vary; some end needs_correction.
void fill(Sync& s) {
  for (int i = 0; i < 24; ++i) {
    s.ingest(make_item("R" + std::to_string(i), "v" + std::to_string(i), "p" + std::to_string(i),
                       kT0 + i, kFacilities[i % 2], kKinds[i % 3]));
  }
  auto claimed = s.claim(kT0 + 100, 100);
  for (auto& r : claimed) {
    Completion c;
    c.id = r.id;
    c.revision = r.revision;
    c.status =
        std::stoi(r.record_id.substr(1)) % 4 == 0 ? Status::kNeedsCorrection : Status::kDelivered;
    c.now_ms = kT0 + 200 + std::stoi(r.record_id.substr(1));
    REQUIRE(s.complete(c));
  }
}

std::vector<std::string> all_pages(Sync& s, ListQuery q) {
  std::vector<std::string> out;
  q.limit = 5;
  for (int pages = 0; pages < 50; ++pages) {
    auto page = s.list(q);
    for (const auto& r : page.records) out.push_back(r.record_id);
    if (page.next_cursor.empty()) break;
    q.cursor = page.next_cursor;
  }
  return out;
}

TEST_CASE("every list filter shape gives exactly the matching records, newest change first",
          "[unit][console]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  fill(s);
  struct Shape {
    std::string facility, kind;
    std::optional<Status> status;
  };
  const std::vector<Shape> shapes = {{"", "", std::nullopt},
                                     {"pkm-a", "", std::nullopt},
                                     {"", "anc", std::nullopt},
                                     {"pkm-b", "lab", std::nullopt},
                                     {"", "", Status::kNeedsCorrection},
                                     {"pkm-a", "", Status::kNeedsCorrection},
                                     {"", "visit", Status::kDelivered},
                                     {"pkm-a", "visit", Status::kNeedsCorrection}};
  for (const auto& shape : shapes) {
    ListQuery q;
    q.facility = shape.facility;
    q.kind = shape.kind;
    q.status = shape.status;
    std::vector<std::string> expected;
    for (int i = 23; i >= 0; --i) {  // updated_ms grows with i
      const bool nc = i % 4 == 0;
      if (!shape.facility.empty() && shape.facility != kFacilities[i % 2]) continue;
      if (!shape.kind.empty() && shape.kind != kKinds[i % 3]) continue;
      if (shape.status && *shape.status != (nc ? Status::kNeedsCorrection : Status::kDelivered)) {
        continue;
      }
      expected.push_back("R" + std::to_string(i));
    }
    INFO(shape.facility << " " << shape.kind);
    CHECK(all_pages(s, q) == expected);
  }
}

TEST_CASE("list by record id and until", "[unit][console]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  fill(s);
  ListQuery by_id;
  by_id.record_id = "R7";
  CHECK(all_pages(s, by_id) == std::vector<std::string>{"R7"});
  ListQuery until;
  until.until_ms = kT0 + 203;  // R0, R1, R2 changed before then
  until.since_ms = kT0 + 201;
  CHECK(all_pages(s, until) == std::vector<std::string>{"R2", "R1"});
}

TEST_CASE("retry_matching re-queues exactly the records of its status, facility and kind",
          "[unit][console]") {
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  fill(s);
  int n = 0;
  auto retry = [&](Store::RetryFilter f) {
    std::promise<int> p;
    store.retry_matching(std::move(f), kT0 + 1000, [&](int c) { p.set_value(c); });
    return p.get_future().get();
  };
  // needs_correction: R0 R4 R8 R12 R16 R20; of pkm-a (even): all of them; kind visit: i%3==0.
  n = retry({Status::kNeedsCorrection, "pkm-a", "visit"});
  CHECK(n == 2);  // R0, R12
  ListQuery queued;
  queued.status = Status::kQueued;
  CHECK(all_pages(s, queued) == std::vector<std::string>{"R12", "R0"});
  CHECK(retry({Status::kDelivered, "", ""}) == 0);  // not re-sendable
  CHECK(retry({Status::kNeedsCorrection, "", ""}) == 4);
}

}  // namespace
}  // namespace ilp::gateway::store
