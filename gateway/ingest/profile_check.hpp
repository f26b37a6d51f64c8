#pragma once
// The profile check every bundle passes before it is stored (ingest) or printed (`map`): the
// validator for this thread and the 422 OperationOutcome naming the FHIR path and, for a mapped
// record, the record field the value came from.

#include <memory>
#include <string>

#include "gateway/ingest/envelope.hpp"
#include "gateway/validation/validator.hpp"
#include "mappers/map_result.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::ingest {

// This thread's validator for `profiles`; nullptr when validation is off (no profiles).
validation::Validator* validator_for(const std::shared_ptr<const validation::Profiles>& profiles);

// One issue per problem, the record field first where the mapping knows it (the mapping runs
// again with tracing on: only on this failure path).
mappers::Outcome invalid_outcome(const validation::Result& r, const Envelope& env,
                                 const mappers::MapInput& in);

}  // namespace ilp::gateway::ingest
