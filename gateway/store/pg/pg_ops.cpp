#include "gateway/store/pg/pg_ops.hpp"

#include <algorithm>

#include "gateway/pws/record_facts.hpp"
#include "gateway/store/history_notes.hpp"
#include "gateway/store/sqlite_ops.hpp"  // the list cursor, shared by both stores
#include "gateway/store/tracking_id.hpp"

namespace ilp::gateway::store::pg {
namespace {

using Params = PgOps::Params;

std::optional<std::string> S(std::string_view s) { return std::string(s); }
std::optional<std::string> N(std::int64_t v) { return std::to_string(v); }
std::optional<std::string> N(std::optional<std::int64_t> v) {
  return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}
std::optional<std::string> B(bool v) { return v ? "true" : "false"; }

constexpr const char* kColumns =
    "r.seq, r.id, r.facility, r.kind, r.record_id, r.revision, r.status, r.attempts, "
    "r.next_attempt_at, r.patient_key, r.delivered_revision, r.maybe_sent, r.created_ms, "
    "r.updated_ms, r.content_hash, r.last_error";

constexpr int kMaxClaim = 1000;
constexpr int kMaxListLimit = 1000;
constexpr const char* kRetryNote = "re-queued by operator";
// "ILPGWRPR": one reaper at a time across instances.
constexpr long long kReaperLockKey = 0x494c5047'57525052LL;

Status parse_status(std::string_view s) {
  const auto status = status_from_string(s);
  if (!status) throw PgError("unknown status '" + std::string(s) + "' in the database", "XX000");
  return *status;
}

std::int64_t int_at(const PgResult& r, int row, int col) { return r.integer(row, col).value_or(0); }

Record read_record(const PgResult& q, int row) {
  Record r;
  r.seq = int_at(q, row, 0);
  r.id = std::string(q.text(row, 1));
  r.facility = std::string(q.text(row, 2));
  r.kind = std::string(q.text(row, 3));
  r.record_id = std::string(q.text(row, 4));
  r.revision = static_cast<int>(int_at(q, row, 5));
  r.status = parse_status(q.text(row, 6));
  r.attempts = static_cast<int>(int_at(q, row, 7));
  if (!q.is_null(row, 8)) r.next_attempt_at_ms = int_at(q, row, 8);
  r.patient_key = std::string(q.text(row, 9));
  r.delivered_revision = static_cast<int>(int_at(q, row, 10));
  // maybe_sent: 0 no, 1 the current revision may have been sent, 2 an earlier revision may have.
  r.maybe_sent = int_at(q, row, 11) != 0;
  r.older_revision_maybe_sent = int_at(q, row, 11) == 2;
  r.created_ms = int_at(q, row, 12);
  r.updated_ms = int_at(q, row, 13);
  r.content_hash = std::string(q.text(row, 14));
  r.last_error = std::string(q.text(row, 15));
  return r;
}

bool retryable_from(Status s) {
  return s == Status::kRetrying || s == Status::kWaiting || s == Status::kNeedsCorrection ||
         s == Status::kDead;
}

// payloads.pws_pending: the revision's facts, or '' for a revision that counts for nothing (its
// delivery still withdraws what an earlier delivered revision counted); NULL once applied.
std::optional<std::string> pending_facts(const IngestItem& item) {
  return item.pws_facts ? std::optional<std::string>(*item.pws_facts) : std::string();
}

}  // namespace

PgResult PgOps::must(std::string_view sql, const Params& params) {
  auto r = params.empty() ? c_.exec(sql) : c_.exec(sql, params);
  if (!r.ok()) throw PgError(r.error() + " (SQLSTATE " + r.sqlstate() + ")", r.sqlstate());
  return r;
}

std::optional<std::int64_t> LeaseTokens::find(std::string_view id) const {
  std::lock_guard lock(mu_);
  if (auto it = pending_.find(id); it != pending_.end()) return it->second;
  if (auto it = held_.find(id); it != held_.end()) return it->second;
  return std::nullopt;
}

void LeaseTokens::claimed(const std::string& id, std::int64_t token) {
  std::lock_guard lock(mu_);
  pending_[id] = token;
}

void LeaseTokens::completed(const std::string& id) {
  std::lock_guard lock(mu_);
  completing_.insert(id);
}

void LeaseTokens::commit() {
  std::lock_guard lock(mu_);
  for (auto& [id, token] : pending_) {
    held_[id] = token;
    unrenewed_.erase(id);
  }
  pending_.clear();
  for (const auto& id : completing_) {
    held_.erase(id);
    unrenewed_.erase(id);
  }
  completing_.clear();
}

void LeaseTokens::rollback() {
  std::lock_guard lock(mu_);
  pending_.clear();
  completing_.clear();
}

void LeaseTokens::stop_renewing(const std::string& id) {
  std::lock_guard lock(mu_);
  if (auto it = held_.find(id); it != held_.end()) unrenewed_[id] = it->second;
}

std::string LeaseTokens::renewed_array() const {
  std::lock_guard lock(mu_);
  std::string out = "{";
  for (const auto& [id, token] : held_) {
    if (unrenewed_.count(id) != 0) continue;
    if (out.size() > 1) out += ',';
    out += std::to_string(token);
  }
  return out + "}";
}

void LeaseTokens::keep_only(const std::set<std::int64_t>& carried) {
  std::lock_guard lock(mu_);
  for (auto it = held_.begin(); it != held_.end();) {
    if (unrenewed_.count(it->first) == 0 && carried.count(it->second) == 0) {
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<IngestOutcome> PgOps::ingest(const std::vector<IngestItem>& items) {
  std::vector<IngestOutcome> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    must("SAVEPOINT item");
    try {
      out.push_back(ingest_one(item));
      must("RELEASE SAVEPOINT item");
    } catch (const PgError& e) {
      if (is_connection_lost(e.sqlstate())) throw;  // the whole transaction is gone
      must("ROLLBACK TO SAVEPOINT item");
      must("RELEASE SAVEPOINT item");
      IngestOutcome failed;
      failed.kind = IngestOutcome::Kind::kFailed;
      failed.error = e.what();
      out.push_back(std::move(failed));
    }
  }
  return out;
}

IngestOutcome PgOps::ingest_one(const IngestItem& item) {
  IngestOutcome out;
  // Locks the row (or, for a new key, the unique index entry at insert): two instances taking
  // the same key at once serialise here, the second sees the first's row.
  const auto found = must(
      "SELECT seq, id, revision, status, content_hash, delivered_revision FROM records "
      "WHERE facility = $1 AND kind = $2 AND record_id = $3 FOR UPDATE",
      {S(item.facility), S(item.kind), S(item.record_id)});
  if (found.rows() == 0) {
    out.id = new_tracking_id(item.now_ms);
    const auto ins = must(
        "INSERT INTO records (id, facility, kind, record_id, revision, status, patient_key, "
        "created_ms, updated_ms, content_hash) VALUES ($1, $2, $3, $4, 1, 'queued', $5, $6, $6, "
        "$7) RETURNING seq",
        {S(out.id), S(item.facility), S(item.kind), S(item.record_id), S(item.patient_key),
         N(item.now_ms), S(item.content_hash)});
    const auto seq = int_at(ins, 0, 0);
    must(
        "INSERT INTO payloads (record_seq, input_json, bundle_json, pws_pending) "
        "VALUES ($1, $2, $3, $4)",
        {N(seq), S(item.input_json), S(item.bundle_json), pending_facts(item)});
    write_resources(seq, item.resources, false);
    add_history(seq, item.now_ms, Status::kQueued, accepted_note(item.note));
    out.kind = IngestOutcome::Kind::kCreated;
    out.revision = 1;
    out.status = Status::kQueued;
    return out;
  }
  const auto seq = int_at(found, 0, 0);
  out.id = std::string(found.text(0, 1));
  const int revision = static_cast<int>(int_at(found, 0, 2));
  const Status status = parse_status(found.text(0, 3));
  const int delivered_revision = static_cast<int>(int_at(found, 0, 5));
  if (found.text(0, 4) == item.content_hash) {
    out.kind = IngestOutcome::Kind::kUnchanged;
    out.revision = revision;
    out.status = status;
    return out;
  }
  const int next = revision + 1;
  must(
      "UPDATE records SET revision = $2, status = 'queued', attempts = 0, "
      "next_attempt_at = NULL, last_error = '', content_hash = $3, patient_key = $4, "
      "updated_ms = $5, maybe_sent = CASE WHEN maybe_sent <> 0 THEN 2 ELSE 0 END WHERE seq = $1",
      {N(seq), N(next), S(item.content_hash), S(item.patient_key), N(item.now_ms)});
  // An attempt on the old revision still holds its lease: its completion is recorded as the
  // old revision's (complete() below), and the new revision is claimable once it is done.
  must(
      "UPDATE payloads SET input_json = $2, bundle_json = $3, pws_pending = $4 "
      "WHERE record_seq = $1",
      {N(seq), S(item.input_json), S(item.bundle_json), pending_facts(item)});
  write_resources(seq, item.resources, true);
  for (const auto& step : revision_history(revision, status, delivered_revision, item.note)) {
    add_history(seq, item.now_ms, step.status, step.note);
  }
  out.kind = IngestOutcome::Kind::kRevised;
  out.revision = next;
  out.status = Status::kQueued;
  return out;
}

void PgOps::write_resources(std::int64_t seq, const std::vector<ResourceRef>& refs, bool keep_ids) {
  // Server ids stay with their resource names: a delivered record is updated in place (PUT).
  std::map<std::string, std::string, std::less<>> kept;
  if (keep_ids) {
    const auto q =
        must("SELECT name, server_id FROM resources WHERE record_seq = $1 AND server_id <> ''",
             {N(seq)});
    for (int i = 0; i < q.rows(); ++i) kept.emplace(q.text(i, 0), q.text(i, 1));
    must("DELETE FROM resources WHERE record_seq = $1", {N(seq)});
  }
  if (refs.empty()) return;
  // One statement per record: unnest() of parallel arrays, in text form.
  std::string names = "{", types = "{", locals = "{", ids = "{";
  const auto add = [](std::string& arr, std::string_view v, bool first) {
    if (!first) arr += ',';
    arr += '"';
    for (const char ch : v) {
      if (ch == '"' || ch == '\\') arr += '\\';
      arr += ch;
    }
    arr += '"';
  };
  for (std::size_t k = 0; k < refs.size(); ++k) {
    const auto& ref = refs[k];
    const auto it = kept.find(ref.name);
    add(names, ref.name, k == 0);
    add(types, ref.type, k == 0);
    add(locals, ref.local, k == 0);
    add(ids, it != kept.end() ? std::string_view(it->second) : std::string_view(ref.server_id),
        k == 0);
  }
  for (auto* a : {&names, &types, &locals, &ids}) *a += '}';
  must(
      "INSERT INTO resources (record_seq, position, name, type, local, server_id) "
      "SELECT $1, ord - 1, n, t, l, s FROM unnest($2::text[], $3::text[], $4::text[], "
      "$5::text[]) WITH ORDINALITY AS u(n, t, l, s, ord)",
      {N(seq), names, types, locals, ids});
}

void PgOps::add_history(std::int64_t seq, std::int64_t at_ms, Status status,
                        std::string_view note) {
  must("INSERT INTO history (record_seq, at_ms, status, note) VALUES ($1, $2, $3, $4)",
       {N(seq), N(at_ms), S(to_string(status)), S(note)});
}

std::vector<ResourceRef> PgOps::resources(std::int64_t seq) {
  const auto q = must(
      "SELECT name, type, local, server_id FROM resources WHERE record_seq = $1 ORDER BY position",
      {N(seq)});
  std::vector<ResourceRef> out;
  for (int i = 0; i < q.rows(); ++i) {
    out.push_back({std::string(q.text(i, 0)), std::string(q.text(i, 1)), std::string(q.text(i, 2)),
                   std::string(q.text(i, 3))});
  }
  return out;
}

std::vector<HistoryEntry> PgOps::history(std::int64_t seq) {
  const auto q =
      must("SELECT at_ms, status, note FROM history WHERE record_seq = $1 ORDER BY id", {N(seq)});
  std::vector<HistoryEntry> out;
  for (int i = 0; i < q.rows(); ++i) {
    out.push_back({int_at(q, i, 0), parse_status(q.text(i, 1)), std::string(q.text(i, 2))});
  }
  return out;
}

Record PgOps::full_record(std::int64_t seq, bool with_history) {
  const auto q = must(std::string("SELECT ") + kColumns +
                          ", p.input_json, p.bundle_json FROM records r "
                          "JOIN payloads p ON p.record_seq = r.seq WHERE r.seq = $1",
                      {N(seq)});
  if (q.rows() == 0) throw PgError("record vanished during the transaction", "XX000");
  Record r = read_record(q, 0);
  r.input_json = std::string(q.text(0, 16));
  r.bundle_json = std::string(q.text(0, 17));
  r.resources = resources(seq);
  if (with_history) r.history = history(seq);
  return r;
}

std::optional<Record> PgOps::get(std::string_view id) {
  const auto q = must("SELECT seq FROM records WHERE id = $1", {S(id)});
  if (q.rows() == 0) return std::nullopt;
  return full_record(int_at(q, 0, 0), true);
}

std::optional<Record> PgOps::find(std::string_view facility, std::string_view kind,
                                  std::string_view record_id) {
  const auto q =
      must("SELECT seq FROM records WHERE facility = $1 AND kind = $2 AND record_id = $3",
           {S(facility), S(kind), S(record_id)});
  if (q.rows() == 0) return std::nullopt;
  return full_record(int_at(q, 0, 0), true);
}

ListPage PgOps::list(const ListQuery& in) {
  const int limit = std::clamp(in.limit, 1, kMaxListLimit);
  std::int64_t cursor_ms = 0;
  std::string cursor_id;
  if (!in.cursor.empty() && !decode_list_cursor(in.cursor, cursor_ms, cursor_id)) {
    throw std::invalid_argument("invalid list cursor");
  }
  std::string where;
  Params params;
  const auto add = [&](const std::string& cond) {
    where += where.empty() ? " WHERE " : " AND ";
    where += cond;
  };
  const auto next = [&params] { return "$" + std::to_string(params.size()); };
  if (!in.facility.empty()) {
    params.push_back(S(in.facility));
    add("r.facility = " + next());
  }
  if (in.status) {
    params.push_back(S(to_string(*in.status)));
    add("r.status = " + next());
  }
  if (!in.kind.empty()) {
    params.push_back(S(in.kind));
    add("r.kind = " + next());
  }
  if (in.since_ms) {
    params.push_back(N(*in.since_ms));
    add("r.updated_ms >= " + next());
  }
  if (in.until_ms) {
    params.push_back(N(*in.until_ms));
    add("r.updated_ms < " + next());
  }
  if (!in.record_id.empty()) {
    params.push_back(S(in.record_id));
    add("r.record_id = " + next());
  }
  if (!in.cursor.empty()) {
    params.push_back(N(cursor_ms));
    const auto ms = next();
    params.push_back(S(cursor_id));
    add("(r.updated_ms, r.id) < (" + ms + ", " + next() + ")");
  }
  params.push_back(N(limit + 1));  // one more tells whether another page exists
  const auto q = must(std::string("SELECT ") + kColumns + " FROM records r" + where +
                          " ORDER BY r.updated_ms DESC, r.id DESC LIMIT " + next(),
                      params);
  ListPage page;
  for (int i = 0; i < q.rows(); ++i) {
    if (static_cast<int>(page.records.size()) == limit) {
      const auto& last = page.records.back();
      page.next_cursor = encode_list_cursor(last.updated_ms, last.id);
      break;
    }
    page.records.push_back(read_record(q, i));
  }
  for (auto& r : page.records) r.resources = resources(r.seq);
  return page;
}

Stats PgOps::stats() {
  Stats out;
  const auto q = must(
      "SELECT facility, kind, status, count(*) FROM records GROUP BY facility, kind, status "
      "ORDER BY facility, kind, status");
  for (int i = 0; i < q.rows(); ++i) {
    Stats::Row row{std::string(q.text(i, 0)), std::string(q.text(i, 1)), parse_status(q.text(i, 2)),
                   int_at(q, i, 3)};
    if (row.status == Status::kQueued || row.status == Status::kSending ||
        row.status == Status::kRetrying || row.status == Status::kWaiting) {
      out.pending += row.count;
    }
    out.rows.push_back(std::move(row));
  }
  const auto oldest = must(
      "SELECT min(created_ms) FROM (SELECT created_ms FROM (SELECT created_ms FROM records "
      "WHERE status IN ('queued', 'retrying', 'waiting') ORDER BY seq LIMIT 1) a "
      "UNION ALL SELECT min(created_ms) FROM records WHERE status = 'sending') b");
  if (!oldest.is_null(0, 0)) out.oldest_pending_ms = int_at(oldest, 0, 0);
  return out;
}

std::vector<Record> PgOps::claim(std::int64_t now_ms, int limit) {
  std::vector<Record> out;
  if (limit <= 0) return out;
  // One statement: the due, claimable records in acceptance order that no other instance has
  // locked (SKIP LOCKED: instances never wait for each other), none while an older record of
  // the same patient is queued, sending or retrying — in any instance, as that older record's
  // row says so whoever holds it. Each gets a fresh fencing token and a lease.
  const auto q = must(
      "WITH c AS (SELECT r.seq FROM records r "
      "  WHERE r.status IN ('queued', 'retrying', 'waiting') "
      "    AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= $1) "
      "    AND r.inflight_revision IS NULL "
      "    AND (r.patient_key = '' OR NOT EXISTS (SELECT 1 FROM records o "
      "      WHERE o.patient_key = r.patient_key AND o.seq < r.seq "
      "        AND o.status IN ('queued', 'sending', 'retrying'))) "
      "  ORDER BY r.seq LIMIT $2 FOR UPDATE SKIP LOCKED) "
      "UPDATE records SET status = 'sending', inflight_revision = revision, "
      "  lease_owner = $3, lease_token = nextval('lease_tokens'), lease_until = $1::bigint + "
      "$4::bigint "
      "FROM c WHERE records.seq = c.seq RETURNING records.seq, records.id, records.lease_token",
      {N(now_ms), N(std::min(limit, kMaxClaim)), S(instance_), N(lease_ms_)});
  std::vector<std::pair<std::int64_t, std::int64_t>> claimed;  // seq, token
  for (int i = 0; i < q.rows(); ++i) {
    claimed.emplace_back(int_at(q, i, 0), int_at(q, i, 2));
    tokens_.claimed(std::string(q.text(i, 1)), int_at(q, i, 2));
  }
  std::sort(claimed.begin(), claimed.end());
  for (const auto& [seq, token] : claimed) {
    Record r = full_record(seq, false);
    add_history(seq, now_ms, Status::kSending, "sending attempt " + std::to_string(r.attempts + 1));
    out.push_back(std::move(r));
  }
  return out;
}

bool PgOps::complete(const Completion& c) {
  if (!complete_record(c)) return false;
  for (const auto& e : c.cache_puts) cache_put(e.kind, e.key, e.value, c.now_ms);
  if (!c.wake_keys.empty()) wake(c.wake_keys, c.now_ms);
  return true;
}

bool PgOps::complete_record(const Completion& c) {
  const auto token = tokens_.find(c.id);
  const auto q =
      must("SELECT seq, revision, lease_token FROM records WHERE id = $1 FOR UPDATE", {S(c.id)});
  if (q.rows() == 0) return false;
  const auto seq = int_at(q, 0, 0);
  const int revision = static_cast<int>(int_at(q, 0, 1));
  if (c.revision < 1 || c.revision > revision) return false;
  // Fencing: the record must still carry the token this instance claimed it with. Without one
  // (reaped and claimed again elsewhere, or never claimed here) the write is a stale owner's.
  if (!token || q.is_null(0, 2) || int_at(q, 0, 2) != *token) return false;
  // The token goes once this commits; if the transaction is lost, a retry still holds it.
  tokens_.completed(c.id);

  for (const auto& ref : c.server_ids) {
    if (ref.server_id.empty()) continue;
    must("UPDATE resources SET server_id = $3 WHERE record_seq = $1 AND name = $2",
         {N(seq), S(ref.name), S(ref.server_id)});
  }
  const bool delivered = c.status == Status::kDelivered;
  if (c.revision == revision) {
    must(
        "UPDATE records SET status = $2, next_attempt_at = $3, last_error = $4, "
        "attempts = attempts + $5, "
        "maybe_sent = CASE WHEN $7 THEN 0 WHEN maybe_sent = 2 THEN 2 ELSE $6 END, "
        "delivered_revision = CASE WHEN $7 THEN revision ELSE delivered_revision END, "
        "inflight_revision = NULL, lease_owner = NULL, lease_token = NULL, lease_until = NULL, "
        "updated_ms = $8, waiting_on = $9 WHERE seq = $1",
        {N(seq), S(to_string(c.status)), N(c.next_attempt_at_ms), S(c.last_error),
         N(c.count_attempt ? 1 : 0), N(c.maybe_sent ? 1 : 0), B(delivered), N(c.now_ms),
         S(c.status == Status::kWaiting ? c.waiting_on : std::string())});
    add_history(seq, c.now_ms, c.status, c.note);
    if (delivered) count_delivered(seq);
    return true;
  }
  // Revised during the attempt: the new revision's status and attempts stand (SqliteOps).
  must(
      "UPDATE records SET "
      "delivered_revision = CASE WHEN $2 THEN greatest(delivered_revision, $3) "
      "ELSE delivered_revision END, "
      "maybe_sent = CASE WHEN $2 THEN 0 WHEN $4 THEN 2 ELSE maybe_sent END, "
      "inflight_revision = CASE WHEN inflight_revision = $3 THEN NULL ELSE inflight_revision END, "
      "lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_ms = $5 "
      "WHERE seq = $1",
      {N(seq), B(delivered), N(c.revision), B(c.maybe_sent), N(c.now_ms)});
  add_history(seq, c.now_ms, c.status, "revision " + std::to_string(c.revision) + ": " + c.note);
  return true;
}

void PgOps::count_delivered(std::int64_t seq) {
  const auto q = must(
      "SELECT p.pws_pending, r.patient_key, r.facility FROM payloads p "
      "JOIN records r ON r.seq = p.record_seq WHERE p.record_seq = $1 AND p.pws_pending IS NOT "
      "NULL",
      {N(seq)});
  if (q.rows() == 0) return;
  pws_apply(seq, q.text(0, 1), q.text(0, 2), q.text(0, 0));
  must("UPDATE payloads SET pws_pending = NULL WHERE record_seq = $1", {N(seq)});
}

void PgOps::pws_apply(std::int64_t seq, std::string_view patient_key, std::string_view facility,
                      std::string_view encoded) {
  // The record's earlier facts go (a revision replaces them), then its current ones come in;
  // the persons concerned are placed in their village again (docs/pws.md: latest address).
  const auto old = must("DELETE FROM pws_records WHERE record_seq = $1 RETURNING person", {N(seq)});
  const std::int64_t old_person = old.rows() > 0 ? int_at(old, 0, 0) : 0;
  must("DELETE FROM pws_facts WHERE record_seq = $1", {N(seq)});
  const auto facts = pws::decode(encoded);
  if (!facts || patient_key.empty()) {
    if (old_person != 0) pws_place(old_person);
    return;
  }
  const auto p = must(
      "INSERT INTO pws_persons (patient_key) VALUES ($1) ON CONFLICT (patient_key) "
      "DO UPDATE SET patient_key = excluded.patient_key RETURNING person",
      {S(patient_key)});
  const auto person = int_at(p, 0, 0);
  std::int64_t events = 0;
  for (const auto& e : facts->events) events |= std::int64_t{1} << static_cast<int>(e.event);
  must(
      "INSERT INTO pws_records (record_seq, person, facility, day, events, address_village, "
      "location_village) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {N(seq), N(person), S(facility), N(facts->day), N(events), S(facts->address_village),
       S(facts->location_village)});
  for (const auto& e : facts->events) {
    must(
        "INSERT INTO pws_facts (record_seq, facility, event, day, person, value, episode) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {N(seq), S(facility), N(static_cast<int>(e.event)), N(facts->day), N(person), N(e.value),
         S(e.episode)});
  }
  pws_place(person);
  if (old_person != 0 && old_person != person) pws_place(old_person);
}

void PgOps::pws_place(std::int64_t person) {
  must(
      "UPDATE pws_persons SET village = coalesce((SELECT CASE WHEN address_village <> '' "
      "THEN address_village ELSE location_village END FROM pws_records WHERE person = $1 "
      "AND (address_village <> '' OR location_village <> '') "
      "ORDER BY address_village <> '' DESC, day DESC, record_seq DESC LIMIT 1), '') "
      "WHERE person = $1",
      {N(person)});
}

std::vector<pws::FactRow> PgOps::pws_facts(const std::vector<std::string>& facilities,
                                           const std::vector<pws::Window>& windows) {
  std::vector<pws::FactRow> out;
  for (const auto& facility : facilities) {
    for (const auto& w : windows) {
      const auto q = must(
          "SELECT f.person, f.day, f.value, f.episode, p.village FROM pws_facts f "
          "JOIN pws_persons p ON p.person = f.person "
          "WHERE f.facility = $1 AND f.event = $2 AND f.day BETWEEN $3 AND $4",
          {S(facility), N(static_cast<int>(w.event)), N(w.first_day), N(w.last_day)});
      for (int i = 0; i < q.rows(); ++i) {
        out.push_back({w.event, int_at(q, i, 0), static_cast<int>(int_at(q, i, 1)), int_at(q, i, 2),
                       std::string(q.text(i, 3)), std::string(q.text(i, 4))});
      }
    }
  }
  return out;
}

int PgOps::reap(std::int64_t now_ms) {
  const auto lock = must("SELECT pg_try_advisory_xact_lock($1)", {N(kReaperLockKey)});
  if (lock.text(0, 0) != "t") return 0;  // another instance is reaping
  const auto sending = must(
      "UPDATE records SET status = 'retrying', "
      "maybe_sent = CASE WHEN maybe_sent = 2 THEN 2 ELSE 1 END, next_attempt_at = $1, "
      "inflight_revision = NULL, lease_owner = NULL, lease_token = NULL, lease_until = NULL, "
      "updated_ms = $1 WHERE lease_token IS NOT NULL AND lease_until <= $1 AND status = 'sending' "
      "RETURNING seq",
      {N(now_ms)});
  for (int i = 0; i < sending.rows(); ++i) {
    add_history(int_at(sending, i, 0), now_ms, Status::kRetrying,
                "the attempt's lease ran out (its instance stopped); will check the platform "
                "before re-sending");
  }
  // Revised while the lost attempt ran: still queued, but that attempt may have reached the
  // platform.
  const auto revised = must(
      "UPDATE records SET maybe_sent = 2, inflight_revision = NULL, lease_owner = NULL, "
      "lease_token = NULL, lease_until = NULL, updated_ms = $1 "
      "WHERE lease_token IS NOT NULL AND lease_until <= $1 AND status <> 'sending' "
      "RETURNING seq, status",
      {N(now_ms)});
  for (int i = 0; i < revised.rows(); ++i) {
    add_history(int_at(revised, i, 0), now_ms, parse_status(revised.text(i, 1)),
                "the lease of an attempt on an earlier revision ran out; will check the platform "
                "before sending");
  }
  return sending.rows() + revised.rows();
}

int PgOps::renew(std::int64_t now_ms) {
  // Only the claims this instance knows it holds (LeaseTokens): a claim it lost track of runs
  // out instead of being kept alive forever by a living instance.
  const auto q = must(
      "UPDATE records SET lease_until = $2::bigint + $3::bigint WHERE lease_owner = $1 AND "
      "lease_token = ANY($4::bigint[]) RETURNING lease_token",
      {S(instance_), N(now_ms), N(lease_ms_), tokens_.renewed_array()});
  std::set<std::int64_t> carried;
  for (int i = 0; i < q.rows(); ++i) carried.insert(int_at(q, i, 0));
  tokens_.keep_only(carried);
  must(
      "INSERT INTO instances (id, seen_ms) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "
      "seen_ms = excluded.seen_ms",
      {S(instance_), N(now_ms)});
  // A stopped instance's row stays until it is a day old: the count is what matters.
  must("DELETE FROM instances WHERE seen_ms < $1::bigint - 86400000", {N(now_ms)});
  const auto live = must("SELECT count(*) FROM instances WHERE seen_ms > $1::bigint - $2::bigint",
                         {N(now_ms), N(lease_ms_)});
  return static_cast<int>(int_at(live, 0, 0));
}

int PgOps::wake(const std::vector<std::string>& keys, std::int64_t now_ms) {
  int count = 0;
  for (const auto& key : keys) {
    if (key.empty()) continue;
    const auto q = must(
        "UPDATE records SET next_attempt_at = $2 WHERE waiting_on = $1 AND status = 'waiting' "
        "AND (next_attempt_at IS NULL OR next_attempt_at > $2) RETURNING seq",
        {S(key), N(now_ms)});
    count += q.rows();
  }
  return count;
}

int PgOps::prune(std::int64_t delivered_before_ms, int limit) {
  const auto records = must(
      "UPDATE payloads SET input_json = '', bundle_json = '' WHERE record_seq IN ("
      "SELECT p.record_seq FROM payloads p JOIN records r ON r.seq = p.record_seq "
      "WHERE r.status = 'delivered' AND r.updated_ms < $1 AND p.bundle_json <> '' LIMIT $2) "
      "RETURNING record_seq",
      {N(delivered_before_ms), N(limit)});
  const auto cache = must(
      "DELETE FROM ihs_cache WHERE (kind, key) IN (SELECT kind, key FROM ihs_cache "
      "WHERE updated_ms < $1 LIMIT $2) RETURNING key",
      {N(delivered_before_ms), N(limit)});
  return records.rows() + cache.rows();
}

int PgOps::retry(const std::vector<std::string>& ids, std::optional<Status> by_status,
                 std::int64_t now_ms) {
  int count = 0;
  if (!ids.empty()) {
    for (const auto& id : ids) {
      const auto q = must("SELECT seq, status FROM records WHERE id = $1 FOR UPDATE", {S(id)});
      if (q.rows() == 0 || !retryable_from(parse_status(q.text(0, 1)))) continue;
      const auto seq = int_at(q, 0, 0);
      must(
          "UPDATE records SET status = 'queued', next_attempt_at = NULL, attempts = 0, "
          "updated_ms = $2 WHERE seq = $1",
          {N(seq), N(now_ms)});
      add_history(seq, now_ms, Status::kQueued, kRetryNote);
      ++count;
    }
    return count;
  }
  if (!by_status || !retryable_from(*by_status)) return 0;
  const auto q = must(
      "UPDATE records SET status = 'queued', next_attempt_at = NULL, attempts = 0, "
      "updated_ms = $1 WHERE status = $2 RETURNING seq",
      {N(now_ms), S(to_string(*by_status))});
  must(
      "INSERT INTO history (record_seq, at_ms, status, note) "
      "SELECT s, $1, 'queued', $2 FROM unnest($3::bigint[]) AS s",
      {N(now_ms), S(kRetryNote), [&] {
         std::string arr = "{";
         for (int i = 0; i < q.rows(); ++i) {
           if (i > 0) arr += ',';
           arr += q.text(i, 0);
         }
         return std::optional<std::string>(arr + "}");
       }()});
  return q.rows();
}

int PgOps::retry_matching(const Store::RetryFilter& f, std::int64_t now_ms) {
  if (!retryable_from(f.status)) return 0;
  const auto q = must(
      "WITH r AS (UPDATE records SET status = 'queued', next_attempt_at = NULL, attempts = 0, "
      "updated_ms = $1 WHERE status = $2 AND ($3 = '' OR facility = $3) AND ($4 = '' OR kind = $4) "
      "RETURNING seq) "
      "INSERT INTO history (record_seq, at_ms, status, note) SELECT seq, $1, 'queued', $5 FROM r "
      "RETURNING record_seq",
      {N(now_ms), S(to_string(f.status)), S(f.facility), S(f.kind), S(kRetryNote)});
  return q.rows();
}

std::optional<std::string> PgOps::cache_get(std::string_view kind, std::string_view key) {
  const auto q =
      must("SELECT value FROM ihs_cache WHERE kind = $1 AND key = $2", {S(kind), S(key)});
  if (q.rows() == 0) return std::nullopt;
  return std::string(q.text(0, 0));
}

void PgOps::cache_put(std::string_view kind, std::string_view key, std::string_view value,
                      std::int64_t now_ms) {
  must(
      "INSERT INTO ihs_cache (kind, key, value, updated_ms) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, "
      "updated_ms = excluded.updated_ms",
      {S(kind), S(key), S(value), N(now_ms)});
}

void PgOps::probe(std::int64_t now_ms) {
  must(
      "INSERT INTO probe (id, at_ms) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at_ms = "
      "excluded.at_ms",
      {N(now_ms)});
}

}  // namespace ilp::gateway::store::pg
