#pragma once
// The PWS facts tables (schema 5, keyed for their writes in 6, the per-record values moved to
// the records row in 10): what delivered records count for, kept up to date in the transaction
// that records the delivery. Synchronous SQL on the store's connection; throws on failure like
// SqliteOps (the caller rolls back).
//
//   pws_persons  one row per patient key (the store's pseudonym, never a NIK) with the village
//                the person is counted in: the address of their latest record that gives one,
//                else the village of their latest record's location (docs/pws.md), and which
//                record decided it, so a new record is compared with that one alone;
//   pws_records  one row per counted record, its key alone (person, record_seq): a person's
//                records, read when the record that decided their village goes away;
//   pws_facts    one row per event, keyed (facility, event, day, record_seq, …) for the month
//                queries: the table is its own index;
//   records      pws_person, pws_day, pws_events, pws_address_village, pws_location_village:
//                what the record's delivered revision counts for (pws_person NULL: nothing) —
//                the person's village history, and what to delete when it is replaced. The
//                completion rewrites the records row anyway: these cost no B-tree write of
//                their own.
//
// Cost per delivered record with one event (tests/bench/pws_bench): one person lookup (plus a
// row write when this record decides the village), one pws_records and one pws_facts insert.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/pws/report.hpp"
#include "gateway/store/sqlite_db.hpp"

namespace ilp::gateway::store {

class SqlitePws {
 public:
  // What a record's delivered revision counts for: its records.pws_* columns.
  struct Counted {
    std::optional<std::int64_t> person;  // nullopt: nothing (the other fields are empty)
    int day = 0;
    std::int64_t events = 0;  // bit n set: an event n row is in pws_facts
    std::string address_village;
    std::string location_village;
  };

  explicit SqlitePws(SqliteDb& db) : db_(db) {}

  // Replaces the counted facts of record `seq` (`old`, what its records row says it counts
  // for) with `encoded` (pws::encode form; a form decode() refuses counts as no facts), counted
  // for `patient_key`'s person. Returns what the record counts for now, for its records row
  // (which the caller writes; until then the row still holds `old`). An empty key counts
  // nothing: a count of persons needs a person.
  Counted apply(std::int64_t seq, const Counted& old, std::string_view patient_key,
                std::string_view facility, std::string_view encoded);
  std::vector<pws::FactRow> read(const std::vector<std::string>& facilities,
                                 const std::vector<pws::Window>& windows);

 private:
  struct Decider {  // the record that decides a person's village
    bool from_address = false;
    int day = 0;
    std::int64_t seq = 0;  // 0: none
    std::string village;
  };
  // Removes record `seq`'s facts (`old`); true when that record decided the person's village.
  bool forget(std::int64_t seq, const Counted& old, std::string_view facility);
  // The person's village from their records other than `seq` and, when given, `mine` (this
  // record's new revision, not yet in its row): the rare path, the decider went away.
  void recompute(std::int64_t person, std::int64_t seq, const Decider* mine);
  void write_decider(std::int64_t person, const Decider& d);
  void drop_record(std::int64_t person, std::int64_t seq);  // its pws_records row

  SqliteDb& db_;
};

}  // namespace ilp::gateway::store
