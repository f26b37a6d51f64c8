// `ilp-gateway validate FILE…`: anyone's FHIR R4 JSON (a resource or a Bundle) checked offline
// against fhir_profiles/, exactly as ingest checks mapped bundles and pass-through.
#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/cli/commands.hpp"
#include "gateway/config/config.hpp"
#include "gateway/validation/validator.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::cli {
namespace {

// --profiles DIR wins; else the folder the configuration names (validation.profiles).
std::shared_ptr<const validation::Profiles> profiles_for(const Args& args,
                                                         const config::Config* cfg) {
  std::vector<std::string> errors;
  std::shared_ptr<const validation::Profiles> p;
  if (const auto dir = args.option("--profiles")) {
    p = validation::Profiles::load(*dir, errors);
  } else if (cfg != nullptr && cfg->profiles) {
    return cfg->profiles;
  } else {
    std::cerr << "validate: no profiles (give --profiles DIR, or a configuration with "
                 "validation.enabled: true)\n";
    return nullptr;
  }
  for (const auto& e : errors) std::cerr << e << "\n";
  return p;
}

}  // namespace

int validate(const Args& args) {
  if (args.positional.empty()) {
    std::cerr << "usage: ilp-gateway validate [--config FILE | --profiles DIR] [--facility KEY] "
                 "[--r4] [--en] [--json] [--max-mb N] FILE.json...\n";
    return 2;
  }
  std::shared_ptr<const config::Config> cfg;
  if (!args.option("--profiles") || args.option("--facility")) {
    try {
      cfg = config::load(args.config, {args.overrides, false});
    } catch (const config::ConfigError& e) {
      std::cerr << e.what();
      return 2;
    }
  }
  const auto profiles = profiles_for(args, cfg.get());
  if (!profiles) return 2;

  validation::Context ctx;
  std::string org;
  std::string floor = cfg ? cfg->platform.date_floor : "2014-06-03";
  if (const auto key = args.option("--facility")) {
    const auto* f = cfg->facility(*key);
    if (f == nullptr) {
      std::cerr << "validate: unknown facility \"" << *key << "\"\n";
      return 2;
    }
    org = f->info.organization_id;
  }
  ctx.org_id = org;
  ctx.date_floor = floor;
  ctx.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  ctx.satusehat = !args.flag("--r4");
  const auto lang = args.flag("--en") ? mappers::Lang::kEn : mappers::Lang::kId;
  const bool json = args.flag("--json");

  validation::Limits limits;
  if (const auto mb = args.option("--max-mb")) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(mb->data(), mb->data() + mb->size(), n);
    if (ec != std::errc() || end != mb->data() + mb->size() || n == 0 || n > 4096) {
      std::cerr << "validate: --max-mb takes a number of MiB from 1 to 4096\n";
      return 2;
    }
    limits.max_bytes = n * 1024 * 1024;
  }
  validation::Validator validator(profiles, limits);
  std::size_t ok = 0, failed = 0;
  for (const auto& file : args.positional) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "validate: cannot read " << file << "\n";
      ++failed;
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const auto result = validator.validate(ss.str(), ctx);
    if (result.ok()) {
      ++ok;
      if (!json) std::cout << "ok   " << file << " (" << result.resources << " resources)\n";
      continue;
    }
    ++failed;
    if (json) {
      std::cout << mappers::outcome_json(result.outcome(), lang) << "\n";
      continue;
    }
    std::cout << "FAIL " << file << "\n";
    for (const auto& p : result.problems) {
      std::cout << "     " << p.expression << ": " << p.text.in(lang);
      if (p.rule != 0) std::cout << " [SATUSEHAT " << p.rule << "]";
      std::cout << " (" << p.rule_id << ")\n";
    }
  }
  std::cerr << ok << " valid, " << failed << " not valid\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace ilp::gateway::cli
