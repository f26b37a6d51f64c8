#include "gateway/cli/args.hpp"

#include <map>
#include <set>
#include <stdexcept>

namespace ilp::gateway::cli {
namespace {
// Options that take a value, so "--status dead" keeps "dead" out of the positional list.
const std::set<std::string> kValued = {"--status",   "--facility",   "--kind",  "--limit",
                                       "--profiles", "--max-mb",     "--month", "--village",
                                       "--format",   "--to-postgres"};

// What each command understands besides --config and --set. A misspelt option is refused rather
// than ignored: `queue retry --stauts dead` must not quietly mean something else.
const std::map<std::string, std::set<std::string>> kCommandOptions = {
    {"serve", {}},
    {"check-config", {}},
    {"map", {"--en"}},
    {"queue", {"--status", "--facility", "--kind", "--limit", "--en"}},
    {"validate", {"--profiles", "--facility", "--r4", "--en", "--json", "--max-mb"}},
    {"pws", {"--month", "--facility", "--village", "--format", "--en"}},
    {"migrate", {"--to-postgres"}},
};

void check_options(const Args& a) {
  const auto known = kCommandOptions.find(a.command);
  if (known == kCommandOptions.end()) return;  // main() reports the unknown command
  for (std::size_t i = 0; i < a.options.size(); ++i) {
    const auto& o = a.options[i];
    const auto eq = o.find('=');
    const auto name = o.substr(0, eq);
    if (known->second.count(name) == 0) {
      throw std::invalid_argument("unknown option " + name + " for `" + a.command + "`\n" +
                                  usage());
    }
    if (kValued.count(name) == 0) {
      if (eq != std::string::npos) throw std::invalid_argument(name + " takes no value");
    } else if (eq == std::string::npos) {
      if (++i >= a.options.size()) throw std::invalid_argument(name + " needs a value");
    }
  }
}
}  // namespace

std::optional<std::string> Args::option(const std::string& name) const {
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (options[i] == name && i + 1 < options.size()) return options[i + 1];
    if (options[i].rfind(name + "=", 0) == 0) return options[i].substr(name.size() + 1);
  }
  return std::nullopt;
}

bool Args::flag(const std::string& name) const {
  for (const auto& o : options) {
    if (o == name) return true;
  }
  return false;
}

Args parse_args(int argc, char** argv) {
  Args a;
  if (argc < 2) throw std::invalid_argument(usage());
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&](const std::string& name) -> std::string {
      if (s.size() > name.size() && s[name.size()] == '=') return s.substr(name.size() + 1);
      if (i + 1 >= argc) throw std::invalid_argument(name + " needs a value");
      return argv[++i];
    };
    if (s == "--config" || s.rfind("--config=", 0) == 0) {
      a.config = value("--config");
    } else if (s == "--set" || s.rfind("--set=", 0) == 0) {
      a.overrides.push_back(value("--set"));
    } else if (s == "-" || s.rfind("--", 0) != 0) {
      a.positional.push_back(s);
    } else {
      const auto name = s.substr(0, s.find('='));
      a.options.push_back(s);
      if (kValued.count(name) && s.find('=') == std::string::npos && i + 1 < argc) {
        a.options.push_back(argv[++i]);
      }
    }
  }
  check_options(a);
  return a;
}

std::string usage() {
  return R"(usage:
  ilp-gateway serve        [--config config/gateway.yaml] [--set key=value]...
  ilp-gateway check-config [--config FILE] [--set key=value]...
  ilp-gateway map          [--config FILE] FILE.json|FILE.ndjson|-
  ilp-gateway queue        [--config FILE] stats | list [--status S] [--facility F] [--limit N]
                           | show ID | retry ID... | retry --status S
  ilp-gateway validate     [--config FILE | --profiles DIR] [--facility KEY] [--r4] [--en]
                           [--json] [--max-mb N] FILE.json...
  ilp-gateway pws          [--config FILE] --month YYYY-MM [--facility KEY] [--village CODE]
                           [--format json|csv] [--en]
  ilp-gateway migrate      [--config FILE] --to-postgres CONNINFO
                           (the SQLite store of FILE into an empty PostgreSQL database)
)";
}

}  // namespace ilp::gateway::cli
