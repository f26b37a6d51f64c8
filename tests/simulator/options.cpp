#include "tests/simulator/options.hpp"

#include <charconv>
#include <functional>
#include <map>
#include <string_view>

#include "mappers/datetime.hpp"

namespace ilp::sim {
namespace {

template <typename T>
bool parse_num(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  // from_chars for double is in GCC 11+; strtod would accept trailing garbage silently.
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

std::string help_text() {
  return R"(satusehat-sim: a local SATUSEHAT (FHIR R4 + OAuth2) for tests, benchmarks and demos.

Usage: satusehat-sim [options]

Server
  --listen HOST:PORT            address to listen on (default 127.0.0.1:9900; port 0 = any free port).
                                Prints "listening on HOST:PORT" on stdout once it accepts.
  --seed FILE                   organizations, clients, locations, patients, practitioners
                                (default config/examples/sim-seed.json)
  --profiles DIR                fhir_profiles folder whose satusehat/rules.yaml the platform enforces
                                (default: the checkout's fhir_profiles, the gateway's own rules)
  --max-body BYTES              largest request body; larger gets 413 (default 4194304)
  --log-level LEVEL             trace|debug|info|warn|error|off (default info; logs go to stderr)
  --seed-random N               seed for every random choice (ids, tokens, faults): reproducible runs

Platform behaviour
  --token-ttl S                 expires_in of issued tokens, in seconds (default 3599)
  --auth-backoff-s S            after a failed login the client_id is refused for S seconds (default 60)
  --auth-backoff-status CODE    HTTP status of that refusal (default 429; not documented by SATUSEHAT)
  --date-floor YYYY-MM-DD       earliest accepted date-time (default 2014-06-03)
  --patient-create-response M   practice: {"success":true,"data":{"patient_id":...}} as seen in the
                                field (default); fhir: the created Patient resource

Faults (same meaning as the fields of POST /_sim/faults; all off by default)
  --error-rate R                share (0..1) of OAuth/FHIR requests answered with --error-status
  --error-status CODE           500..599, text/plain body (default 503)
  --latency-ms MS               delay before every OAuth/FHIR answer
  --rate-limit-every N          every Nth FHIR request gets 429
  --retry-after-s S             send Retry-After: S with those 429s (default: no header)
  --outage-for-s S              from start, for S seconds, every OAuth/FHIR request fails
  --outage-mode 503|refuse      503 text/plain (default), or close the port (connection refused)
  --token-ttl-fault-s S         tokens really expire after S seconds although expires_in says more
                                (the token_ttl_s fault)
  --drop-after-process-rate R   share (0..1) of requests processed and stored, then the connection
                                is closed without an answer

  --help                        this text
)";
}

ParseResult parse_options(int argc, char** argv) {
  Options o;
  ParseResult bad;
  bad.exit_code = 2;
  auto fail = [&](std::string msg) {
    bad.message = "satusehat-sim: " + msg + " (see --help)";
    return bad;
  };

  using Setter = std::function<bool(std::string_view)>;
  auto int_into = [](int& dst, int min, int max) {
    return [&dst, min, max](std::string_view v) {
      int x = 0;
      if (!parse_num(v, x) || x < min || x > max) return false;
      dst = x;
      return true;
    };
  };
  auto opt_int = [](std::optional<int>& dst) {
    return [&dst](std::string_view v) {
      int x = 0;
      if (!parse_num(v, x)) return false;
      dst = x;
      return true;
    };
  };
  auto opt_double = [](std::optional<double>& dst) {
    return [&dst](std::string_view v) {
      double x = 0;
      if (!parse_double(v, x)) return false;
      dst = x;
      return true;
    };
  };
  auto& f = o.faults;
  const std::map<std::string_view, Setter> setters = {
      {"--listen",
       [&](std::string_view v) {
         o.listen = v;
         return !v.empty();
       }},
      {"--seed",
       [&](std::string_view v) {
         o.seed_path = v;
         return !v.empty();
       }},
      {"--profiles",
       [&](std::string_view v) {
         o.profiles_dir = v;
         return !v.empty();
       }},
      {"--max-body",
       [&](std::string_view v) { return parse_num(v, o.max_body) && o.max_body > 0; }},
      {"--log-level",
       [&](std::string_view v) {
         o.log_level = v;
         return v == "trace" || v == "debug" || v == "info" || v == "warn" || v == "error" ||
                v == "off";
       }},
      {"--seed-random",
       [&](std::string_view v) {
         std::uint64_t x = 0;
         if (!parse_num(v, x)) return false;
         o.seed_random = x;
         return true;
       }},
      {"--token-ttl", int_into(o.token_ttl_s, 1, 30 * 86'400)},
      {"--auth-backoff-s", int_into(o.auth_backoff_s, 0, 86'400)},
      {"--auth-backoff-status",
       [&](std::string_view v) {
         return parse_num(v, o.auth_backoff_status) && o.auth_backoff_status >= 400 &&
                o.auth_backoff_status <= 599;
       }},
      {"--date-floor",
       [&](std::string_view v) {
         o.date_floor = v;
         return mappers::parse_date(v).has_value();
       }},
      {"--patient-create-response",
       [&](std::string_view v) {
         if (v == "practice") {
           o.patient_create_response = PatientCreateResponse::kPractice;
         } else if (v == "fhir") {
           o.patient_create_response = PatientCreateResponse::kFhir;
         } else {
           return false;
         }
         return true;
       }},
      {"--error-rate", opt_double(f.error_rate)},
      {"--error-status", opt_int(f.error_status)},
      {"--latency-ms", opt_int(f.latency_ms)},
      {"--rate-limit-every", opt_int(f.rate_limit_every)},
      {"--retry-after-s", opt_int(f.retry_after_s)},
      {"--outage-for-s", opt_double(f.outage_for_s)},
      {"--outage-mode",
       [&](std::string_view v) {
         if (v == "503") {
           f.outage_mode = OutageMode::k503;
         } else if (v == "refuse") {
           f.outage_mode = OutageMode::kRefuse;
         } else {
           return false;
         }
         return true;
       }},
      {"--token-ttl-fault-s", opt_int(f.token_ttl_s)},
      {"--drop-after-process-rate", opt_double(f.drop_after_process_rate)},
  };

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      return {std::nullopt, 0, help_text()};
    }
    std::string_view value;
    bool inline_value = false;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      inline_value = true;
    }
    auto it = setters.find(arg);
    if (it == setters.end()) return fail("unknown option " + std::string(arg));
    if (!inline_value) {
      if (i + 1 >= argc) return fail(std::string(arg) + " needs a value");
      value = argv[++i];
    }
    if (!it->second(value)) {
      return fail("bad value \"" + std::string(value) + "\" for " + std::string(arg));
    }
  }
  if (auto err = check_faults(o.faults)) return fail(*err);
  return {o, 0, {}};
}

}  // namespace ilp::sim
