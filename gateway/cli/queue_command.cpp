// `ilp-gateway queue`: the queue, read and re-sent straight from the store. Works whether the
// gateway runs or not (SQLite serialises the writers); a running gateway picks re-queued
// records up at its next poll.
#include <future>
#include <iomanip>
#include <iostream>

#include "gateway/api/record_json.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/config/config.hpp"
#include "gateway/store/pseudonym_key.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/util/clock.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::cli {
namespace {

template <class T, class Op>
T wait_for(Op op) {
  std::promise<T> p;
  auto f = p.get_future();
  op([&p](T v) { p.set_value(std::move(v)); });
  return f.get();
}

void print_pretty(const std::string& json) {
  rapidjson::Document d;
  if (mappers::parse_json_strict(json, d)) {
    std::cout << json << "\n";
  } else {
    std::cout << mappers::to_pretty_json(d) << "\n";
  }
}

}  // namespace

int queue(const Args& args) {
  if (args.positional.empty()) {
    std::cerr << usage();
    return 2;
  }
  std::shared_ptr<const config::Config> cfg;
  try {
    cfg = config::load(args.config, {args.overrides, false});
  } catch (const config::ConfigError& e) {
    std::cerr << e.what();
    return 2;
  }
  // A store older than schema 4 is migrated by whichever opens it first: that needs the key.
  const auto key = store::open_pseudonym_key(cfg->store.pseudonym_key);
  const mappers::Pseudonymizer pseudonym(key.key);
  store::SqliteStore::Options options;
  options.path = cfg->store.sqlite;
  options.pseudonymizer = &pseudonym;
  store::SqliteStore db(options);
  SystemClock clock;
  const auto& verb = args.positional[0];

  if (verb == "stats") {
    auto s = wait_for<store::Stats>([&](auto cb) { db.stats(cb); });
    print_pretty(api::stats_json(s, clock.now_ms(), cfg->platform.rate_limit_per_min));
    return 0;
  }
  if (verb == "list") {
    store::ListQuery q;
    if (auto s = args.option("--status")) {
      q.status = store::status_from_string(*s);
      if (!q.status) {
        std::cerr << "unknown status " << *s << "\n";
        return 2;
      }
    }
    if (auto f = args.option("--facility")) q.facility = *f;
    if (auto k = args.option("--kind")) q.kind = *k;
    q.limit = std::stoi(args.option("--limit").value_or("100"));
    auto page = wait_for<store::ListPage>([&](auto cb) { db.list(q, cb); });
    for (const auto& r : page.records) {
      std::cout << r.id << "  " << std::left << std::setw(17) << store::to_string(r.status)
                << std::setw(14) << r.facility << std::setw(8) << r.kind << r.record_id << "  rev "
                << r.revision << "  attempts " << r.attempts << "\n";
    }
    std::cout << page.records.size() << " record(s)"
              << (page.next_cursor.empty() ? "" : " (more: use --limit)") << "\n";
    return 0;
  }
  if (verb == "show" && args.positional.size() == 2) {
    auto rec =
        wait_for<std::optional<store::Record>>([&](auto cb) { db.get(args.positional[1], cb); });
    if (!rec) {
      std::cerr << "no record " << args.positional[1] << "\n";
      return 1;
    }
    const auto lang = args.flag("--en") ? mappers::Lang::kEn : mappers::Lang::kId;
    print_pretty(api::record_json(*rec, lang));
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
