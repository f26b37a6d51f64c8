// ilp-gateway migrate --to-postgres, at the store level (gateway/store/pg/sqlite_import): an
// SQLite store's records, history, server ids, cache and PWS facts read back the same from a
// PgStore; an attempt in flight comes over as retrying with maybe_sent; a database that holds
// anything is refused and left as it was; the SQLite file is not changed.
#include "gateway/store/pg/sqlite_import.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "gateway/pws/record_facts.hpp"
#include "gateway/store/pg/pg_connection.hpp"
#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {
using namespace testing;

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::unique_ptr<pg::PgStore> open_pg(const std::string& conninfo) {
  pg::PgStore::Options o;
  o.conninfo = conninfo;
  o.instance_id = "import-test";
  o.heartbeat_ms = 0;
  return std::make_unique<pg::PgStore>(o);
}

pg::ImportOutcome import_into(const std::string& sqlite, const std::string& conninfo,
                              std::int64_t now_ms) {
  std::string error;
  auto conn = pg::PgConnection::connect(conninfo, error);
  INFO(error);
  REQUIRE(conn);
  return pg::import_sqlite_store(sqlite, *conn, now_ms);
}

void same_record(const Record& a, const Record& b) {
  CHECK(a.id == b.id);
  CHECK(a.facility == b.facility);
  CHECK(a.kind == b.kind);
  CHECK(a.record_id == b.record_id);
  CHECK(a.revision == b.revision);
  CHECK(a.status == b.status);
  CHECK(a.attempts == b.attempts);
  CHECK(a.next_attempt_at_ms == b.next_attempt_at_ms);
  CHECK(a.last_error == b.last_error);
  CHECK(a.content_hash == b.content_hash);
  CHECK(a.input_json == b.input_json);
  CHECK(a.bundle_json == b.bundle_json);
  CHECK(a.patient_key == b.patient_key);
  CHECK(a.delivered_revision == b.delivered_revision);
  CHECK(a.maybe_sent == b.maybe_sent);
  CHECK(a.created_ms == b.created_ms);
  CHECK(a.updated_ms == b.updated_ms);
  CHECK(a.seq == b.seq);
  REQUIRE(a.resources.size() == b.resources.size());
  for (std::size_t i = 0; i < a.resources.size(); ++i) {
    CHECK(a.resources[i].name == b.resources[i].name);
    CHECK(a.resources[i].type == b.resources[i].type);
    CHECK(a.resources[i].local == b.resources[i].local);
    CHECK(a.resources[i].server_id == b.resources[i].server_id);
  }
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    CHECK(a.history[i].at_ms == b.history[i].at_ms);
    CHECK(a.history[i].status == b.history[i].status);
    CHECK(a.history[i].note == b.history[i].note);
  }
}

}  // namespace

TEST_CASE(
    "an SQLite store moved into PostgreSQL reads back the same, and an attempt in flight comes "
    "over as retrying to be checked at the platform",
    "[unit][pg]") {
  TempDir dir;
  const auto conninfo = pg_cluster().create_database("import_full");
  pws::RecordFacts facts;
  facts.day = pws::day_number(2025, 3, 5);
  facts.location_village = "3204012001";
  facts.events = {{pws::Event::kAncK1, 1, "H1"}};
  std::vector<std::string> ids;
  std::string in_flight;
  {
    SqliteStore sqlite(options(dir));
    Sync s(sqlite);
    auto anc = make_item("ANC-1", "a1", "patient-1", kT0, "pkm-sukamaju", "anc");
    anc.pws_facts = pws::encode(facts);
    ids.push_back(s.ingest(anc).id);
    ids.push_back(s.ingest(make_item("V-2", "b1", "patient-1", kT0 + 1)).id);
    ids.push_back(s.ingest(make_item("V-3", "c1", "patient-2", kT0 + 2)).id);
    ids.push_back(s.ingest(make_item("V-4", "d1", "patient-3", kT0 + 3)).id);
    // ANC-1 delivered with server ids, V-3 refused, V-4 left sending (the gateway "died").
    auto claimed = s.claim(kT0 + 10);
    REQUIRE(claimed.size() == 3);  // V-2 waits behind ANC-1 (same patient)
    for (const auto& r : claimed) {
      if (r.record_id == "ANC-1") {
        REQUIRE(s.complete(delivered(r, kT0 + 20, {{"encounter", "Encounter", "", "enc-1"}})));
      } else if (r.record_id == "V-3") {
        REQUIRE(s.complete(failed_with(r, Status::kNeedsCorrection, kT0 + 20)));
      } else {
        in_flight = r.id;
      }
    }
    // ANC-1 revised after delivery: revision 2 queued, to go as an update.
    auto anc2 = make_item("ANC-1", "a2", "patient-1", kT0 + 30, "pkm-sukamaju", "anc");
    anc2.pws_facts = pws::encode(facts);
    REQUIRE(s.ingest(anc2).revision == 2);
    REQUIRE(s.cache_put("Patient", "key-1", "P0001", kT0 + 40));
  }
  std::vector<Record> before;
  {
    SqliteStore sqlite(options(dir));
    Sync s(sqlite);
    for (const auto& id : ids) before.push_back(*s.get(id));
  }
  const auto bytes = file_bytes(dir.db());

  const std::int64_t now = kT0 + 100'000;
  const auto out = import_into(dir.db(), conninfo, now);
  INFO(out.message);
  REQUIRE(out.kind == pg::ImportOutcome::Kind::kMoved);
  CHECK(out.counts.records == 4);
  CHECK(out.counts.in_flight == 1);
  CHECK(out.counts.cache == 1);
  CHECK(out.counts.pws_persons == 1);
  CHECK(out.counts.pws_facts == 1);
  CHECK(file_bytes(dir.db()) == bytes);  // the SQLite store is only read

  auto hub = open_pg(conninfo);
  Sync h(*hub);
  for (const auto& b : before) {
    INFO(b.record_id);
    auto a = h.get(b.id);
    REQUIRE(a);
    if (b.id != in_flight) {
      same_record(*a, b);
      continue;
    }
    // What recover() makes of it after a restart: retrying, due now, checked first.
    CHECK(a->status == Status::kRetrying);
    CHECK(a->maybe_sent);
    CHECK(a->next_attempt_at_ms == now);
    REQUIRE(a->history.size() == b.history.size() + 1);
    CHECK(a->history.back().status == Status::kRetrying);
    CHECK(a->history.back().note.find("check the platform") != std::string::npos);
  }
  CHECK(h.cache_get("Patient", "key-1") == std::optional<std::string>("P0001"));
  // The PWS count came over (ANC-1's delivered revision 1).
  auto rows = wait_result<ReadResult<std::vector<pws::FactRow>>>([&](auto done) {
    hub->pws_facts({"pkm-sukamaju"}, {{pws::Event::kAncK1, facts.day, facts.day}}, std::move(done));
  });
  REQUIRE(rows.is_found());
  CHECK(rows.value().size() == 1);

  // The hub carries on: order per patient (V-2 behind ANC-1's revision 2), new records after
  // the moved ones in acceptance order.
  const auto next = h.ingest(make_item("V-5", "e1", "patient-9", now));
  CHECK(h.get(next.id)->seq > before.back().seq);
  auto claimed = h.claim(now + 1);
  std::set<std::string> claimed_ids;
  for (const auto& r : claimed) claimed_ids.insert(r.record_id);
  CHECK(claimed_ids == std::set<std::string>{"ANC-1", "V-4", "V-5"});
}

TEST_CASE("migrate refuses a PostgreSQL database that already holds records and changes nothing",
          "[unit][pg]") {
  TempDir dir;
  const auto conninfo = pg_cluster().create_database("import_busy");
  {
    SqliteStore sqlite(options(dir));
    Sync s(sqlite);
    s.ingest(make_item("V-1"));
  }
  {
    auto hub = open_pg(conninfo);
    Sync h(*hub);
    h.ingest(make_item("HUB-1", "other", "patient-7"));
  }
  const auto out = import_into(dir.db(), conninfo, kT0 + 1000);
  CHECK(out.kind == pg::ImportOutcome::Kind::kRefused);
  CHECK_THAT(out.message, Catch::Contains("not empty") && Catch::Contains("1 record(s)"));
  auto hub = open_pg(conninfo);
  Sync h(*hub);
  CHECK(h.stats().rows.size() == 1);
  CHECK_FALSE(h.find("pkm-sukamaju", "visit", "V-1"));
}

TEST_CASE("migrate refuses an SQLite store that is not there", "[unit][pg]") {
  TempDir dir;
  const auto conninfo = pg_cluster().create_database("import_none");
  const auto out = import_into((dir.path() / "missing.db").string(), conninfo, kT0);
  CHECK(out.kind == pg::ImportOutcome::Kind::kRefused);
  CHECK_THAT(out.message, Catch::Contains("no SQLite store"));
}

}  // namespace ilp::gateway::store
