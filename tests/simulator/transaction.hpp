#pragma once
// Transaction Bundles POSTed to the FHIR base (reference §4.18): every entry is checked before
// anything is stored, and either all entries are stored, in order, or none. urn:uuid fullUrls
// are resolved to the ids the server assigns. The answer is a transaction-response with
// SATUSEHAT's extra resourceType/resourceID in each entry.response.

#include <rapidjson/document.h>

#include "gateway/http/server.hpp"
#include "tests/simulator/fhir_request.hpp"
#include "tests/simulator/id_generator.hpp"
#include "tests/simulator/resource_store.hpp"
#include "tests/simulator/stats.hpp"

namespace ilp::sim {

class TransactionProcessor {
 public:
  TransactionProcessor(ResourceStore& store, IdGenerator& ids, Stats& stats)
      : store_(store), ids_(ids), stats_(stats) {}

  gateway::http::Response process(const FhirRequest& r, const rapidjson::Value& bundle);

 private:
  gateway::http::Response reject(const mappers::Outcome& o);

  ResourceStore& store_;
  IdGenerator& ids_;
  Stats& stats_;
};

}  // namespace ilp::sim
