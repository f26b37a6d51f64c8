// `ilp-gateway map`: the dry run. Same checks, mapping and profile validation as ingest, no
// store, no network.
#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/cli/commands.hpp"
#include "gateway/config/config.hpp"
#include "gateway/ingest/dry_run.hpp"
#include "gateway/util/clock.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::cli {
namespace {

// Maps one envelope; prints the bundle or the outcome. Returns true when it mapped.
bool map_one(std::string_view text, const config::Config& cfg, std::int64_t now, bool pretty,
             mappers::Lang lang) {
  auto run = ingest::dry_run(text, cfg, now);
  const auto out = run.ok ? run.bundle_json : mappers::outcome_json(run.outcome, lang);
  if (pretty) {
    rapidjson::Document d;
    mappers::parse_json_strict(out, d);
    std::cout << mappers::to_pretty_json(d) << "\n";
  } else {
    std::cout << out << "\n";
  }
  return run.ok;
}

}  // namespace

int map(const Args& args) {
  if (args.positional.size() != 1) {
    std::cerr << "usage: ilp-gateway map [--config FILE] FILE.json|FILE.ndjson|-\n";
    return 2;
  }
  const auto cfg = load_config_or_report(args);
  if (!cfg) return 2;
  const auto& file = args.positional[0];
  const bool ndjson = file == "-" || (file.size() > 7 && file.ends_with(".ndjson"));
  std::ifstream in_file;
  if (file != "-") {
    in_file.open(file);
    if (!in_file) {
      std::cerr << "cannot read " << file << "\n";
      return 2;
    }
  }
  std::istream& in = file == "-" ? std::cin : in_file;
  const auto lang = args.flag("--en") ? mappers::Lang::kEn : mappers::Lang::kId;
  const auto now = SystemClock().now_ms();
  if (!ndjson) {
    std::stringstream ss;
    ss << in.rdbuf();
    return map_one(ss.str(), *cfg, now, true, lang) ? 0 : 1;
  }
  std::size_t ok = 0, failed = 0, line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (map_one(line, *cfg, now, false, lang)) {
      ++ok;
    } else {
      ++failed;
      std::cerr << "line " << line_no << ": not mapped\n";
    }
  }
  std::cerr << ok << " mapped, " << failed << " rejected\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace ilp::gateway::cli
