#include "tests/simulator/platform.hpp"

#include "tests/simulator/master_data.hpp"

namespace ilp::sim {
namespace {

Rng make_rng(const Options& o) {
  if (o.seed_random) return Rng(*o.seed_random);
  std::random_device rd;
  return Rng((std::uint64_t{rd()} << 32) ^ rd());
}

}  // namespace

Platform::Platform(const Options& options, Seed seed, const gateway::Clock& clock)
    : seed_(std::move(seed)),
      rng_(make_rng(options)),
      ids_(rng_, clock),
      tokens_(seed_,
              AuthConfig{options.token_ttl_s, options.auth_backoff_s, options.auth_backoff_status},
              ids_, clock, stats_),
      patients_(store_, ids_, options.patient_create_response),
      transactions_(store_, ids_, stats_),
      profiles_(ProfileRules::load(options.profiles_dir)),
      fhir_(store_, ids_, tokens_, patients_, transactions_, clock, options.date_floor,
            profiles_.get()) {
  store_.reset(seed_resources(seed_, ids_));
}

gateway::http::Response Platform::oauth(const gateway::http::Request& req, const Target& target) {
  if (target.path != kTokenPath) return issue_response(404, "error", "not-found", "unknown path");
  if (req.method() != gateway::http::bhttp::verb::post) {
    return issue_response(405, "error", "not-supported", "use POST for the token endpoint");
  }
  return tokens_.issue(req, target.param("grant_type"));
}

void Platform::reset() {
  store_.reset(seed_resources(seed_, ids_));
  stats_.reset();
  tokens_.clear_lockouts();
}

}  // namespace ilp::sim
