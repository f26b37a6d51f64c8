#include "gateway/ingest/profile_check.hpp"

#include <string_view>

#include "mappers/mapping.hpp"

namespace ilp::gateway::ingest {

namespace {

// "Bundle.entry[0].resource.status" → "Observation.status" for a resource posted on its own:
// the client sees paths into what it sent, not into the Bundle the gateway wrapped it in.
std::string client_path(std::string expression, const std::string& resource_type) {
  constexpr std::string_view kWrapped = "Bundle.entry[0].resource";
  if (resource_type.empty() || !expression.starts_with(kWrapped)) return expression;
  const auto rest = expression.substr(kWrapped.size());
  if (!rest.empty() && rest.front() != '.') return expression;
  return resource_type + rest;
}

}  // namespace

// One validator per thread that runs the pipeline: a Validator keeps its parser buffers between
// calls and is not thread-safe, while the profiles are immutable and shared. Batches run on
// strands of a multi-threaded io_context, but one map_and_commit() runs to its end on its
// thread, so the thread's validator is never used twice at once. A config reload brings new
// profiles; the next record on each thread then builds a validator for them.
validation::Validator* validator_for(const std::shared_ptr<const validation::Profiles>& profiles) {
  thread_local std::shared_ptr<const validation::Profiles> current;
  thread_local std::unique_ptr<validation::Validator> validator;
  if (!profiles) return nullptr;  // validation.enabled: false
  if (!validator || current != profiles) {
    validator = std::make_unique<validation::Validator>(profiles);
    current = profiles;
  }
  return validator.get();
}

// One issue per problem: the FHIR path, and for a mapped record the input field it came from
// (serialised first), so a clerk sees which field to fix.
mappers::Outcome invalid_outcome(const validation::Result& r, const Envelope& env,
                                 const mappers::MapInput& in) {
  // Only on this failure path: the mapping runs again with tracing on.
  std::vector<mappers::Mapping::FieldTrace> trace;
  if (env.mapping != nullptr) trace = env.mapping->trace(in);
  mappers::Outcome o;
  o.issues.reserve(r.problems.size());
  for (const auto& p : r.problems) {
    mappers::Issue i;
    i.code = p.code;
    i.expression = client_path(p.expression, env.resource_type);
    if (!trace.empty()) i.input_expression = mappers::input_field_for(trace, p.expression);
    i.text = p.text;
    if (p.rule != 0) i.diagnostics = "SATUSEHAT rule " + std::to_string(p.rule);
    o.issues.push_back(std::move(i));
  }
  return o;
}

}  // namespace ilp::gateway::ingest
