// `ilp-gateway check-config`: loads everything `serve` would (gateway.yaml, facilities, code
// tables, every mapping), then maps every example envelope of config/examples/<kind>/ with its
// kind's mapping and checks the bundle against the profiles as ingest would, so a changed
// template is tried on real records before it goes live.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/cli/commands.hpp"
#include "gateway/config/config.hpp"
#include "gateway/ingest/envelope.hpp"
#include "gateway/ingest/profile_check.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/validation/validator.hpp"

namespace ilp::gateway::cli {
namespace {

namespace fs = std::filesystem;

// Maps every config/examples/<kind>/*.json. Returns the number that failed. An example whose
// file name starts with "rejected-" must be refused (it documents a mistake senders make).
int check_examples(const config::Config& cfg) {
  const fs::path root = fs::path(cfg.base_dir) / "examples";
  const auto now = SystemClock().now_ms();
  int failed = 0;
  for (const auto& kind : cfg.mappings->kinds()) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root / kind, ec)) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      std::cout << "  " << kind << ": no examples in " << (root / kind).string() << "\n";
      continue;
    }
    int ok = 0;
    for (const auto& p : files) {
      std::ifstream f(p, std::ios::binary);
      std::stringstream s;
      s << f.rdbuf();
      const bool expect_reject = p.filename().string().starts_with("rejected-");
      auto checked = ingest::check_envelope(s.str(), cfg, nullptr);
      mappers::Outcome outcome;
      if (auto* rej = std::get_if<ingest::Rejection>(&checked)) {
        outcome = std::move(rej->outcome);
      } else {
        auto& env = std::get<ingest::Envelope>(checked);
        if (env.kind != kind) {
          outcome.add("invalid", "kind",
                      {"contoh ada di folder " + kind + " tetapi kind-nya " + env.kind,
                       "example is in the " + kind + " folder but its kind is " + env.kind});
        } else {
          mappers::MapInput in{env.facility->info, env.record_id, 1,
                               *env.data,          now,           cfg.platform.date_floor};
          auto mapped = env.mapping->map(in);
          outcome = std::move(mapped.outcome);
          // The profile check ingest runs next: an example that maps but would be refused at
          // ingest (422) must fail here too, before the changed template goes live.
          auto* validator = ingest::validator_for(cfg.validation.enabled ? cfg.profiles : nullptr);
          if (outcome.empty() && validator != nullptr) {
            validation::Context ctx;
            ctx.org_id = env.facility->info.organization_id;
            ctx.date_floor = cfg.platform.date_floor;
            ctx.now_ms = now;
            const auto checked = validator->validate(mapped.bundle_json, ctx);
            if (!checked.ok()) outcome = ingest::invalid_outcome(checked, env, in);
          }
        }
      }
      if (outcome.empty() != expect_reject) {
        ++ok;
        continue;
      }
      ++failed;
      std::cout << "  FAIL " << p.string()
                << (expect_reject ? ": expected to be refused, but it mapped\n" : ":\n");
      for (const auto& i : outcome.issues) {
        std::cout << "    " << (i.expression.empty() ? "-" : i.expression) << ": " << i.text.en
                  << "\n";
      }
    }
    std::cout << "  " << kind << ": " << ok << "/" << files.size() << " examples as expected\n";
  }
  return failed;
}

}  // namespace

int check_config(const Args& args) {
  std::shared_ptr<const config::Config> cfg;
  try {
    cfg = config::load(args.config, {args.overrides, true});
  } catch (const config::ConfigError& e) {
    std::cerr << "configuration has " << e.problems().size() << " problem(s):\n";
    for (const auto& p : e.problems()) std::cerr << "  " << p << "\n";
    return 1;
  }
  std::cout << "config " << args.config << ": " << cfg->facilities.size() << " facilities";
  for (const auto& f : cfg->facilities) {
    std::cout << "\n  " << f.info.key << " (" << f.info.name << ", organization "
              << f.info.organization_id << ", " << f.info.timezone << ", "
              << f.info.locations.size() << " locations, secret from " << f.secret_source << ")";
  }
  std::cout << "\n  store " << cfg->store.sqlite << "\n  platform " << cfg->platform.fhir_url
            << "\n";
  const auto& tables = cfg->mappings->tables();
  std::cout << "code tables (" << cfg->codes_dir << "):";
  for (const auto& name : tables.names()) {
    std::cout << " " << name << " (" << tables.table(name)->size() << ")";
  }
  if (cfg->validation.enabled) {
    std::cout << "\nvalidation: profiles " << cfg->validation.profiles << " ("
              << cfg->profiles->rules().size() << " SATUSEHAT rules)";
  } else {
    std::cout << "\nvalidation: OFF (validation.enabled is false; bundles are stored unchecked)";
  }
  std::cout << "\nmappings (" << cfg->mappings_dir << "):";
  for (const auto& kind : cfg->mappings->kinds()) {
    std::cout << " " << kind << " v" << cfg->mappings->find(kind)->version();
  }
  std::cout << "\n";
  for (const auto& w : cfg->mapping_warnings) std::cout << "  warning: " << w << "\n";
  std::cout << "examples:\n";
  const int failed = check_examples(*cfg);
  if (failed > 0) {
    std::cout << failed << " example(s) did not map as expected\n";
    return 1;
  }
  std::cout << "OK\n";
  return 0;
}

}  // namespace ilp::gateway::cli
