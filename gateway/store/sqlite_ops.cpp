#include "gateway/store/sqlite_ops.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>

#include "gateway/store/history_notes.hpp"
#include "gateway/store/record_counts.hpp"
#include "gateway/store/sqlite_pws.hpp"
#include "gateway/store/tracking_id.hpp"

namespace ilp::gateway::store {
namespace {

// The columns every record query reads, in the order read_record() expects; input/bundle (of
// the payloads table, kFullFrom) last.
const std::string kColumns =
    "seq, id, facility, kind, record_id, revision, status, attempts, next_attempt_at, "
    "patient_key, delivered_revision, maybe_sent, created_ms, updated_ms, content_hash, "
    "last_error";
const std::string kFullColumns =
    kColumns + ", coalesce(p.input_json, ''), coalesce(p.bundle_json, '')";
const std::string kFullFrom = " FROM records LEFT JOIN payloads p ON p.record_seq = records.seq";

// Due, claimable records in acceptance order. A record waits while an older record of its
// patient is queued, sending or retrying (an empty patient_key orders nothing). The claimable
// set is walked through the partial index records_claimable (seq order, due time covered), so
// the walk stops after `limit` hits and nothing is sorted; the blocking test is one probe of
// records_patient_blocking. INDEXED BY pins the plan: the planner otherwise prefers
// records_status and sorts every due row (130 ms per claim with 100k queued rows); if the
// index ever stops matching, prepare fails loudly instead of silently slowing down. The status
// conditions are written exactly as the indexes' (schema step 9), or SQLite would not use them.
constexpr const char* kClaimSql = R"sql(
SELECT r.seq FROM records r INDEXED BY records_claimable
WHERE (r.status = 'queued' OR r.status = 'retrying' OR r.status = 'waiting')
  AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= ?1)
  AND r.inflight_revision IS NULL
  AND (r.patient_key = '' OR NOT EXISTS (
        SELECT 1 FROM records o
        WHERE o.patient_key = r.patient_key AND o.seq < r.seq
          AND (o.status = 'queued' OR o.status = 'sending' OR o.status = 'retrying')))
ORDER BY r.seq
LIMIT ?2)sql";

}  // namespace

const char* sqlite_claim_sql() { return kClaimSql; }

namespace {

constexpr int kMaxClaim = 1000;
constexpr int kMaxListLimit = 1000;

// Rows per INSERT into resources: a visit has about ten; the cap bounds the statement shapes
// kept in the statement cache.
constexpr std::size_t kResourcesPerInsert = 16;

// "INSERT INTO resources … VALUES (?, …), …" for `rows` rows, built once per row count.
const std::string& resource_insert_sql(std::size_t rows) {
  static const auto all = [] {
    std::vector<std::string> out(kResourcesPerInsert + 1);
    for (std::size_t n = 1; n <= kResourcesPerInsert; ++n) {
      std::string sql =
          "INSERT INTO resources (record_seq, name, type, local, server_id, position) VALUES ";
      for (std::size_t r = 0; r < n; ++r) {
        sql += r == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)";
      }
      out[n] = std::move(sql);
    }
    return out;
  }();
  return all.at(rows);
}

// "UPDATE resources SET server_id = CASE name WHEN ? THEN ? … END WHERE record_seq = ?" for
// `rows` names, built once per count like the insert's. The WHERE names the record only: an
// OR of the names would make SQLite collect the rows in a temporary table first (EXPLAIN), more
// than rewriting the record's few other rows as they were.
const std::string& server_id_update_sql(std::size_t rows) {
  static const auto all = [] {
    std::vector<std::string> out(kResourcesPerInsert + 1);
    for (std::size_t n = 1; n <= kResourcesPerInsert; ++n) {
      std::string cases;
      for (std::size_t k = 0; k < n; ++k) {
        cases += " WHEN ?" + std::to_string(2 + 2 * k) + " THEN ?" + std::to_string(3 + 2 * k);
      }
      out[n] = "UPDATE resources SET server_id = CASE name" + cases +
               " ELSE server_id END WHERE record_seq = ?1";
    }
    return out;
  }();
  return all.at(rows);
}

Record read_record(const SqliteQuery& q, bool full) {
  Record r;
  r.seq = q.int64(0);
  r.id = q.text(1);
  r.facility = q.text(2);
  r.kind = q.text(3);
  r.record_id = q.text(4);
  r.revision = q.int32(5);
  r.status = parse_stored_status(q.text(6));
  r.attempts = q.int32(7);
  r.next_attempt_at_ms = q.opt_int64(8);
  r.patient_key = q.text(9);
  r.delivered_revision = q.int32(10);
  // maybe_sent: 0 no, 1 the current revision may have been sent, 2 an earlier revision may have.
  r.maybe_sent = q.int64(11) != 0;
  r.older_revision_maybe_sent = q.int64(11) == 2;
  r.created_ms = q.int64(12);
  r.updated_ms = q.int64(13);
  r.content_hash = q.text(14);
  r.last_error = q.text(15);
  if (full) {
    r.input_json = q.text(16);
    r.bundle_json = q.text(17);
  }
  return r;
}

IngestOutcome failed_outcome(std::string error) {
  IngestOutcome o;
  o.kind = IngestOutcome::Kind::kFailed;
  o.error = std::move(error);
  return o;
}

bool retryable_from(Status s) {
  return s == Status::kRetrying || s == Status::kWaiting || s == Status::kNeedsCorrection ||
         s == Status::kDead;
}

constexpr const char* kRetryNote = "re-queued by operator";

// records.pws_pending: the revision's facts, or '' for a revision that counts for nothing (its
// delivery still withdraws what an earlier delivered revision counted).
std::string_view pending_facts(const IngestItem& item) {
  // "" and not std::string_view(): a null data pointer would bind NULL.
  return item.pws_facts ? std::string_view(*item.pws_facts) : std::string_view("");
}

}  // namespace

std::string encode_list_cursor(std::int64_t updated_ms, std::string_view id) {
  return std::to_string(updated_ms) + "." + std::string(id);
}

bool decode_list_cursor(std::string_view cursor, std::int64_t& updated_ms, std::string& id) {
  const auto dot = cursor.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= cursor.size()) return false;
  const auto* first = cursor.data();
  const auto* last = cursor.data() + dot;
  const auto [ptr, ec] = std::from_chars(first, last, updated_ms);
  if (ec != std::errc() || ptr != last) return false;
  id = std::string(cursor.substr(dot + 1));
  return true;
}

bool is_list_cursor(std::string_view cursor) {
  std::int64_t updated_ms = 0;
  std::string id;
  return decode_list_cursor(cursor, updated_ms, id) && updated_ms >= 0 && is_tracking_id(id);
}

std::vector<IngestOutcome> SqliteOps::ingest(const std::vector<IngestItem>& items) {
  std::vector<IngestOutcome> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    const auto mark = savepoint_mark();
    try {
      db_.query("SAVEPOINT item").run();
      out.push_back(ingest_one(item));
      db_.query("RELEASE item").run();
    } catch (const std::exception& e) {
      // Some errors (I/O, disk full) may end the whole transaction: then the caller fails
      // every operation of it, this item included.
      if (!db_.in_transaction()) throw;
      db_.query("ROLLBACK TO item").run();
      db_.query("RELEASE item").run();
      rolled_back_to(mark);
      out.push_back(failed_outcome(e.what()));
    }
  }
  return out;
}

IngestOutcome SqliteOps::ingest_one(const IngestItem& item) {
  IngestOutcome out;
  std::int64_t seq = 0;
  int revision = 0;
  int delivered_revision = 0;
  Status status = Status::kQueued;
  std::string hash;
  {
    auto q = db_.query(
        "SELECT seq, id, revision, status, content_hash, delivered_revision FROM records "
        "WHERE facility = ?1 AND kind = ?2 AND record_id = ?3");
    q.bind_all(item.facility, item.kind, item.record_id);
    if (q.step()) {
      seq = q.int64(0);
      out.id = q.text(1);
      revision = q.int32(2);
      status = parse_stored_status(q.text(3));
      hash = q.text(4);
      delivered_revision = q.int32(5);
    }
  }

  if (seq == 0) {
    out.id = new_tracking_id(item.now_ms);
    db_.query(
           "INSERT INTO records (id, facility, kind, record_id, revision, status, patient_key, "
           "created_ms, updated_ms, content_hash, pws_pending) "
           "VALUES (?1, ?2, ?3, ?4, 1, 'queued', ?5, ?6, ?6, ?7, ?8)")
        .bind_all(out.id, item.facility, item.kind, item.record_id, item.patient_key, item.now_ms,
                  item.content_hash, pending_facts(item))
        .run();
    seq = sqlite3_last_insert_rowid(db_.handle());
    counts_.add(item.facility, item.kind, Status::kQueued, 1);
    db_.query("INSERT INTO payloads (record_seq, input_json, bundle_json) VALUES (?1, ?2, ?3)")
        .bind_all(seq, item.input_json, item.bundle_json)
        .run();
    write_resources(seq, item.resources, false);
    add_history(seq, item.now_ms, Status::kQueued, accepted_note(item.note));
    out.kind = IngestOutcome::Kind::kCreated;
    out.revision = 1;
    out.status = Status::kQueued;
    return out;
  }

  if (hash == item.content_hash) {
    out.kind = IngestOutcome::Kind::kUnchanged;
    out.revision = revision;
    out.status = status;
    return out;
  }

  const int next = revision + 1;
  db_.query(
         "UPDATE records SET revision = ?2, status = 'queued', attempts = 0, "
         "next_attempt_at = NULL, last_error = '', content_hash = ?3, "
         "patient_key = ?4, updated_ms = ?5, pws_pending = ?6, "
         "maybe_sent = CASE WHEN maybe_sent != 0 THEN 2 ELSE 0 END WHERE seq = ?1")
      .bind_all(seq, next, item.content_hash, item.patient_key, item.now_ms, pending_facts(item))
      .run();
  counts_.move(item.facility, item.kind, status, Status::kQueued);
  db_.query(
         "INSERT INTO payloads (record_seq, input_json, bundle_json) VALUES (?1, ?2, ?3) "
         "ON CONFLICT (record_seq) DO UPDATE SET input_json = excluded.input_json, "
         "bundle_json = excluded.bundle_json")
      .bind_all(seq, item.input_json, item.bundle_json)
      .run();
  // Server ids stay with their resource names: a delivered record is updated in place (PUT).
  write_resources(seq, item.resources, true);
  for (const auto& step : revision_history(revision, status, delivered_revision, item.note)) {
    add_history(seq, item.now_ms, step.status, step.note);
  }
  out.kind = IngestOutcome::Kind::kRevised;
  out.revision = next;
  out.status = Status::kQueued;
  return out;
}

void SqliteOps::write_resources(std::int64_t seq, const std::vector<ResourceRef>& refs,
                                bool keep_ids) {
  std::map<std::string, std::string, std::less<>> kept;
  if (keep_ids) {
    {
      auto q = db_.query(
          "SELECT name, server_id FROM resources WHERE record_seq = ?1 AND server_id <> ''");
      q.bind_all(seq);
      while (q.step()) kept.emplace(q.text(0), q.text(1));
    }
    db_.query("DELETE FROM resources WHERE record_seq = ?1").bind_all(seq).run();
  }
  // Several rows per statement: one statement per record instead of one per resource (a
  // statement inside the batch's transaction costs a VDBE run and a statement journal).
  std::size_t done = 0;
  while (done < refs.size()) {
    const std::size_t rows = std::min(refs.size() - done, kResourcesPerInsert);
    auto q = db_.query(resource_insert_sql(rows));
    int i = 0;
    for (std::size_t k = done; k < done + rows; ++k) {
      const auto& ref = refs[k];
      const auto it = kept.find(ref.name);
      q.bind(++i, seq);
      q.bind(++i, ref.name);
      q.bind(++i, ref.type);
      q.bind(++i, ref.local);
      q.bind(++i, it != kept.end() ? it->second : ref.server_id);
      q.bind(++i, static_cast<std::int64_t>(k));  // position
    }
    q.run();
    done += rows;
  }
}

void SqliteOps::write_server_ids(std::int64_t seq, const std::vector<ResourceRef>& ids) {
  // One statement for the record's resources instead of one per resource: each statement in a
  // savepoint pays its own setup, halt and statement journal, measured (callgrind) at more than
  // the row writes. The CASE leaves the names without a new id as they were.
  // A name given twice keeps its last id, as one statement per name did.
  std::vector<const ResourceRef*> named;
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    if (it->server_id.empty()) continue;
    const bool seen = std::any_of(named.begin(), named.end(),
                                  [&](const ResourceRef* r) { return r->name == it->name; });
    if (!seen) named.push_back(&*it);
  }
  std::size_t done = 0;
  while (done < named.size()) {
    const std::size_t rows = std::min(named.size() - done, kResourcesPerInsert);
    auto q = db_.query(server_id_update_sql(rows));
    int i = 0;
    q.bind(++i, seq);
    for (std::size_t k = done; k < done + rows; ++k) {
      q.bind(++i, named[k]->name);
      q.bind(++i, named[k]->server_id);
    }
    q.run();
    done += rows;
  }
}

void SqliteOps::add_history(std::int64_t seq, std::int64_t at_ms, Status status,
                            std::string_view note) {
  db_.query("INSERT INTO history (record_seq, at_ms, status, note) VALUES (?1, ?2, ?3, ?4)")
      .bind_all(seq, at_ms, to_string(status), note)
      .run();
}

std::vector<ResourceRef> SqliteOps::resources(std::int64_t seq) {
  // Read in key order and put in bundle order here: ORDER BY position would sort the record's
  // ten rows in a temporary B-tree, once per claim (half of the claim's read, callgrind).
  std::vector<std::pair<std::int64_t, ResourceRef>> rows;
  {
    auto q = db_.query(
        "SELECT position, name, type, local, server_id FROM resources WHERE record_seq = ?1");
    q.bind_all(seq);
    while (q.step()) rows.push_back({q.int64(0), {q.text(1), q.text(2), q.text(3), q.text(4)}});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ResourceRef> out;
  out.reserve(rows.size());
  for (auto& [position, ref] : rows) out.push_back(std::move(ref));
  return out;
}

std::vector<HistoryEntry> SqliteOps::history(std::int64_t seq) {
  std::vector<HistoryEntry> out;
  auto q =
      db_.query("SELECT at_ms, status, note FROM history WHERE record_seq = ?1 ORDER BY rowid");
  q.bind_all(seq);
  while (q.step()) out.push_back({q.int64(0), parse_stored_status(q.text(1)), q.text(2)});
  return out;
}

Record SqliteOps::full_record(std::int64_t seq, bool with_history) {
  static const std::string sql = "SELECT " + kFullColumns + kFullFrom + " WHERE seq = ?1";
  Record r;
  {
    auto q = db_.query(sql);
    q.bind_all(seq);
    if (!q.step()) throw std::runtime_error("record vanished during the transaction");
    r = read_record(q, true);
  }
  r.resources = resources(seq);
  if (with_history) r.history = history(seq);
  return r;
}

std::optional<Record> SqliteOps::get(std::string_view id) {
  std::int64_t seq = 0;
  {
    auto q = db_.query("SELECT seq FROM records WHERE id = ?1");
    q.bind_all(id);
    if (!q.step()) return std::nullopt;
    seq = q.int64(0);
  }
  return full_record(seq, true);
}

std::optional<Record> SqliteOps::find(std::string_view facility, std::string_view kind,
                                      std::string_view record_id) {
  std::int64_t seq = 0;
  {
    auto q =
        db_.query("SELECT seq FROM records WHERE facility = ?1 AND kind = ?2 AND record_id = ?3");
    q.bind_all(facility, kind, record_id);
    if (!q.step()) return std::nullopt;
    seq = q.int64(0);
  }
  return full_record(seq, true);
}

namespace {
// The index whose order is the list's (updated_ms DESC, id DESC) for this filter shape, so a
// page is a walk of `limit` index entries plus the rows the other filters drop, never a sort
// of every match (on a million records the planner, without ANALYZE, preferred an equality
// index and sorted a third of the table). A record id matches a handful of rows: its index
// and a sort of those.
const char* list_index(const ListQuery& in) {
  if (!in.record_id.empty()) return "records_record_id";
  if (in.status && !in.facility.empty()) return "records_facility";
  if (in.status) return "records_status";
  if (!in.facility.empty()) return "records_facility_updated";
  if (!in.kind.empty()) return "records_kind_updated";
  return "records_updated";
}
}  // namespace

ListPage SqliteOps::list(const ListQuery& in) {
  const int limit = std::clamp(in.limit, 1, kMaxListLimit);
  std::int64_t cursor_ms = 0;
  std::string cursor_id;
  if (!in.cursor.empty() && !decode_list_cursor(in.cursor, cursor_ms, cursor_id)) {
    throw std::invalid_argument("invalid list cursor");
  }
  // At most 2^7 shapes of this statement exist, each prepared once and cached.
  std::string where;
  const auto add = [&where](const char* cond) {
    where += where.empty() ? " WHERE " : " AND ";
    where += cond;
  };
  if (!in.record_id.empty()) add("record_id = ?");
  if (!in.facility.empty()) add("facility = ?");
  if (in.status) add("status = ?");
  if (!in.kind.empty()) add("kind = ?");
  if (in.since_ms) add("updated_ms >= ?");
  if (in.until_ms) add("updated_ms < ?");
  if (!in.cursor.empty()) add("(updated_ms, id) < (?, ?)");
  const std::string sql = "SELECT " + kColumns + " FROM records INDEXED BY " + list_index(in) +
                          where + " ORDER BY updated_ms DESC, id DESC LIMIT ?";

  ListPage page;
  {
    auto q = db_.query(sql);
    int i = 0;
    if (!in.record_id.empty()) q.bind(++i, in.record_id);
    if (!in.facility.empty()) q.bind(++i, in.facility);
    if (in.status) q.bind(++i, to_string(*in.status));
    if (!in.kind.empty()) q.bind(++i, in.kind);
    if (in.since_ms) q.bind(++i, *in.since_ms);
    if (in.until_ms) q.bind(++i, *in.until_ms);
    if (!in.cursor.empty()) {
      q.bind(++i, cursor_ms);
      q.bind(++i, cursor_id);
    }
    q.bind(++i, limit + 1);  // one more tells whether another page exists
    while (q.step()) {
      if (static_cast<int>(page.records.size()) == limit) {
        const auto& last = page.records.back();
        page.next_cursor = encode_list_cursor(last.updated_ms, last.id);
        break;
      }
      page.records.push_back(read_record(q, false));
    }
  }
  for (auto& r : page.records) r.resources = resources(r.seq);
  return page;
}

Stats SqliteOps::stats() {
  Stats out;
  {
    auto q = db_.query(
        "SELECT facility, kind, status, n FROM record_counts WHERE n > 0 "
        "ORDER BY facility, kind, status");
    while (q.step()) {
      Stats::Row row{q.text(0), q.text(1), parse_stored_status(q.text(2)), q.int64(3)};
      if (row.status == Status::kQueued || row.status == Status::kSending ||
          row.status == Status::kRetrying || row.status == Status::kWaiting) {
        out.pending += row.count;
      }
      out.rows.push_back(std::move(row));
    }
  }
  // Oldest = first accepted (lowest seq) among the claimable ones, or any record being sent
  // (few): two short index walks instead of a scan.
  auto q = db_.query(R"sql(
SELECT MIN(created_ms) FROM (
  SELECT created_ms FROM (
    SELECT created_ms FROM records INDEXED BY records_claimable
    WHERE (status = 'queued' OR status = 'retrying' OR status = 'waiting') ORDER BY seq LIMIT 1)
  UNION ALL
  SELECT MIN(created_ms) FROM records WHERE status = 'sending'))sql");
  if (q.step() && !q.is_null(0)) out.oldest_pending_ms = q.int64(0);
  return out;
}

std::vector<Record> SqliteOps::claim(std::int64_t now_ms, int limit) {
  std::vector<Record> out;
  if (limit <= 0) return out;
  std::vector<std::int64_t> seqs;
  {
    auto q = db_.query(kClaimSql);
    q.bind_all(now_ms, std::min(limit, kMaxClaim));
    while (q.step()) seqs.push_back(q.int64(0));
  }
  out.reserve(seqs.size());
  for (const auto seq : seqs) {
    Record r = full_record(seq, false);
    // updated_ms stays: it is the record's last outcome (docs/api.md), and moving it would
    // move the record in the three list indexes that hold it, a third of the claim's writes.
    db_.query("UPDATE records SET status = 'sending', inflight_revision = revision WHERE seq = ?1")
        .bind_all(seq)
        .run();
    counts_.move(r.facility, r.kind, r.status, Status::kSending);
    r.status = Status::kSending;
    add_history(seq, now_ms, Status::kSending, "sending attempt " + std::to_string(r.attempts + 1));
    out.push_back(std::move(r));
  }
  return out;
}

bool SqliteOps::complete(const Completion& c) {
  if (!complete_record(c)) return false;
  for (const auto& e : c.cache_puts) cache_put(e.kind, e.key, e.value, c.now_ms);
  if (!c.wake_keys.empty()) wake(c.wake_keys, c.now_ms);
  return true;
}

bool SqliteOps::complete_record(const Completion& c) {
  std::int64_t seq = 0;
  int revision = 0;
  std::string patient_key;
  std::string facility;
  std::string kind;
  Status status = Status::kQueued;
  std::optional<std::int64_t> pws_person;
  std::optional<std::string> pws_pending;
  {
    auto q = db_.query(
        "SELECT seq, revision, patient_key, facility, pws_person, pws_pending, kind, status "
        "FROM records WHERE id = ?1");
    q.bind_all(c.id);
    if (!q.step()) return false;
    seq = q.int64(0);
    revision = q.int32(1);
    patient_key = q.text(2);
    facility = q.text(3);
    pws_person = q.opt_int64(4);
    if (!q.is_null(5)) pws_pending = q.text(5);
    kind = q.text(6);
    status = parse_stored_status(q.text(7));
  }
  if (c.revision < 1 || c.revision > revision) return false;

  // Server ids belong to the attempted revision's resources; a later revision keeps the ids of
  // the names it still has, so they are stored either way.
  write_server_ids(seq, c.server_ids);
  const bool delivered = c.status == Status::kDelivered;
  if (c.revision == revision) {
    // The delivered revision's PWS facts replace the record's and are consumed (a second
    // completion of the same revision counts nothing twice), in this transaction and in the
    // records row this completion rewrites anyway: no second write of the row.
    const bool count = delivered && pws_pending.has_value();
    if (count) {
      pws_person =
          SqlitePws(db_, &pws_persons_).apply(seq, pws_person, patient_key, facility, *pws_pending);
    }
    db_.query(
           "UPDATE records SET status = ?2, next_attempt_at = ?3, last_error = ?4, "
           "attempts = attempts + ?5, "
           "maybe_sent = CASE WHEN ?7 THEN 0 WHEN maybe_sent = 2 THEN 2 ELSE ?6 END, "
           "delivered_revision = CASE WHEN ?7 THEN revision ELSE delivered_revision END, "
           "inflight_revision = NULL, updated_ms = ?8, waiting_on = ?9, "
           "pws_pending = CASE WHEN ?10 THEN NULL ELSE pws_pending END, pws_person = ?11 "
           "WHERE seq = ?1")
        .bind_all(seq, to_string(c.status), c.next_attempt_at_ms, c.last_error,
                  c.count_attempt ? 1 : 0, c.maybe_sent ? 1 : 0, delivered ? 1 : 0, c.now_ms,
                  c.status == Status::kWaiting ? c.waiting_on : std::string(), count ? 1 : 0,
                  pws_person)
        .run();
    counts_.move(facility, kind, status, c.status);
    add_history(seq, c.now_ms, c.status, c.note);
    return true;
  }
  // Revised during the attempt: the new revision's status and attempts stand. What the old
  // attempt learnt still matters to it: delivered means the next send is an update; an
  // ambiguous failure means the platform must be searched before sending.
  db_.query(
         "UPDATE records SET "
         "delivered_revision = CASE WHEN ?2 THEN MAX(delivered_revision, ?3) "
         "ELSE delivered_revision END, "
         "maybe_sent = CASE WHEN ?2 THEN 0 WHEN ?4 THEN 2 ELSE maybe_sent END, "
         "inflight_revision = CASE WHEN inflight_revision = ?3 THEN NULL "
         "ELSE inflight_revision END, "
         "updated_ms = ?5 WHERE seq = ?1")
      .bind_all(seq, delivered ? 1 : 0, c.revision, c.maybe_sent ? 1 : 0, c.now_ms)
      .run();
  add_history(seq, c.now_ms, c.status, "revision " + std::to_string(c.revision) + ": " + c.note);
  return true;
}

std::vector<pws::FactRow> SqliteOps::pws_facts(const std::vector<std::string>& facilities,
                                               const std::vector<pws::Window>& windows) {
  return SqlitePws(db_).read(facilities, windows);
}

int SqliteOps::recover(std::int64_t now_ms) {
  db_.query(
         "INSERT INTO history (record_seq, at_ms, status, note) "
         "SELECT seq, ?1, 'retrying', "
         "'restarted during an attempt; will check the platform before re-sending' "
         "FROM records WHERE status = 'sending'")
      .bind_all(now_ms)
      .run();
  counts_.move_matching(
      db_, "WHERE status = 'sending'", [](SqliteQuery&) {}, Status::kRetrying);
  db_.query(
         "UPDATE records SET status = 'retrying', "
         "maybe_sent = CASE WHEN maybe_sent = 2 THEN 2 ELSE 1 END, next_attempt_at = ?1, "
         "inflight_revision = NULL, updated_ms = ?1 WHERE status = 'sending'")
      .bind_all(now_ms)
      .run();
  auto count = static_cast<int>(db_.changes());
  // Revised while an attempt on the old revision was running: still queued, but that attempt
  // may have reached the platform.
  db_.query(
         "INSERT INTO history (record_seq, at_ms, status, note) "
         "SELECT seq, ?1, status, 'restarted during an attempt on revision ' || "
         "inflight_revision || '; will check the platform before sending' "
         "FROM records INDEXED BY records_inflight "
         "WHERE inflight_revision IS NOT NULL AND status = 'queued'")
      .bind_all(now_ms)
      .run();
  db_.query(
         "UPDATE records INDEXED BY records_inflight "
         "SET maybe_sent = 2, inflight_revision = NULL, updated_ms = ?1 "
         "WHERE inflight_revision IS NOT NULL AND status = 'queued'")
      .bind_all(now_ms)
      .run();
  count += static_cast<int>(db_.changes());
  return count;
}

int SqliteOps::wake(const std::vector<std::string>& keys, std::int64_t now_ms) {
  int count = 0;
  for (const auto& key : keys) {
    if (key.empty()) continue;
    db_.query(
           "UPDATE records SET next_attempt_at = ?2 WHERE waiting_on = ?1 AND status = 'waiting' "
           "AND (next_attempt_at IS NULL OR next_attempt_at > ?2)")
        .bind_all(key, now_ms)
        .run();
    count += static_cast<int>(db_.changes());
  }
  return count;
}

int SqliteOps::prune(std::int64_t delivered_before_ms, int limit) {
  // updated_ms of a delivered record is when it was delivered (nothing touches it after).
  db_.query(
         "UPDATE payloads SET input_json = '', bundle_json = '' WHERE record_seq IN ("
         "SELECT r.seq FROM records r JOIN payloads p ON p.record_seq = r.seq "
         "WHERE r.status = 'delivered' AND r.updated_ms < ?1 AND p.bundle_json != '' LIMIT ?2)")
      .bind_all(delivered_before_ms, static_cast<std::int64_t>(limit))
      .run();
  const auto records = static_cast<int>(db_.changes());
  // The NIK → IHS cache (and the other identifier → server id entries) ages out with the
  // payloads: an entry not refreshed since the cut-off names a patient no recent record does.
  db_.query(
         "DELETE FROM ihs_cache WHERE (kind, key) IN ("
         "SELECT kind, key FROM ihs_cache WHERE updated_ms < ?1 LIMIT ?2)")
      .bind_all(delivered_before_ms, static_cast<std::int64_t>(limit))
      .run();
  return records + static_cast<int>(db_.changes());
}

int SqliteOps::retry(const std::vector<std::string>& ids, std::optional<Status> by_status,
                     std::int64_t now_ms) {
  constexpr const char* kUpdate =
      "UPDATE records SET status = 'queued', next_attempt_at = NULL, attempts = 0, "
      "updated_ms = ?2 WHERE seq = ?1";
  int count = 0;
  if (!ids.empty()) {
    for (const auto& id : ids) {
      std::int64_t seq = 0;
      {
        auto q = db_.query("SELECT seq, status, facility, kind FROM records WHERE id = ?1");
        q.bind_all(id);
        if (!q.step()) continue;
        const auto status = parse_stored_status(q.text(1));
        if (!retryable_from(status)) continue;
        seq = q.int64(0);
        counts_.move(q.text(2), q.text(3), status, Status::kQueued);
      }
      db_.query(kUpdate).bind_all(seq, now_ms).run();
      add_history(seq, now_ms, Status::kQueued, kRetryNote);
      ++count;
    }
    return count;
  }
  if (!by_status || !retryable_from(*by_status)) return 0;
  counts_.move_matching(
      db_, "WHERE status = ?1", [&](SqliteQuery& q) { q.bind_all(to_string(*by_status)); },
      Status::kQueued);
  db_.query(
         "INSERT INTO history (record_seq, at_ms, status, note) "
         "SELECT seq, ?1, 'queued', ?3 FROM records WHERE status = ?2")
      .bind_all(now_ms, to_string(*by_status), kRetryNote)
      .run();
  db_.query(
         "UPDATE records SET status = 'queued', next_attempt_at = NULL, attempts = 0, "
         "updated_ms = ?1 WHERE status = ?2")
      .bind_all(now_ms, to_string(*by_status))
      .run();
  return static_cast<int>(db_.changes());
}

int SqliteOps::retry_matching(const Store::RetryFilter& f, std::int64_t now_ms) {
  if (!retryable_from(f.status)) return 0;
  // Empty facility/kind match everything: `(?3 = '' OR facility = ?3)`.
  constexpr const char* kWhere =
      " WHERE status = ?2 AND (?3 = '' OR facility = ?3) AND (?4 = '' OR kind = ?4)";
  counts_.move_matching(
      db_, kWhere,
      [&](SqliteQuery& q) { q.bind_all(now_ms, to_string(f.status), f.facility, f.kind); },
      Status::kQueued);
  db_.query(std::string("INSERT INTO history (record_seq, at_ms, status, note) "
                        "SELECT seq, ?1, 'queued', ?5 FROM records") +
            kWhere)
      .bind_all(now_ms, to_string(f.status), f.facility, f.kind, kRetryNote)
      .run();
  db_.query(std::string("UPDATE records SET status = 'queued', next_attempt_at = NULL, "
                        "attempts = 0, updated_ms = ?1") +
            kWhere)
      .bind_all(now_ms, to_string(f.status), f.facility, f.kind)
      .run();
  return static_cast<int>(db_.changes());
}

std::optional<std::string> SqliteOps::cache_get(std::string_view kind, std::string_view key) {
  auto q = db_.query("SELECT value FROM ihs_cache WHERE kind = ?1 AND key = ?2");
  q.bind_all(kind, key);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

void SqliteOps::cache_put(std::string_view kind, std::string_view key, std::string_view value,
                          std::int64_t now_ms) {
  db_.query(
         "INSERT INTO ihs_cache (kind, key, value, updated_ms) VALUES (?1, ?2, ?3, ?4) "
         "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, "
         "updated_ms = excluded.updated_ms")
      .bind_all(kind, key, value, now_ms)
      .run();
}

void SqliteOps::probe(std::int64_t now_ms) {
  // A few bytes (`room` is no longer filled: the free space is checked instead, see
  // SqliteStore::check_writable; NULL gives back what an older gateway's probe took).
  db_.query(
         "INSERT INTO probe (id, at_ms, room) VALUES (1, ?1, NULL) "
         "ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms, room = NULL")
      .bind_all(now_ms)
      .run();
}

std::int64_t SqliteOps::set_size_limit(std::int64_t max_bytes) {
  std::int64_t page_size = 4096;
  {
    auto q = db_.query("PRAGMA page_size");
    if (q.step()) page_size = q.int64(0);
  }
  // SQLite clamps to its compile-time maximum and never below the current size.
  const std::int64_t pages =
      max_bytes <= 0 ? std::int64_t{4294967294} : (max_bytes + page_size - 1) / page_size;
  db_.exec(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
  auto q = db_.query("PRAGMA max_page_count");
  return q.step() ? q.int64(0) : 0;
}

}  // namespace ilp::gateway::store
