// `ilp-gateway pws`: the PWS table of a month (DESIGN.md §9.1) straight from the store, JSON or
// CSV (one row per village and indicator, for a spreadsheet). Exit 0; 2 for a bad month or
// option; 1 for an unknown facility or village; 3 when the store cannot be read.
#include <iostream>
#include <map>
#include <variant>

#include "gateway/api/pws_query.hpp"
#include "gateway/cli/cli_store.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/terminal_text.hpp"
#include "gateway/pws/render.hpp"
#include "gateway/util/clock.hpp"

namespace ilp::gateway::cli {

int pws(const Args& args) {
  const auto format = args.option("--format").value_or("json");
  if (format != "json" && format != "csv") {
    std::cerr << "--format: json or csv\n";
    return 2;
  }
  if (!args.positional.empty()) {
    std::cerr << usage();
    return 2;
  }
  const auto cfg = load_config_or_report(args);
  if (!cfg) return 2;
  const auto lang = args.flag("--en") ? mappers::Lang::kEn : mappers::Lang::kId;
  std::map<std::string, std::string> query;
  for (const char* name : {"month", "facility", "village"}) {
    if (auto v = args.option(std::string("--") + name)) query[name] = *v;
  }
  SystemClock clock;
  auto parsed = api::parse_pws_request(query, *cfg, clock.now_ms());
  if (const auto* bad = std::get_if<api::PwsProblem>(&parsed)) {
    std::cerr << "--" << bad->parameter << ": " << terminal_safe(bad->text.in(lang)) << "\n";
    return bad->kind == api::PwsProblem::Kind::kUnknown ? 1 : 2;
  }
  const auto& req = std::get<api::PwsRequest>(parsed);
  std::optional<mappers::Pseudonymizer> pseudonym;
  auto db = open_cli_store(*cfg, pseudonym);
  if (!db) return 3;
  auto rows = wait_for<store::ReadResult<std::vector<gateway::pws::FactRow>>>(
      [&](auto cb) { db->pws_facts(req.facilities, gateway::pws::windows(req.month), cb); });
  if (rows.is_failed()) {
    std::cerr << "error: the store could not be read: " << terminal_safe(rows.error()) << "\n";
    return 3;
  }
  const auto report = api::build_pws_report(req, *cfg, rows.value());
  std::cout << (format == "csv" ? gateway::pws::to_csv(report, lang)
                                : gateway::pws::to_json(report, lang) + "\n");
  return 0;
}

}  // namespace ilp::gateway::cli
