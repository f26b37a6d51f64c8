#include "gateway/store/sqlite_pws.hpp"

#include "gateway/pws/record_facts.hpp"

namespace ilp::gateway::store {

void SqlitePws::forget(std::int64_t seq, std::int64_t& person) {
  std::string facility;
  int day = 0;
  std::int64_t events = 0;
  {
    auto q =
        db_.query("SELECT person, facility, day, events FROM pws_records WHERE record_seq = ?1");
    q.bind_all(seq);
    if (!q.step()) return;
    person = q.int64(0);
    facility = q.text(1);
    day = q.int32(2);
    events = q.int64(3);
  }
  // One probe of pws_facts_window per event the record had, instead of an index on record_seq
  // that every fact would pay for.
  for (int e = 1; e <= pws::kMaxEvent; ++e) {
    if ((events & (std::int64_t{1} << e)) == 0) continue;
    db_.query(
           "DELETE FROM pws_facts WHERE facility = ?1 AND event = ?2 AND day = ?3 "
           "AND record_seq = ?4")
        .bind_all(facility, e, day, seq)
        .run();
  }
  db_.query("DELETE FROM pws_records WHERE record_seq = ?1").bind_all(seq).run();
}

void SqlitePws::place(std::int64_t person) {
  db_.query(R"sql(
UPDATE pws_persons SET village = COALESCE((
  SELECT CASE WHEN address_village != '' THEN address_village ELSE location_village END
  FROM pws_records
  WHERE person = ?1 AND (address_village != '' OR location_village != '')
  ORDER BY address_village != '' DESC, day DESC, record_seq DESC LIMIT 1), '')
WHERE person = ?1)sql")
      .bind_all(person)
      .run();
}

void SqlitePws::apply(std::int64_t seq, std::string_view patient_key, std::string_view facility,
                      std::string_view encoded) {
  std::int64_t old_person = 0;
  forget(seq, old_person);
  const auto facts = pws::decode(encoded);
  if (!facts || patient_key.empty()) {
    if (old_person != 0) place(old_person);
    return;
  }
  std::int64_t person = 0;
  {
    auto q = db_.query(
        "INSERT INTO pws_persons (patient_key) VALUES (?1) ON CONFLICT (patient_key) "
        "DO UPDATE SET patient_key = excluded.patient_key RETURNING person");
    q.bind_all(patient_key);
    if (!q.step()) throw std::runtime_error("pws_persons: no person returned");
    person = q.int64(0);
  }
  std::int64_t events = 0;
  for (const auto& e : facts->events) events |= std::int64_t{1} << static_cast<int>(e.event);
  db_.query(
         "INSERT INTO pws_records (record_seq, person, facility, day, events, address_village, "
         "location_village) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind_all(seq, person, facility, facts->day, events, facts->address_village,
                facts->location_village)
      .run();
  for (const auto& e : facts->events) {
    db_.query(
           "INSERT INTO pws_facts (record_seq, facility, event, day, person, value, episode) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind_all(seq, facility, static_cast<int>(e.event), facts->day, person, e.value, e.episode)
        .run();
  }
  place(person);
  if (old_person != 0 && old_person != person) place(old_person);
}

std::vector<pws::FactRow> SqlitePws::read(const std::vector<std::string>& facilities,
                                          const std::vector<pws::Window>& windows) {
  std::vector<pws::FactRow> out;
  for (const auto& facility : facilities) {
    for (const auto& w : windows) {
      auto q = db_.query(
          "SELECT f.person, f.day, f.value, f.episode, p.village "
          "FROM pws_facts f INDEXED BY pws_facts_window JOIN pws_persons p ON p.person = f.person "
          "WHERE f.facility = ?1 AND f.event = ?2 AND f.day BETWEEN ?3 AND ?4");
      q.bind_all(facility, static_cast<int>(w.event), w.first_day, w.last_day);
      while (q.step()) {
        out.push_back({w.event, q.int64(0), q.int32(1), q.int64(2), q.text(3), q.text(4)});
      }
    }
  }
  return out;
}

}  // namespace ilp::gateway::store
