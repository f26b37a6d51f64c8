// The PWS facts tables (gateway/store/sqlite_pws): written in the transaction of the delivery,
// replaced by a later delivered revision, and the village rule kept per person.
#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "gateway/pws/record_facts.hpp"
#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {
using namespace testing;
using pws::Event;

const std::string kA = "3204012001";
const std::string kB = "3204012002";
const std::string kC = "3204012003";
const std::string kD = "3204012004";

std::string facts(int day, std::vector<pws::FactEvent> events, std::string address = "",
                  std::string location = "") {
  pws::RecordFacts f;
  f.day = day;
  f.address_village = std::move(address);
  f.location_village = std::move(location);
  f.events = std::move(events);
  return pws::encode(f);
}

int march(unsigned day) { return pws::day_number(2025, 3, day); }

IngestItem item(const std::string& record_id, const std::string& content,
                std::optional<std::string> pws_facts, const std::string& patient = "patient-1",
                const std::string& facility = "pkm-sukamaju") {
  auto i = make_item(record_id, content, patient, kT0, facility, "anc");
  i.pws_facts = std::move(pws_facts);
  return i;
}

// The contract cases run on both stores (STORE_BACKENDS); the schema-step cases below are
// SQLite's own.
struct Fixture {
  explicit Fixture(Backend b) : owned(open_store(b, dir)) {}
  TempDir dir;
  std::unique_ptr<Store> owned;
  Store& store = *owned;
  Sync s{store};
  std::int64_t now = kT0 + 1000;

  // Claims every due record and reports each delivered (a patient's records one at a time).
  void deliver_all() {
    for (;;) {
      now += 1000;
      const auto claimed = s.claim(now);
      if (claimed.empty()) return;
      for (const auto& r : claimed) REQUIRE(s.complete(delivered(r, now)));
    }
  }
  std::vector<pws::FactRow> rows(std::vector<std::string> facilities = {"pkm-sukamaju"},
                                 int first = march(1), int last = march(31)) {
    std::vector<pws::Window> windows;
    for (int e = 1; e <= pws::kMaxEvent; ++e) {
      windows.push_back({static_cast<Event>(e), first, last});
    }
    auto r = wait_result<ReadResult<std::vector<pws::FactRow>>>(
        [&](auto done) { store.pws_facts(facilities, windows, std::move(done)); });
    INFO(r.error());
    REQUIRE(r.is_found());
    return std::move(r).value();
  }
};

}  // namespace

TEST_CASE("PWS facts count only once their revision is delivered", "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  f.s.ingest(item("ANC-1", "v1", facts(march(5), {{Event::kAncK1, 1, "H1"}}, "", kA)));
  CHECK(f.rows().empty());  // queued: SATUSEHAT has nothing yet
  f.deliver_all();
  const auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].event == Event::kAncK1);
  CHECK(rows[0].day == march(5));
  CHECK(rows[0].episode == "H1");
  CHECK(rows[0].village == kA);
}

TEST_CASE("A refused record's facts do not count", "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  f.s.ingest(item("ANC-1", "v1", facts(march(5), {{Event::kAncK1, 1, "H1"}}, "", kA)));
  for (const auto& r : f.s.claim(f.now)) {
    REQUIRE(f.s.complete(failed_with(r, Status::kNeedsCorrection, f.now)));
  }
  CHECK(f.rows().empty());
}

TEST_CASE("A delivered revision's facts are replaced when the next revision is delivered",
          "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  f.s.ingest(item("ANC-1", "v1", facts(march(5), {{Event::kAncK1, 1, "H1"}}, "", kA)));
  f.deliver_all();
  f.s.ingest(item("ANC-1", "v2", facts(march(6), {{Event::kAncK4, 4, "H1"}}, "", kA)));
  auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].event == Event::kAncK1);  // SATUSEHAT still holds revision 1
  f.deliver_all();
  rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].event == Event::kAncK4);
  CHECK(rows[0].day == march(6));
}

TEST_CASE("A revision superseded before it was sent never counts", "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  f.s.ingest(item("ANC-1", "v1", facts(march(5), {{Event::kAncK1, 1, "H1"}}, "", kA)));
  f.s.ingest(item("ANC-1", "v2", facts(march(5), {{Event::kAncK4, 4, "H1"}}, "", kA)));
  f.deliver_all();
  const auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].event == Event::kAncK4);
}

TEST_CASE("A delivered revision that counts for nothing withdraws the record's facts", "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  f.s.ingest(item("ANC-1", "v1", facts(march(5), {{Event::kAncK1, 1, "H1"}}, "", kA)));
  f.deliver_all();
  f.s.ingest(item("ANC-1", "v2", std::nullopt));
  f.deliver_all();
  CHECK(f.rows().empty());
}

TEST_CASE("A record delivered months late counts on the day of its service", "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  f.s.ingest(item("TB-1", "v1", facts(march(3), {{Event::kTbNotified, 0, ""}}, kA)));
  f.now += 90LL * 24 * 3600 * 1000;  // delivered in June
  f.deliver_all();
  const auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].day == march(3));
  CHECK(
      f.rows({"pkm-sukamaju"}, pws::day_number(2025, 6, 1), pws::day_number(2025, 6, 30)).empty());
}

TEST_CASE("A person counts in the village of their latest address, else their latest location",
          "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  f.s.ingest(item("R1", "v1", facts(march(1), {{Event::kAncK1, 1, "H"}}, kA, kC)));
  f.s.ingest(item("R2", "v1", facts(march(10), {{Event::kAncK4, 4, "H"}}, kB, kC)));
  f.s.ingest(item("R3", "v1", facts(march(20), {{Event::kAncK6, 6, "H"}}, "", kD)));
  // Q has no address anywhere: the latest location.
  f.s.ingest(item("Q1", "v1", facts(march(1), {{Event::kPtmScreened, 0, ""}}, "", kC), "q"));
  f.s.ingest(item("Q2", "v1", facts(march(5), {{Event::kTbNotified, 0, ""}}, "", kD), "q"));
  f.deliver_all();
  auto rows = f.rows();
  REQUIRE(rows.size() == 5);
  for (const auto& r : rows) {
    INFO(static_cast<int>(r.event));
    CHECK(r.village == (r.event == Event::kPtmScreened || r.event == Event::kTbNotified ? kD : kB));
  }
  // R2 corrected without its address: the latest address is R1's again.
  f.s.ingest(item("R2", "v2", facts(march(10), {{Event::kAncK4, 4, "H"}}, "", kC)));
  f.deliver_all();
  rows = f.rows();
  for (const auto& r : rows) {
    if (r.event == Event::kAncK1 || r.event == Event::kAncK4 || r.event == Event::kAncK6) {
      CHECK(r.village == kA);
    }
  }
}

TEST_CASE("Many records of few persons count each person in the village of their latest address",
          "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  // Person p: 28 records, one per day of March, ingested (and so delivered) latest day first,
  // addresses cycling over three villages; then records without an address at a fourth location
  // on the latest day, which must not displace an address. Person q: locations only.
  const std::string villages[] = {kA, kB, kC};
  for (int k = 27; k >= 0; --k) {
    f.s.ingest(item("P" + std::to_string(k), "v1",
                    facts(march(1 + k), {{Event::kAncK4, 4, "H"}}, villages[(k + 2) % 3], kD),
                    "p"));
  }
  f.s.ingest(item("PX", "v1", facts(march(28), {{Event::kAncK6, 6, "H"}}, "", kD), "p"));
  for (int k = 0; k < 10; ++k) {
    f.s.ingest(item("Q" + std::to_string(k), "v1",
                    facts(march(20 - k), {{Event::kTbNotified, 0, ""}}, "", villages[k % 3]), "q"));
  }
  f.deliver_all();
  const auto rows = f.rows();
  REQUIRE(rows.size() == 28 + 1 + 10);
  std::map<std::int64_t, std::set<std::string>> villages_of;  // person -> villages counted in
  for (const auto& r : rows) {
    villages_of[r.person].insert(r.village);
    // p's latest address is that of March 28 (k = 27: villages[29 % 3] = kC); q's latest
    // location is that of March 20 (k = 0: kA).
    CHECK(r.village == (r.event == Event::kTbNotified ? kA : kC));
  }
  REQUIRE(villages_of.size() == 2);
  for (const auto& [person, in] : villages_of) CHECK(in.size() == 1);
  // A revision of p's deciding record without its address: March 27's address (k = 26: kB)
  // decides now, for every one of p's facts.
  f.s.ingest(item("P27", "v2", facts(march(28), {{Event::kAncK4, 4, "H"}}, "", kD), "p"));
  f.deliver_all();
  for (const auto& r : f.rows()) CHECK(r.village == (r.event == Event::kTbNotified ? kA : kB));
}

TEST_CASE("Facts are read per facility, and a record without a patient key counts nothing",
          "[unit]") {
  STORE_BACKENDS();
  Fixture f(backend);
  f.s.ingest(item("T1", "v1", facts(march(3), {{Event::kTbNotified, 0, ""}}, kA), "p1"));
  f.s.ingest(
      item("T2", "v1", facts(march(3), {{Event::kTbNotified, 0, ""}}, kA), "p2", "pkm-tanjung"));
  f.s.ingest(item("T3", "v1", facts(march(3), {{Event::kTbNotified, 0, ""}}, kA), ""));
  f.deliver_all();
  CHECK(f.rows({"pkm-sukamaju"}).size() == 1);
  CHECK(f.rows({"pkm-tanjung"}).size() == 1);
  CHECK(f.rows({"pkm-sukamaju", "pkm-tanjung"}).size() == 2);
  const auto a = f.rows({"pkm-sukamaju"});
  const auto b = f.rows({"pkm-tanjung"});
  CHECK(a[0].person != b[0].person);
}

}  // namespace ilp::gateway::store

namespace ilp::gateway::store {
namespace {

// Puts the PWS tables of a schema-8 store back in their schema-5 form (rowid tables with
// separate indexes, no decider in pws_persons, no records.pws_person; payloads in the records
// row as before step 8), rows kept.
void back_to_schema_5(const std::string& path) {
  testing::exec_sql(path, std::string("BEGIN;") + testing::kUndoSchemaStep8 + R"sql(
CREATE TABLE old_r AS SELECT record_seq, person, facility, day, events, address_village,
  location_village FROM pws_records;
DROP TABLE pws_records;
CREATE TABLE pws_records (
  record_seq       INTEGER PRIMARY KEY,
  person           INTEGER NOT NULL,
  facility         TEXT    NOT NULL,
  day              INTEGER NOT NULL,
  events           INTEGER NOT NULL,
  address_village  TEXT    NOT NULL DEFAULT '',
  location_village TEXT    NOT NULL DEFAULT ''
);
INSERT INTO pws_records SELECT * FROM old_r;
DROP TABLE old_r;
CREATE INDEX pws_records_person ON pws_records (person, day);
CREATE TABLE old_f AS SELECT record_seq, facility, event, day, person, value, episode
  FROM pws_facts;
DROP TABLE pws_facts;
CREATE TABLE pws_facts (
  record_seq INTEGER NOT NULL,
  facility   TEXT    NOT NULL,
  event      INTEGER NOT NULL,
  day        INTEGER NOT NULL,
  person     INTEGER NOT NULL,
  value      INTEGER NOT NULL,
  episode    TEXT    NOT NULL
);
INSERT INTO pws_facts SELECT * FROM old_f;
DROP TABLE old_f;
CREATE INDEX pws_facts_window ON pws_facts (facility, event, day);
ALTER TABLE pws_persons DROP COLUMN village_day;
ALTER TABLE pws_persons DROP COLUMN village_seq;
ALTER TABLE pws_persons DROP COLUMN village_address;
ALTER TABLE records DROP COLUMN pws_person;
PRAGMA user_version = 5;
COMMIT;
)sql");
}

}  // namespace

// The village of each fact row, by event.
std::map<Event, std::string> villages_by_event(SqliteStore& store) {
  std::vector<pws::Window> windows;
  for (int e = 1; e <= pws::kMaxEvent; ++e) windows.push_back({static_cast<Event>(e), 0, 100000});
  auto r = wait_result<ReadResult<std::vector<pws::FactRow>>>(
      [&](auto done) { store.pws_facts({"pkm-sukamaju"}, windows, std::move(done)); });
  REQUIRE(r.is_found());
  std::map<Event, std::string> out;
  for (const auto& row : r.value()) out[row.event] = row.village;
  return out;
}

void deliver_all(Sync& s, std::int64_t& now) {
  for (;;) {
    now += 1000;
    const auto claimed = s.claim(now);
    if (claimed.empty()) return;
    for (const auto& r : claimed) REQUIRE(s.complete(delivered(r, now)));
  }
}

TEST_CASE("A schema-5 store keeps its counted facts and villages through schema step 6", "[unit]") {
  TempDir dir;
  std::int64_t now = kT0 + 1000;
  {
    SqliteStore store(options(dir));
    Sync s(store);
    s.ingest(item("R1", "v1", facts(march(1), {{Event::kAncK1, 1, "H"}}, kA, kC)));
    s.ingest(item("R2", "v1", facts(march(10), {{Event::kAncK4, 4, "H"}}, "", kC)));
    deliver_all(s, now);
  }
  back_to_schema_5(dir.db());
  SqliteStore store(options(dir));
  Sync s(store);
  using V = std::map<Event, std::string>;
  CHECK(villages_by_event(store) == V{{Event::kAncK1, kA}, {Event::kAncK4, kA}});
  // The migrated decider is R1 (the address): a later record with a location only keeps it.
  s.ingest(item("R3", "v1", facts(march(20), {{Event::kAncK6, 6, "H"}}, "", kD)));
  deliver_all(s, now);
  CHECK(villages_by_event(store) ==
        V{{Event::kAncK1, kA}, {Event::kAncK4, kA}, {Event::kAncK6, kA}});
  // R1 corrected without its address and its K1 (the migrated records.pws_person finds its rows):
  // the latest location decides.
  s.ingest(item("R1", "v2", facts(march(1), {{Event::kPtmScreened, 0, ""}}, "", kC)));
  deliver_all(s, now);
  CHECK(villages_by_event(store) ==
        V{{Event::kAncK4, kD}, {Event::kAncK6, kD}, {Event::kPtmScreened, kD}});
}

}  // namespace ilp::gateway::store

namespace ilp::gateway::store {

// The writer remembers the persons of recent deliveries (PwsPersonCache); a delivery whose
// transaction is rolled back must not leave its person there, or the next delivery of that
// patient would count for a person row that was never committed.
TEST_CASE("A delivery rolled back with its transaction leaves no person remembered", "[unit]") {
  TempDir dir;
  std::atomic<bool> fail_next{false};
  auto o = options(dir);
  o.fail_commit = [&] { return fail_next.exchange(false); };
  SqliteStore store(o);
  Sync s(store);
  std::int64_t now = kT0 + 1000;
  s.ingest(item("R1", "v1", facts(march(1), {{Event::kAncK1, 1, "H"}}, kA)));
  const auto claimed = s.claim(now);
  REQUIRE(claimed.size() == 1);
  fail_next = true;
  CHECK_FALSE(s.complete(delivered(claimed[0], now)));
  REQUIRE(s.complete(delivered(claimed[0], now + 1)));
  s.ingest(item("R2", "v1", facts(march(2), {{Event::kAncK4, 4, "H"}}, "", kB)));
  deliver_all(s, now);
  using V = std::map<Event, std::string>;
  CHECK(villages_by_event(store) == V{{Event::kAncK1, kA}, {Event::kAncK4, kA}});
}

}  // namespace ilp::gateway::store
