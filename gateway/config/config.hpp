#pragma once
// Typed, validated configuration: what IT staff edit in config/gateway.yaml and
// config/facilities.yaml. Loaded once into an immutable snapshot; reload builds a new snapshot
// and swaps it only if it is entirely valid. Secrets are referenced (env var or file) and
// resolved at load; they are never printed.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mappers/facility.hpp"
#include "mappers/mapping_set.hpp"
#include "mappers/pseudonym.hpp"

namespace ilp::validation {
class Profiles;
}
namespace ilp::gateway::pws {
class Tables;
}

namespace ilp::gateway::config {

struct Listen {
  std::string ingest = "127.0.0.1:8080";
  std::string admin = "127.0.0.1:8081";
};

struct Store {
  // Relative to the config file's folder, like every path in config.
  std::string sqlite = "../var/ilp-gateway.db";
  // The per-installation key of the patient pseudonyms (docs/security.md). Empty: the file
  // pseudonym.key in the store's folder, so a backup of that folder carries both and a copy of
  // the database alone does not. Created at first start. Required with `postgres`: every
  // instance of a hub must read the same key, or one patient gets two keys and loses its order.
  std::string pseudonym_key;
  // A libpq connection string (DESIGN.md §12): the PostgreSQL store instead of `sqlite`, for a
  // hub of several instances. The password comes from PGPASSWORD or ~/.pgpass, never from here.
  std::string postgres;
  // This instance's name in the leases it takes (PostgreSQL only). Empty: hostname:pid, which
  // is unique per running process; a fixed name must differ between instances.
  std::string instance_id;
  // PostgreSQL only: how long a claim's lease lasts and how often the instance renews it
  // (docs/hub.md). A record of an instance that died waits about lease + heartbeat before
  // another instance sends it; a heartbeat may be late (lease / heartbeat − 1) times before a
  // living instance loses its lease.
  std::int64_t lease_ms = 30'000;
  std::int64_t heartbeat_ms = 10'000;
};

struct Platform {
  std::string auth_url = "http://127.0.0.1:9900/oauth2/v1";
  std::string fhir_url = "http://127.0.0.1:9900/fhir-r4/v1";
  std::string ca_file;  // empty: the system CA store
  std::int64_t timeout_ms = 30'000;
  int rate_limit_per_min = 300;  // per facility
  // Refresh a token this long before issued_at + expires_in.
  std::int64_t token_margin_s = 300;
  // SATUSEHAT allows one login per minute after a failed one.
  std::int64_t auth_failure_backoff_s = 60;
  // Oldest date SATUSEHAT accepts (docs: 2014-06-03; unverified, hence configurable).
  std::string date_floor = "2014-06-03";
  // Circuit breaker: this many failed calls in a row (no answer, 5xx, 408) pause sending to the
  // platform for circuit_open_ms, then one probe decides (delivery/circuit_breaker.hpp).
  int circuit_failures = 5;
  std::int64_t circuit_open_ms = 30'000;
};

struct Retry {
  std::int64_t initial_ms = 1'000;
  std::int64_t max_ms = 600'000;
  // Enough attempts to cover max_age_hours of outage at the max_ms cap (full jitter averages
  // max_ms / 2): the age limit, not the count, should decide when a record is given up.
  int max_attempts = 2000;
  std::int64_t max_age_hours = 168;
};

struct Delivery {
  // false: accept and queue only, send nothing (maintenance windows, a receive-only node).
  bool enabled = true;
  // Attempts in flight at once; a configuration may set up to kMaxConcurrency (the transport
  // keeps that many idle connections, so a reload can raise it without a restart).
  static constexpr int kMaxConcurrency = 256;
  int concurrency = 4;
  std::int64_t poll_ms = 500;          // how often the queue is checked when idle
  std::int64_t wait_grace_hours = 24;  // how long a record waits for what it depends on
  // Retention: a delivered record's input and bundle (the PHI) are emptied this many days after
  // delivery; its status, history and server ids stay. 0 keeps them forever.
  std::int64_t delivered_payload_days = 30;
  // Encounter and episode identifiers carry their kind since issue 14 (`visit-RJ-1`, `tb-…`).
  // A lab or prescription for a visit delivered before the upgrade finds it only under its old,
  // bare value: when the new one is not found, search the old one too and take it only when
  // exactly one resource has it. Costs a second search while a record waits; turn it off once
  // no record refers to pre-upgrade visits.
  bool legacy_identifier_fallback = true;
};

struct Limits {
  std::size_t body_bytes = 1'048'576;
  std::size_t batch_lines = 10'000;
  // Per listener for ingest; the admin listener has admin_connections.
  std::size_t connections = 1'024;
  // A quarter of the cap per client address: one misbehaving machine (or an attacker) cannot
  // take every connection, while a NAT that hides a whole puskesmas still has plenty.
  std::size_t connections_per_ip = 256;
  // The admin listener serves IT staff, probes and metrics scrapers: a few dozen is plenty.
  std::size_t admin_connections = 64;
  // At most 64 KiB: the HTTP library stores one header field's size in 16 bits.
  std::size_t header_bytes = 16'384;
  // A header must be in this soon (from connect, or from a kept-alive request's first byte).
  // Real clients send a header in one packet; 10 s is generous even on 2G.
  std::int64_t header_timeout_ms = 10'000;
  std::int64_t request_timeout_ms = 30'000;
  std::int64_t idle_timeout_ms = 60'000;
  // Bodies being received at once, all connections together: 64 full-size requests.
  std::size_t inflight_body_bytes = 64u << 20;
  // Failed API-key or admin-token attempts per client address per minute; then 429.
  int auth_failures_per_min = 10;
};

// Profile validation of every bundle before it is stored (mapped records and FHIR pass-through).
struct Validation {
  // fhir_profiles/ (r4/ and satusehat/), relative to the config file's folder unless absolute.
  std::string profiles = "../fhir_profiles";
  // false: bundles are stored unchecked and SATUSEHAT finds the problems hours later. For
  // emergencies only (a broken profile update); the profiles are then not loaded at all.
  bool enabled = true;
};

struct Admin {
  std::string token_env = "ILP_ADMIN_TOKEN";
  std::string token;  // resolved from token_env; empty = admin API refuses everything but probes
};

struct Log {
  std::string level = "info";
  std::string format = "text";
};

struct Facility {
  mappers::Facility info;  // key, name, organization_id, timezone, offset, locations
  std::string client_id;
  std::string client_secret;                // resolved; never print
  std::string secret_source;                // "env ILP_SECRET_X" / "file /etc/..." for messages
  std::vector<std::string> api_key_sha256;  // lowercase hex
};

struct Config {
  std::string path;      // gateway.yaml as given
  std::string base_dir;  // its folder: relative paths resolve against it
  Listen listen;
  Store store;
  Platform platform;
  Retry retry;
  Delivery delivery;
  Limits limits;
  Validation validation;
  Admin admin;
  Log log;
  std::string facilities_file = "facilities.yaml";
  std::string mappings_dir = "mappings";
  std::string codes_dir = "codes";
  // config/pws: targets.csv and idl-schedule.csv (gateway/pws/tables.hpp, docs/pws.md).
  std::string pws_dir = "pws";
  std::vector<Facility> facilities;
  // Compiled config/mappings with config/codes; a reload swaps the whole Config, so a record is
  // always mapped by one consistent set.
  std::shared_ptr<const mappers::MappingSet> mappings;
  std::vector<std::string> mapping_warnings;  // "file:line: …" (check-config prints them)
  std::shared_ptr<const pws::Tables> pws;     // never null after load()
  // fhir_profiles/ loaded once per (re)load; immutable, shared by every validator thread.
  // With validation.enabled false it is loaded if it loads, only to explain SATUSEHAT's rule
  // numbers (bundles are not checked), else nullptr.
  std::shared_ptr<const validation::Profiles> profiles;
  // The installation's pseudonym key (store.pseudonym_key), set by `serve` once it has read or
  // created the file; load() leaves it empty (check-config and map need none).
  std::shared_ptr<const mappers::Pseudonymizer> pseudonymizer;

  const Facility* facility(std::string_view key) const;
  // *pseudonymizer; throws std::logic_error when it was never set (a wiring bug, not a fallback).
  const mappers::Pseudonymizer& pseudonym() const;
  // The facility whose API key hashes to `sha256_hex`, or nullptr.
  const Facility* facility_by_key_hash(std::string_view sha256_hex) const;
};

// Every problem found, each "file:line: message". Thrown by load().
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

struct LoadOptions {
  std::vector<std::string> overrides;  // "dotted.key=value" (--set), applied before validation
  // `serve` needs every client secret; a dry run (`map`) does not.
  bool require_secrets = true;
};

// Loads gateway.yaml and the files it names. Throws ConfigError listing every problem.
std::shared_ptr<const Config> load(const std::string& path, const LoadOptions& options = {});

}  // namespace ilp::gateway::config
