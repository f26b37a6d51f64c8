#include "gateway/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "gateway/config/locations.hpp"
#include "gateway/config/yaml_reader.hpp"
#include "gateway/pws/tables.hpp"
#include "gateway/validation/validator.hpp"
#include "mappers/datetime.hpp"

namespace ilp::gateway::config {
namespace fs = std::filesystem;

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error([&] {
        std::string s;
        for (const auto& p : problems) s += p + "\n";
        return s;
      }()),
      problems_(std::move(problems)) {}

const Facility* Config::facility(std::string_view key) const {
  for (const auto& f : facilities) {
    if (f.info.key == key) return &f;
  }
  return nullptr;
}

const Facility* Config::facility_by_key_hash(std::string_view sha256_hex) const {
  for (const auto& f : facilities) {
    for (const auto& h : f.api_key_sha256) {
      if (h == sha256_hex) return &f;
    }
  }
  return nullptr;
}

const mappers::Pseudonymizer& Config::pseudonym() const {
  if (!pseudonymizer) throw std::logic_error("config: the pseudonym key was not loaded");
  return *pseudonymizer;
}

namespace {

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

// --set a.b.c=value: walks/creates maps and sets the scalar. The value is parsed as YAML so
// lists ("[a, b]") work too.
void apply_override(YAML::Node root, const std::string& spec, std::vector<std::string>& problems) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    problems.push_back("--set " + spec + ": expected dotted.key=value");
    return;
  }
  const auto key = spec.substr(0, eq);
  const auto value = spec.substr(eq + 1);
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  std::vector<YAML::Node> chain{root};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = chain.back()[parts[i]];
    if (next.IsDefined() && !next.IsNull() && !next.IsMap()) {
      problems.push_back("--set " + key + ": \"" + parts[i] + "\" is not a section");
      return;
    }
    chain.push_back(next);
  }
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::Exception&) {
    parsed = YAML::Node(value);
  }
  if (parsed.IsNull() && !value.empty()) parsed = YAML::Node(value);
  chain.back()[parts.back()] = parsed.IsScalar() ? YAML::Node(value) : parsed;
}

YAML::Node load_yaml(const std::string& path, std::vector<std::string>& problems) {
  std::ifstream in(path);
  if (!in) {
    problems.push_back(path + ": cannot read the file");
    return {};
  }
  try {
    return YAML::Load(in);
  } catch (const YAML::ParserException& e) {
    problems.push_back(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    return {};
  }
}

std::string read_secret_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void read_gateway(Reader& r, const YAML::Node& root, Config& c) {
  r.known_keys(root,
               {"listen", "store", "platform", "retry", "delivery", "limits", "validation",
                "facilities", "mappings", "codes", "pws", "admin", "log"},
               "");
  const auto listen = child(root, "listen");
  r.known_keys(listen, {"ingest", "admin"}, "listen");
  r.str(listen, "ingest", c.listen.ingest, "listen.");
  r.str(listen, "admin", c.listen.admin, "listen.");

  const auto store = child(root, "store");
  r.known_keys(store,
               {"sqlite", "postgres", "pseudonym_key", "instance_id", "lease_ms", "heartbeat_ms"},
               "store");
  r.str(store, "sqlite", c.store.sqlite, "store.");
  r.str(store, "pseudonym_key", c.store.pseudonym_key, "store.");
  r.str(store, "postgres", c.store.postgres, "store.");
  r.str(store, "instance_id", c.store.instance_id, "store.");
  r.integer(store, "lease_ms", c.store.lease_ms, "store.", 1'000, 3'600'000);
  r.integer(store, "heartbeat_ms", c.store.heartbeat_ms, "store.", 100, 600'000);
  if (c.store.heartbeat_ms * 2 > c.store.lease_ms) {
    r.problem(
        "store.heartbeat_ms must be at most half of store.lease_ms, so that a late heartbeat "
        "does not cost a living instance its lease");
  }
  if (child(store, "postgres").IsDefined()) {
    if (c.store.postgres.empty()) {
      r.problem(child(store, "postgres"), "store.postgres must be a libpq connection string");
    } else if (c.store.postgres.find("password") != std::string::npos) {
      r.problem(child(store, "postgres"),
                "store.postgres must not hold the password: use PGPASSWORD or ~/.pgpass");
    }
    if (c.store.pseudonym_key.empty()) {
      r.problem(child(store, "postgres"),
                "store.postgres needs store.pseudonym_key: every instance must use the same key "
                "file");
    }
  }

  const auto p = child(root, "platform");
  r.known_keys(
      p,
      {"auth_url", "fhir_url", "ca_file", "timeout_ms", "rate_limit_per_min", "token_margin_s",
       "auth_failure_backoff_s", "date_floor", "circuit_failures", "circuit_open_ms"},
      "platform");
  r.str(p, "auth_url", c.platform.auth_url, "platform.");
  r.str(p, "fhir_url", c.platform.fhir_url, "platform.");
  r.str(p, "ca_file", c.platform.ca_file, "platform.");
  r.integer(p, "timeout_ms", c.platform.timeout_ms, "platform.", 100, 600'000);
  r.integer(p, "rate_limit_per_min", c.platform.rate_limit_per_min, "platform.", 1, 1'000'000);
  r.integer(p, "token_margin_s", c.platform.token_margin_s, "platform.", 0, 3'600);
  r.integer(p, "auth_failure_backoff_s", c.platform.auth_failure_backoff_s, "platform.", 60,
            86'400);
  r.str(p, "date_floor", c.platform.date_floor, "platform.");
  r.integer(p, "circuit_failures", c.platform.circuit_failures, "platform.", 1, 1'000);
  r.integer(p, "circuit_open_ms", c.platform.circuit_open_ms, "platform.", 100, 3'600'000);
  for (const auto* key : {"auth_url", "fhir_url"}) {
    const auto& v = std::string(key) == "auth_url" ? c.platform.auth_url : c.platform.fhir_url;
    if (v.rfind("https://", 0) != 0 && v.rfind("http://", 0) != 0) {
      r.problem(child(p, key),
                std::string("platform.") + key + " must start with https:// or http://");
    }
  }
  if (!mappers::parse_date(c.platform.date_floor)) {
    r.problem(child(p, "date_floor"), "platform.date_floor must be a date YYYY-MM-DD");
  }

  const auto retry = child(root, "retry");
  r.known_keys(retry, {"initial_ms", "max_ms", "max_attempts", "max_age_hours"}, "retry");
  r.integer(retry, "initial_ms", c.retry.initial_ms, "retry.", 1, 3'600'000);
  r.integer(retry, "max_ms", c.retry.max_ms, "retry.", 1, 86'400'000);
  r.integer(retry, "max_attempts", c.retry.max_attempts, "retry.", 1, 1'000'000);
  r.integer(retry, "max_age_hours", c.retry.max_age_hours, "retry.", 1, 24 * 365);
  if (c.retry.max_ms < c.retry.initial_ms) {
    r.problem(retry, "retry.max_ms must not be smaller than retry.initial_ms");
  }

  const auto d = child(root, "delivery");
  r.known_keys(d,
               {"enabled", "concurrency", "poll_ms", "wait_grace_hours", "delivered_payload_days",
                "legacy_identifier_fallback"},
               "delivery");
  r.boolean(d, "enabled", c.delivery.enabled, "delivery.");
  r.boolean(d, "legacy_identifier_fallback", c.delivery.legacy_identifier_fallback, "delivery.");
  r.integer(d, "concurrency", c.delivery.concurrency, "delivery.", 1, Delivery::kMaxConcurrency);
  r.integer(d, "poll_ms", c.delivery.poll_ms, "delivery.", 10, 60'000);
  r.integer(d, "wait_grace_hours", c.delivery.wait_grace_hours, "delivery.", 0, 24 * 90);
  r.integer(d, "delivered_payload_days", c.delivery.delivered_payload_days, "delivery.", 0, 3650);

  const auto l = child(root, "limits");
  r.known_keys(l,
               {"body_bytes", "batch_lines", "connections", "connections_per_ip",
                "admin_connections", "header_bytes", "header_timeout_ms", "request_timeout_ms",
                "idle_timeout_ms", "inflight_body_bytes", "auth_failures_per_min"},
               "limits");
  r.integer(l, "body_bytes", c.limits.body_bytes, "limits.", 1024, 256LL << 20);
  r.integer(l, "batch_lines", c.limits.batch_lines, "limits.", 1, 1'000'000);
  r.integer(l, "connections", c.limits.connections, "limits.", 1, 100'000);
  r.integer(l, "connections_per_ip", c.limits.connections_per_ip, "limits.", 1, 100'000);
  r.integer(l, "admin_connections", c.limits.admin_connections, "limits.", 1, 10'000);
  // Beast keeps a field's size in 16 bits and throws past it; 64 KiB keeps every field below.
  r.integer(l, "header_bytes", c.limits.header_bytes, "limits.", 1024, 64 * 1024);
  r.integer(l, "header_timeout_ms", c.limits.header_timeout_ms, "limits.", 100, 600'000);
  r.integer(l, "inflight_body_bytes", c.limits.inflight_body_bytes, "limits.", 1024, 16LL << 30);
  r.integer(l, "auth_failures_per_min", c.limits.auth_failures_per_min, "limits.", 1, 100'000);
  r.integer(l, "request_timeout_ms", c.limits.request_timeout_ms, "limits.", 100, 600'000);
  r.integer(l, "idle_timeout_ms", c.limits.idle_timeout_ms, "limits.", 100, 3'600'000);

  const auto v = child(root, "validation");
  r.known_keys(v, {"profiles", "enabled"}, "validation");
  r.str(v, "profiles", c.validation.profiles, "validation.");
  r.boolean(v, "enabled", c.validation.enabled, "validation.");
  if (c.validation.enabled && c.validation.profiles.empty()) {
    r.problem(child(v, "profiles"), "validation.profiles must name the fhir_profiles folder");
  }

  r.str(root, "facilities", c.facilities_file, "");
  r.str(root, "mappings", c.mappings_dir, "");
  r.str(root, "codes", c.codes_dir, "");
  r.str(root, "pws", c.pws_dir, "");

  const auto admin = child(root, "admin");
  r.known_keys(admin, {"token_env"}, "admin");
  r.str(admin, "token_env", c.admin.token_env, "admin.");

  const auto log = child(root, "log");
  r.known_keys(log, {"level", "format"}, "log");
  r.str(log, "level", c.log.level, "log.");
  r.str(log, "format", c.log.format, "log.");
  static const std::set<std::string> kLevels = {"trace",   "debug", "info",     "warn",
                                                "warning", "error", "critical", "off"};
  if (!kLevels.count(c.log.level)) {
    r.problem(child(log, "level"), "log.level: use trace, debug, info, warn, error or off");
  }
  if (c.log.format != "text" && c.log.format != "json") {
    r.problem(child(log, "format"), "log.format must be text or json");
  }
}

void read_facilities(Reader& r, const YAML::Node& root, Config& c, bool require_secrets,
                     const std::string& base_dir) {
  r.known_keys(root, {"facilities"}, "");
  const auto list = child(root, "facilities");
  if (!list.IsSequence() || list.size() == 0) {
    r.problem(list.IsDefined() ? list : root, "facilities must be a non-empty list");
    return;
  }
  std::set<std::string> keys, hashes;
  for (const auto& n : list) {
    Facility f;
    r.known_keys(n,
                 {"key", "name", "organization_id", "timezone", "client_id", "client_secret_env",
                  "client_secret_file", "api_key_sha256", "locations"},
                 "facilities[]");
    r.str(n, "key", f.info.key, "");
    r.str(n, "name", f.info.name, "");
    r.str(n, "organization_id", f.info.organization_id, "");
    r.str(n, "timezone", f.info.timezone, "");
    r.str(n, "client_id", f.client_id, "");
    const std::string where = "facility \"" + f.info.key + "\": ";
    if (f.info.key.empty()) r.problem(n, "a facility needs a key");
    if (!keys.insert(f.info.key).second) r.problem(child(n, "key"), where + "key used twice");
    if (f.info.organization_id.empty()) r.problem(n, where + "organization_id is required");
    if (f.client_id.empty()) r.problem(n, where + "client_id is required");
    if (f.info.timezone.empty()) f.info.timezone = "Asia/Jakarta";
    if (auto off = mappers::utc_offset_minutes(f.info.timezone)) {
      f.info.utc_offset_minutes = *off;
    } else {
      r.problem(child(n, "timezone"), where +
                                          "timezone must be Asia/Jakarta, Asia/Makassar or "
                                          "Asia/Jayapura");
    }
    std::string env, file;
    r.str(n, "client_secret_env", env, "");
    r.str(n, "client_secret_file", file, "");
    if (!env.empty() && !file.empty()) {
      r.problem(n, where + "give client_secret_env or client_secret_file, not both");
    } else if (!env.empty()) {
      f.secret_source = "env " + env;
      if (const char* v = std::getenv(env.c_str()); v && *v) f.client_secret = v;
    } else if (!file.empty()) {
      const auto path = resolve(base_dir, file);
      f.secret_source = "file " + path;
      f.client_secret = read_secret_file(path);
    } else {
      r.problem(n, where +
                       "client_secret_env or client_secret_file is required "
                       "(secrets are never written in this file)");
    }
    if (require_secrets && f.client_secret.empty() && !f.secret_source.empty()) {
      r.problem(n, where + "client secret not available from " + f.secret_source);
    }
    const auto hashes_node = child(n, "api_key_sha256");
    if (hashes_node.IsScalar()) {
      f.api_key_sha256.push_back(hashes_node.Scalar());
    } else if (hashes_node.IsSequence()) {
      for (const auto& h : hashes_node) f.api_key_sha256.push_back(h.as<std::string>());
    }
    if (f.api_key_sha256.empty()) {
      r.problem(n, where + "api_key_sha256 needs at least one key hash");
    }
    for (auto& h : f.api_key_sha256) {
      for (auto& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (!is_hex64(h)) {
        r.problem(hashes_node, where +
                                   "api_key_sha256 entries must be 64 hex characters "
                                   "(the SHA-256 of the key, never the key itself)");
      } else if (!hashes.insert(h).second) {
        r.problem(hashes_node, where + "an API key hash is used by two facilities");
      }
    }
    read_locations(r, child(n, "locations"), f.info, where);
    c.facilities.push_back(std::move(f));
  }
}

}  // namespace

std::shared_ptr<const Config> load(const std::string& path, const LoadOptions& options) {
  auto c = std::make_shared<Config>();
  std::vector<std::string> problems;
  c->path = path;
  c->base_dir = fs::absolute(fs::path(path)).parent_path().string();
  YAML::Node root = load_yaml(path, problems);
  if (!problems.empty()) throw ConfigError(problems);
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  for (const auto& o : options.overrides) apply_override(root, o, problems);
  Reader r(path, problems);
  read_gateway(r, root, *c);
  // DESIGN.md §5: paths are relative to the config file's folder unless absolute.
  const auto base = c->base_dir;
  c->store.sqlite =
      c->store.sqlite == ":memory:" ? c->store.sqlite : resolve(base, c->store.sqlite);
  if (c->store.pseudonym_key.empty() && c->store.sqlite != ":memory:") {
    c->store.pseudonym_key =
        (fs::path(c->store.sqlite).parent_path() / "pseudonym.key").lexically_normal().string();
  } else if (!c->store.pseudonym_key.empty()) {
    c->store.pseudonym_key = resolve(base, c->store.pseudonym_key);
  }
  c->facilities_file = resolve(base, c->facilities_file);
  c->mappings_dir = resolve(base, c->mappings_dir);
  c->codes_dir = resolve(base, c->codes_dir);
  c->pws_dir = resolve(base, c->pws_dir);
  c->validation.profiles = resolve(base, c->validation.profiles);
  if (!c->platform.ca_file.empty()) {
    c->platform.ca_file = resolve(base, c->platform.ca_file);
    if (!fs::exists(c->platform.ca_file)) {
      r.problem(child(child(root, "platform"), "ca_file"),
                "platform.ca_file " + c->platform.ca_file + " does not exist");
    }
  }
  if (const char* t = std::getenv(c->admin.token_env.c_str())) c->admin.token = t;

  YAML::Node fac = load_yaml(c->facilities_file, problems);
  if (fac.IsDefined() && !fac.IsNull()) {
    Reader fr(c->facilities_file, problems);
    read_facilities(fr, fac, *c, options.require_secrets,
                    fs::path(c->facilities_file).parent_path().string());
  }
  mappers::CompileReport report;
  c->mappings = mappers::MappingSet::load(c->mappings_dir, c->codes_dir, report);
  for (auto& e : report.errors) problems.push_back(std::move(e));
  c->mapping_warnings = std::move(report.warnings);
  c->pws = pws::Tables::load(c->pws_dir, problems, c->mapping_warnings);
  if (c->validation.enabled && !c->validation.profiles.empty() &&
      !fs::is_directory(c->validation.profiles)) {
    r.problem(child(child(root, "validation"), "profiles"),
              "validation.profiles " + c->validation.profiles +
                  " is not a folder (it holds the FHIR profiles: r4/ and satusehat/)");
  } else if (c->validation.enabled && !c->validation.profiles.empty()) {
    std::vector<std::string> errors;
    try {
      c->profiles = validation::Profiles::load(c->validation.profiles, errors);
    } catch (const std::exception& e) {
      errors.push_back(c->validation.profiles + ": " + e.what());
    }
    for (auto& e : errors) problems.push_back(std::move(e));
    if (!c->profiles && errors.empty()) {
      problems.push_back(c->validation.profiles + ": the FHIR profiles could not be loaded");
    }
  }
  if (!c->validation.enabled && !c->validation.profiles.empty() &&
      fs::is_directory(c->validation.profiles)) {
    // Checking is off, but the rule table still explains SATUSEHAT's rule numbers in
    // needs_correction statuses when it loads; a broken one is simply not used.
    std::vector<std::string> ignored;
    try {
      c->profiles = validation::Profiles::load(c->validation.profiles, ignored);
    } catch (const std::exception&) {
      c->profiles = nullptr;
    }
  }
  if (!problems.empty()) throw ConfigError(problems);
  return c;
}

}  // namespace ilp::gateway::config
