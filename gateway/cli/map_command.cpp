// `ilp-gateway map`: the dry run. Same checks, mapping and profile validation as ingest, no
// store, no network.
#include <cstdio>
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

// NDJSON output is gathered into blocks of about this size and written with one fwrite each:
// a typical bundle is ~10 KB, so one write per ~25 lines instead of two stream inserts per line.
constexpr std::size_t kOutBlock = 256 * 1024;

// Maps one envelope; appends the bundle or the outcome and a newline to `out`. Returns true
// when it mapped.
bool map_one(std::string_view text, const config::Config& cfg, std::int64_t now, bool pretty,
             mappers::Lang lang, std::string& out) {
  auto run = ingest::dry_run(text, cfg, now);
  if (pretty) {
    rapidjson::Document d;
    mappers::parse_json_strict(run.ok ? run.bundle_json : mappers::outcome_json(run.outcome, lang),
                               d);
    out += mappers::to_pretty_json(d);
  } else if (run.ok) {
    out += run.bundle_json;
  } else {
    out += mappers::outcome_json(run.outcome, lang);
  }
  out += '\n';
  return run.ok;
}

void flush(std::string& out) {
  std::fwrite(out.data(), 1, out.size(), stdout);
  out.clear();
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
  std::string out;
  if (!ndjson) {
    std::stringstream ss;
    ss << in.rdbuf();
    const bool mapped = map_one(ss.str(), *cfg, now, true, lang, out);
    flush(out);
    return mapped ? 0 : 1;
  }
  out.reserve(kOutBlock + 64 * 1024);
  std::size_t ok = 0, failed = 0, line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (map_one(line, *cfg, now, false, lang, out)) {
      ++ok;
    } else {
      ++failed;
      // stdout first, so that a terminal showing both keeps the lines in their order.
      flush(out);
      std::fflush(stdout);
      std::cerr << "line " << line_no << ": not mapped\n";
    }
    if (out.size() >= kOutBlock) flush(out);
  }
  flush(out);
  std::fflush(stdout);
  std::cerr << ok << " mapped, " << failed << " rejected\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace ilp::gateway::cli
