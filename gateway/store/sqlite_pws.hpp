#pragma once
// The PWS facts tables (schema 5, keyed for their writes in 6): what delivered records count
// for, kept up to date in the transaction that records the delivery. Synchronous SQL on the
// store's connection; throws on failure like SqliteOps (the caller rolls back).
//
//   pws_persons  one row per patient key (the store's pseudonym, never a NIK) with the village
//                the person is counted in: the address of their latest record that gives one,
//                else the village of their latest record's location (docs/pws.md), and which
//                record decided it, so a new record is compared with that one alone;
//   pws_records  one row per counted record, keyed (person, record_seq): day, villages, which
//                events — the person's village history, and what to delete when replaced;
//   pws_facts    one row per event, keyed (facility, event, day, record_seq, …) for the month
//                queries: the table is its own index.
//
// records.pws_person names the person the record's counted facts belong to (NULL: none), so
// a replacement finds its pws_records row without an index on record_seq.
//
// Cost per delivered record with one event (tests/bench/pws_bench): one person lookup unless
// PwsPersonCache has the person (plus a row write when this record decides the village), one
// pws_records and one pws_facts insert; the records row itself is rewritten by the completion
// anyway. (Folding pws_records into the records row was measured and did not pay: README, PWS.)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/pws/report.hpp"
#include "gateway/store/sqlite_db.hpp"

namespace ilp::gateway::store {

struct PwsDecider {  // the record that decides a person's village
  bool from_address = false;
  int day = 0;
  std::int64_t seq = 0;  // 0: none
  std::string village;
};

// The persons of recent deliveries by patient key, with their decider: what a delivery
// otherwise reads from pws_persons (a seek in its patient_key index and one in the table, and
// the statement's reset: a fifth of what PWS adds per delivered record, README). A patient's
// records of one visit usually arrive together, so most deliveries find their person here.
//
// It mirrors rows that the open transaction may still roll back: whoever rolls back the
// writer's transaction, or a savepoint in it, after a completion calls clear() (SqliteOps::
// rolled_back and rolled_back_to, from SqliteStore::run_writes). Two generations of at most
// kGeneration entries (about 170 bytes each): when the newer is full it becomes the older, so
// memory stays bounded and the persons met lately stay.
class PwsPersonCache {
 public:
  struct Entry {
    std::int64_t person = 0;
    PwsDecider decider;
  };
  static constexpr std::size_t kGeneration = 16384;

  // A copy: the entry may move between generations.
  std::optional<Entry> find(std::string_view patient_key);
  void put(std::string_view patient_key, Entry e);
  void clear() {
    newer_.clear();
    older_.clear();
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;
  Map newer_;
  Map older_;
};

class SqlitePws {
 public:
  // `cache` (may be null) belongs to the same connection and outlives this object.
  explicit SqlitePws(SqliteDb& db, PwsPersonCache* cache = nullptr) : db_(db), cache_(cache) {}

  // Replaces the counted facts of record `seq` (those of `old_person`, when it has some) with
  // `encoded` (pws::encode form; a form decode() refuses counts as no facts), counted for
  // `patient_key`'s person. Returns the person they now count for (the new records.pws_person);
  // nullopt when they count for nothing. An empty key counts nothing: a count of persons needs
  // a person.
  std::optional<std::int64_t> apply(std::int64_t seq, std::optional<std::int64_t> old_person,
                                    std::string_view patient_key, std::string_view facility,
                                    std::string_view encoded);
  std::vector<pws::FactRow> read(const std::vector<std::string>& facilities,
                                 const std::vector<pws::Window>& windows);

 private:
  using Decider = PwsDecider;
  // Removes record `seq`'s rows of `person`; true when that record decided the person's village.
  bool forget(std::int64_t seq, std::int64_t person);
  // The person's village from their remaining records (the rare path: the decider went away).
  Decider recompute(std::int64_t person);
  void write_decider(std::int64_t person, const Decider& d);
  // recompute() for a person other than the delivery's own, whose cache entry it outdates.
  void forget_person_cache(std::int64_t person);

  SqliteDb& db_;
  PwsPersonCache* cache_;
};

}  // namespace ilp::gateway::store
