#pragma once
// SATUSEHAT's "RuleNumber: n" turned back into the field and the fix, from the same rule table
// the validator checks at ingest (fhir_profiles/satusehat/rules.yaml). A clerk reading a
// needs_correction record sees "Waktu selesai kunjungan (period.end) wajib diisi" next to the
// record field it came from, not only the platform's text.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/store.hpp"
#include "mappers/mapping.hpp"
#include "mappers/outcome.hpp"

namespace ilp::validation {
class Profiles;
}

namespace ilp::gateway::delivery {

// The record field behind `<Type>.<path>` in the record's bundle; "" when unknown.
using InputFieldOf = std::function<std::string(std::string_view type, std::string_view path)>;

// One issue per rule carrying one of `numbers`: expression = the FHIR path "<Type>.<path>",
// input_expression = the record field where known, text = the rule's message (and its fix).
// Numbers the table does not know are left out; the platform's own issues still say them.
mappers::Outcome explain_rules(const std::vector<int>& numbers,
                               const validation::Profiles& profiles,
                               const InputFieldOf& input_field);

// InputFieldOf for a mapped record: maps the stored input again with tracing (slow path, only
// when a record is refused). Pass-through records (no mapping) give "" — their FHIR path is
// already what the sender wrote.
InputFieldOf input_field_finder(const store::Record& record, const mappers::Mapping* mapping,
                                const mappers::Facility* facility, std::string date_floor);

}  // namespace ilp::gateway::delivery
