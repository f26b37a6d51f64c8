// `ilp-gateway queue`: the queue, read and re-sent straight from the store. Works whether the
// gateway runs or not (SQLite serialises the writers); a running gateway picks re-queued
// records up at its next poll.
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <variant>

#include "gateway/api/list_query.hpp"
#include "gateway/api/record_json.hpp"
#include "gateway/cli/cli_store.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/terminal_text.hpp"
#include "gateway/config/config.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/util/clock.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::cli {
namespace {

void print_pretty(const std::string& json) {
  rapidjson::Document d;
  if (mappers::parse_json_strict(json, d)) {
    std::cout << terminal_safe(json) << "\n";
  } else {
    std::cout << terminal_safe_json(mappers::to_pretty_json(d)) << "\n";
  }
}

// A read that failed is not "no records" nor "no such record": say so, and exit 3 (1 is "no
// such record", 2 a usage error), so a script can tell them apart.
template <class T>
bool read_failed(const store::ReadResult<T>& r) {
  if (!r.is_failed()) return false;
  std::cerr << "error: the store could not be read: " << terminal_safe(r.error())
            << "\n(nothing was changed; check the disk and the file permissions, then try "
               "again)\n";
  return true;
}

}  // namespace

int queue(const Args& args) {
  if (args.positional.empty()) {
    std::cerr << usage();
    return 2;
  }
  const auto cfg = load_config_or_report(args);
  if (!cfg) return 2;
  std::optional<mappers::Pseudonymizer> pseudonym;
  auto opened = open_cli_store(*cfg, pseudonym);
  if (!opened) return 3;
  auto& db = *opened;
  SystemClock clock;
  const auto& verb = args.positional[0];

  if (verb == "stats") {
    auto s = wait_for<store::ReadResult<store::Stats>>([&](auto cb) { db.stats(cb); });
    if (read_failed(s)) return 3;
    print_pretty(api::stats_json(s.value(), clock.now_ms(), cfg->platform.rate_limit_per_min));
    return 0;
  }
  if (verb == "list") {
    // The same strict checks as the list APIs: `--limit 5abc` is an error, not 5.
    std::map<std::string, std::string> options;
    for (const char* name : {"status", "facility", "kind", "limit"}) {
      if (auto v = args.option(std::string("--") + name)) options[name] = *v;
    }
    auto parsed = api::parse_list_query(options);
    if (auto* bad = std::get_if<api::QueryProblem>(&parsed)) {
      std::cerr << "--" << bad->parameter << ": " << terminal_safe(bad->text.en) << "\n";
      return 2;
    }
    const auto q = std::get<store::ListQuery>(std::move(parsed));
    auto read = wait_for<store::ReadResult<store::ListPage>>([&](auto cb) { db.list(q, cb); });
    if (read_failed(read)) return 3;
    const auto& page = read.value();
    for (const auto& r : page.records) {
      std::cout << terminal_safe(r.id) << "  " << std::left << std::setw(17)
                << store::to_string(r.status) << std::setw(14) << terminal_safe(r.facility)
                << std::setw(8) << terminal_safe(r.kind) << terminal_safe(r.record_id) << "  rev "
                << r.revision << "  attempts " << r.attempts << "\n";
    }
    std::cout << page.records.size() << " record(s)"
              << (page.next_cursor.empty() ? "" : " (more: use --limit)") << "\n";
    return 0;
  }
  if (verb == "show" && args.positional.size() == 2) {
    auto rec = wait_for<store::ReadResult<store::Record>>(
        [&](auto cb) { db.get(args.positional[1], cb); });
    if (read_failed(rec)) return 3;
    if (!rec.is_found()) {
      std::cerr << "no record " << terminal_safe(args.positional[1]) << "\n";
      return 1;
    }
    const auto lang = args.flag("--en") ? mappers::Lang::kEn : mappers::Lang::kId;
    print_pretty(api::record_json(rec.value(), lang));
    return 0;
  }
  if (verb == "retry") {
    std::vector<std::string> ids(args.positional.begin() + 1, args.positional.end());
    std::optional<store::Status> by_status;
    if (auto s = args.option("--status")) by_status = store::status_from_string(*s);
    if (ids.empty() && !by_status) {
      std::cerr << "usage: ilp-gateway queue retry ID... | retry --status S\n";
      return 2;
    }
    const int n = wait_for<int>([&](auto cb) { db.retry(ids, by_status, clock.now_ms(), cb); });
    std::cout << n << " record(s) re-queued\n";
    return 0;
  }
  std::cerr << usage();
  return 2;
}

}  // namespace ilp::gateway::cli
