#include "gateway/store/pg/pg_schema.hpp"

namespace ilp::gateway::store::pg {

// Version 1. The queue row (`records`) is narrow: the payloads, which are written once per
// revision and read once per attempt, live in `payloads`, so the rows that claim, lease renewal
// and completion rewrite stay small (a fresh tuple per UPDATE in PostgreSQL: narrow rows, fewer
// dead bytes to vacuum). fillfactor leaves room on each page for those updates to stay on the
// page (HOT), and the autovacuum settings make the queue table be vacuumed after 1 % of its rows
// changed instead of 20 %: a queue table turns over all the time.
//
// Leases (issue 18): a claim sets lease_owner (the instance), lease_token (from one sequence, so
// never reused: the fencing token) and lease_until; a heartbeat moves lease_until on; a reaper
// returns a lease that ran out to `retrying` with maybe_sent (search before re-sending). Every
// completion names the token it claimed with and changes nothing when the record carries
// another (its lease was reaped and the record claimed again).
static const char* const kV1 = R"sql(
CREATE SEQUENCE lease_tokens;
CREATE TABLE records (
  seq                bigserial PRIMARY KEY,
  id                 text     NOT NULL UNIQUE,
  facility           text     NOT NULL,
  kind               text     NOT NULL,
  record_id          text     NOT NULL,
  revision           integer  NOT NULL,
  status             text     NOT NULL CHECK (status IN ('queued', 'sending', 'delivered',
                       'retrying', 'waiting', 'needs_correction', 'superseded', 'dead')),
  attempts           integer  NOT NULL DEFAULT 0,
  next_attempt_at    bigint,
  patient_key        text     NOT NULL DEFAULT '',
  delivered_revision integer  NOT NULL DEFAULT 0,
  maybe_sent         smallint NOT NULL DEFAULT 0,
  inflight_revision  integer,
  lease_owner        text,
  lease_token        bigint,
  lease_until        bigint,
  waiting_on         text     NOT NULL DEFAULT '',
  created_ms         bigint   NOT NULL,
  updated_ms         bigint   NOT NULL,
  content_hash       text     NOT NULL,
  last_error         text     NOT NULL DEFAULT '',
  UNIQUE (facility, kind, record_id)
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
CREATE INDEX records_status ON records (status, updated_ms, id);
CREATE INDEX records_facility ON records (facility, status, updated_ms, id);
CREATE INDEX records_updated ON records (updated_ms, id);
CREATE INDEX records_claimable ON records (seq)
  WHERE status IN ('queued', 'retrying', 'waiting');
CREATE INDEX records_patient_blocking ON records (patient_key, seq)
  WHERE status IN ('queued', 'sending', 'retrying');
CREATE INDEX records_leased ON records (lease_until) WHERE lease_token IS NOT NULL;
CREATE INDEX records_waiting ON records (waiting_on) WHERE status = 'waiting';
CREATE INDEX records_counts ON records (facility, kind, status);

CREATE TABLE payloads (
  record_seq  bigint PRIMARY KEY REFERENCES records (seq),
  input_json  text   NOT NULL,
  bundle_json text   NOT NULL,
  -- The current revision's PWS facts until it is delivered (NULL: nothing to count).
  pws_pending text
);

CREATE TABLE resources (
  record_seq bigint  NOT NULL REFERENCES records (seq),
  position   integer NOT NULL,
  name       text    NOT NULL,
  type       text    NOT NULL,
  local      text    NOT NULL,
  server_id  text    NOT NULL DEFAULT '',
  PRIMARY KEY (record_seq, position)
);

CREATE TABLE history (
  id         bigserial PRIMARY KEY,
  record_seq bigint NOT NULL REFERENCES records (seq),
  at_ms      bigint NOT NULL,
  status     text   NOT NULL,
  note       text   NOT NULL
);
CREATE INDEX history_record ON history (record_seq, id);

CREATE TABLE ihs_cache (
  kind       text   NOT NULL,
  key        text   NOT NULL,
  value      text   NOT NULL,
  updated_ms bigint NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX ihs_cache_age ON ihs_cache (updated_ms);

CREATE TABLE probe (id integer PRIMARY KEY, at_ms bigint NOT NULL);

CREATE TABLE pws_persons (
  person      bigserial PRIMARY KEY,
  patient_key text NOT NULL UNIQUE,
  village     text NOT NULL DEFAULT ''
);
CREATE TABLE pws_records (
  record_seq       bigint  PRIMARY KEY,
  person           bigint  NOT NULL,
  facility         text    NOT NULL,
  day              integer NOT NULL,
  events           bigint  NOT NULL,
  address_village  text    NOT NULL,
  location_village text    NOT NULL
);
CREATE INDEX pws_records_person ON pws_records (person, day);
CREATE TABLE pws_facts (
  record_seq bigint  NOT NULL,
  facility   text    NOT NULL,
  event      integer NOT NULL,
  day        integer NOT NULL,
  person     bigint  NOT NULL,
  value      bigint  NOT NULL,
  episode    text    NOT NULL
);
CREATE INDEX pws_facts_window ON pws_facts (facility, event, day);
CREATE INDEX pws_facts_record ON pws_facts (record_seq);
)sql";

// Version 2: the instances of a hub, seen by their heartbeat; each sends at its share of the
// platform's per-facility rate (RateLimiter), so that together they keep to it.
static const char* const kV2 = R"sql(
CREATE TABLE instances (id text PRIMARY KEY, seen_ms bigint NOT NULL);
-- The console's record browser (issue 19), as in the SQLite store's step 7.
CREATE INDEX records_facility_updated ON records (facility, updated_ms, id);
CREATE INDEX records_kind_updated ON records (kind, updated_ms, id);
CREATE INDEX records_record_id ON records (record_id);
)sql";

// Version 3: a record's resources are known by name (completion writes server ids by name, a
// revision keeps them by name), so a name appears once per record, as in SQLite's key; an
// ingest that would repeat one fails alone instead of storing an ambiguous record.
static const char* const kV3 = R"sql(
CREATE UNIQUE INDEX resources_name ON resources (record_seq, name);
)sql";

// Version 4: one OAuth2 login per facility for the whole hub (shared_login.hpp): the last
// token (sealed under the facility's credentials, never usable from a dump), the last block,
// and the instance logging in now.
static const char* const kV4 = R"sql(
CREATE TABLE platform_logins (
  facility         text    PRIMARY KEY,
  client           text    NOT NULL,
  credentials      text    NOT NULL,
  sealed_token     text,
  token_hash       text,
  expires_ms       bigint  NOT NULL DEFAULT 0,
  blocked_until_ms bigint  NOT NULL DEFAULT 0,
  block_kind       integer NOT NULL DEFAULT 0,
  block_status     integer NOT NULL DEFAULT 0,
  block_reason     text    NOT NULL DEFAULT '',
  login_owner      text,
  login_until_ms   bigint  NOT NULL DEFAULT 0
);
)sql";

const std::vector<Migration>& store_migrations() {
  static const std::vector<Migration> all = {{1, kV1}, {2, kV2}, {3, kV3}, {4, kV4}};
  return all;
}

}  // namespace ilp::gateway::store::pg
