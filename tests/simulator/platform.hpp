#pragma once
// Everything the simulated SATUSEHAT knows and does, without the network: seed, resource store,
// tokens, statistics, and the OAuth and FHIR APIs. SimServer puts it behind a listener and
// fault injection. Not thread-safe: owned by the io_context thread.

#include <memory>
#include <string>

#include "gateway/util/clock.hpp"
#include "tests/simulator/fhir_api.hpp"
#include "tests/simulator/id_generator.hpp"
#include "tests/simulator/options.hpp"
#include "tests/simulator/patient_registry.hpp"
#include "tests/simulator/profile_rules.hpp"
#include "tests/simulator/resource_store.hpp"
#include "tests/simulator/seed.hpp"
#include "tests/simulator/stats.hpp"
#include "tests/simulator/token_service.hpp"
#include "tests/simulator/transaction.hpp"

namespace ilp::sim {

inline constexpr std::string_view kTokenPath = "/oauth2/v1/accesstoken";

class Platform {
 public:
  Platform(const Options& options, Seed seed, const gateway::Clock& clock);

  // Paths under /oauth2/v1 and /fhir-r4/v1 respectively.
  gateway::http::Response oauth(const gateway::http::Request& req, const Target& target);
  gateway::http::Response fhir(const gateway::http::Request& req, const Target& target) {
    return fhir_.handle(req, target);
  }

  // Back to the seed: stored resources, statistics and auth lock-outs cleared (tokens stay).
  void reset();

  Rng& rng() { return rng_; }
  Stats& stats() { return stats_; }
  TokenService& tokens() { return tokens_; }
  const ResourceStore& store() const { return store_; }

 private:
  Seed seed_;
  Rng rng_;
  IdGenerator ids_;
  Stats stats_;
  ResourceStore store_;
  TokenService tokens_;
  PatientRegistry patients_;
  TransactionProcessor transactions_;
  std::shared_ptr<ProfileRules> profiles_;
  FhirApi fhir_;
};

}  // namespace ilp::sim
