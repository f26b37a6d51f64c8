#pragma once
// The PWS facts tables (schema 5): what delivered records count for, kept up to date in the
// transaction that records the delivery. Synchronous SQL on the store's connection; throws on
// failure like SqliteOps (the caller rolls back).
//
//   pws_persons  one row per patient key (the store's pseudonym, never a NIK) with the village
//                the person is counted in: the address of their latest record that gives one,
//                else the village of their latest record's location (docs/pws.md);
//   pws_records  one row per delivered record with facts: day, villages, which events;
//   pws_facts    one row per event, indexed by (facility, event, day) for the month queries.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/pws/report.hpp"
#include "gateway/store/sqlite_db.hpp"

namespace ilp::gateway::store {

class SqlitePws {
 public:
  explicit SqlitePws(SqliteDb& db) : db_(db) {}

  // Replaces the facts of record `seq` with `encoded` (pws::encode form; a form decode() refuses
  // counts as no facts), counted for `patient_key`'s person. An empty key counts nothing: a
  // count of persons needs a person.
  void apply(std::int64_t seq, std::string_view patient_key, std::string_view facility,
             std::string_view encoded);
  std::vector<pws::FactRow> read(const std::vector<std::string>& facilities,
                                 const std::vector<pws::Window>& windows);

 private:
  void forget(std::int64_t seq, std::int64_t& person);
  void place(std::int64_t person);

  SqliteDb& db_;
};

}  // namespace ilp::gateway::store
