#include "gateway/store/sqlite_pws.hpp"

#include <algorithm>
#include <tuple>

#include "gateway/pws/record_facts.hpp"

namespace ilp::gateway::store {

std::optional<PwsPersonCache::Entry> PwsPersonCache::find(std::string_view patient_key) {
  if (const auto it = newer_.find(patient_key); it != newer_.end()) return it->second;
  const auto it = older_.find(patient_key);
  if (it == older_.end()) return std::nullopt;
  Entry e = it->second;
  put(patient_key, e);  // met again: into the newer generation
  return e;
}

void PwsPersonCache::put(std::string_view patient_key, Entry e) {
  if (const auto it = newer_.find(patient_key); it != newer_.end()) {
    it->second = std::move(e);
    return;
  }
  if (newer_.size() >= kGeneration) {
    older_ = std::move(newer_);
    newer_ = Map();
  } else if (const auto it = older_.find(patient_key); it != older_.end()) {
    older_.erase(it);  // one entry per key, so the newer generation is found first
  }
  newer_.emplace(std::string(patient_key), std::move(e));
}

bool SqlitePws::forget(std::int64_t seq, std::int64_t person) {
  std::string facility;
  int day = 0;
  std::int64_t events = 0;
  {
    auto q = db_.query(
        "SELECT facility, day, events FROM pws_records WHERE person = ?1 AND record_seq = ?2");
    q.bind_all(person, seq);
    if (!q.step()) return false;
    facility = q.text(0);
    day = q.int32(1);
    events = q.int64(2);
  }
  // One probe of pws_facts' key per event the record had.
  for (int e = 1; e <= pws::kMaxEvent; ++e) {
    if ((events & (std::int64_t{1} << e)) == 0) continue;
    db_.query(
           "DELETE FROM pws_facts WHERE facility = ?1 AND event = ?2 AND day = ?3 "
           "AND record_seq = ?4")
        .bind_all(facility, e, day, seq)
        .run();
  }
  db_.query("DELETE FROM pws_records WHERE person = ?1 AND record_seq = ?2")
      .bind_all(person, seq)
      .run();
  auto q = db_.query("SELECT village_seq FROM pws_persons WHERE person = ?1");
  q.bind_all(person);
  return q.step() && q.int64(0) == seq;
}

void SqlitePws::forget_person_cache(std::int64_t person) {
  recompute(person);
  // The cache is keyed by patient key, which is not known here: a rare path (a record moved to
  // another person, or withdrawn, and it had decided the village).
  if (cache_ != nullptr) cache_->clear();
}

void SqlitePws::write_decider(std::int64_t person, const Decider& d) {
  db_.query(
         "UPDATE pws_persons SET village = ?2, village_day = ?3, village_seq = ?4, "
         "village_address = ?5 WHERE person = ?1")
      .bind_all(person, d.village, d.day, d.seq, d.from_address ? 1 : 0)
      .run();
}

SqlitePws::Decider SqlitePws::recompute(std::int64_t person) {
  Decider d;
  {
    auto q = db_.query(R"sql(
SELECT address_village != '', day, record_seq,
       CASE WHEN address_village != '' THEN address_village ELSE location_village END
FROM pws_records
WHERE person = ?1 AND (address_village != '' OR location_village != '')
ORDER BY address_village != '' DESC, day DESC, record_seq DESC LIMIT 1)sql");
    q.bind_all(person);
    if (q.step()) {
      d.from_address = q.int64(0) != 0;
      d.day = q.int32(1);
      d.seq = q.int64(2);
      d.village = q.text(3);
    }
  }
  write_decider(person, d);
  return d;
}

std::optional<std::int64_t> SqlitePws::apply(std::int64_t seq,
                                             std::optional<std::int64_t> old_person,
                                             std::string_view patient_key,
                                             std::string_view facility, std::string_view encoded) {
  const bool old_decided = old_person && forget(seq, *old_person);
  const auto facts = pws::decode(encoded);
  if (!facts || patient_key.empty()) {
    if (old_decided) forget_person_cache(*old_person);
    return std::nullopt;
  }
  std::int64_t person = 0;
  Decider current;
  if (auto hit = cache_ != nullptr ? cache_->find(patient_key) : std::nullopt) {
    person = hit->person;
    current = std::move(hit->decider);
  } else {
    auto q = db_.query(
        "SELECT person, village, village_day, village_seq, village_address FROM pws_persons "
        "WHERE patient_key = ?1");
    q.bind_all(patient_key);
    if (q.step()) {
      person = q.int64(0);
      current.village = q.text(1);
      current.day = q.int32(2);
      current.seq = q.int64(3);
      current.from_address = q.int64(4) != 0;
    }
  }
  // The village is decided by the record with an address, then the latest day, then the
  // latest accepted: this record replaces the decider only when it comes after it.
  Decider mine;
  mine.from_address = !facts->address_village.empty();
  mine.village = mine.from_address ? facts->address_village : facts->location_village;
  mine.day = facts->day;
  mine.seq = mine.village.empty() ? 0 : seq;
  if (person == 0) {  // a new person, whose village this record decides (if it tells one)
    // Not RETURNING: SQLite buffers returned rows in a temporary B-tree, measured (callgrind)
    // at more instructions than the insert itself.
    db_.query(
           "INSERT INTO pws_persons (patient_key, village, village_day, village_seq, "
           "village_address) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind_all(patient_key, mine.village, mine.seq == 0 ? 0 : mine.day, mine.seq,
                  mine.from_address ? 1 : 0)
        .run();
    person = sqlite3_last_insert_rowid(db_.handle());
    current = mine;
  }
  std::int64_t events = 0;
  for (const auto& e : facts->events) events |= std::int64_t{1} << static_cast<int>(e.event);
  db_.query(
         "INSERT INTO pws_records (person, record_seq, facility, day, events, address_village, "
         "location_village) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind_all(person, seq, facility, facts->day, events, facts->address_village,
                facts->location_village)
      .run();
  for (const auto& e : facts->events) {
    // OR IGNORE: the same event twice in one record is one fact (counts are of persons).
    db_.query(
           "INSERT OR IGNORE INTO pws_facts (facility, event, day, record_seq, value, episode, "
           "person) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind_all(facility, static_cast<int>(e.event), facts->day, seq, e.value, e.episode, person)
        .run();
  }
  if (old_decided && *old_person == person) {
    current = recompute(person);  // the record that decided was this one's earlier revision
  } else {
    const auto rank = [](const Decider& d) { return std::tuple(d.from_address, d.day, d.seq); };
    if (mine.seq != 0 && (current.seq == 0 || rank(mine) > rank(current))) {
      write_decider(person, mine);
      current = std::move(mine);
    }
  }
  if (old_decided && *old_person != person) forget_person_cache(*old_person);
  if (cache_ != nullptr) cache_->put(patient_key, {person, std::move(current)});
  return person;
}

std::vector<pws::FactRow> SqlitePws::read(const std::vector<std::string>& facilities,
                                          const std::vector<pws::Window>& windows) {
  std::vector<pws::FactRow> out;
  for (const auto& facility : facilities) {
    for (const auto& w : windows) {
      auto q = db_.query(
          "SELECT person, day, value, episode FROM pws_facts "
          "WHERE facility = ?1 AND event = ?2 AND day BETWEEN ?3 AND ?4");
      q.bind_all(facility, static_cast<int>(w.event), w.first_day, w.last_day);
      while (q.step()) out.push_back({w.event, q.int64(0), q.int32(1), q.int64(2), q.text(3), {}});
    }
  }
  // The villages of the persons met, looked up in person order (neighbouring pages) instead of
  // one probe per fact row in the facts' order: the year of a province meets each person a few
  // times, at random pages of pws_persons (README, PWS).
  std::vector<std::int64_t> persons;
  persons.reserve(out.size());
  for (const auto& r : out) persons.push_back(r.person);
  std::sort(persons.begin(), persons.end());
  persons.erase(std::unique(persons.begin(), persons.end()), persons.end());
  std::vector<std::string> villages(persons.size());
  std::vector<bool> known(persons.size(), false);
  std::int64_t last_person = 0;
  {
    auto q = db_.query("SELECT max(person) FROM pws_persons");
    if (q.step() && !q.is_null(0)) last_person = q.int64(0);
  }
  if (static_cast<std::int64_t>(persons.size()) * 8 >= last_person) {
    // Many of them (a year of all facilities): one pass over the table, in person order.
    auto q = db_.query("SELECT person, village FROM pws_persons ORDER BY person");
    std::size_t k = 0;
    while (k < persons.size() && q.step()) {
      const auto person = q.int64(0);
      while (k < persons.size() && persons[k] < person) ++k;
      if (k < persons.size() && persons[k] == person) {
        villages[k] = q.text(1);
        known[k] = true;
        ++k;
      }
    }
  } else {
    for (std::size_t k = 0; k < persons.size(); ++k) {
      auto q = db_.query("SELECT village FROM pws_persons WHERE person = ?1");
      q.bind_all(persons[k]);
      if (!q.step()) continue;
      villages[k] = q.text(0);
      known[k] = true;
    }
  }
  // A fact whose person is not there counts nothing (as the join that read them did).
  std::erase_if(out, [&](pws::FactRow& r) {
    const auto k = static_cast<std::size_t>(
        std::lower_bound(persons.begin(), persons.end(), r.person) - persons.begin());
    if (!known[k]) return true;
    r.village = villages[k];
    return false;
  });
  return out;
}

}  // namespace ilp::gateway::store
