#pragma once
// Per-type rules of SATUSEHAT's validation dictionary as given in reference §4: mandatory
// elements (with their rule numbers), code shapes (ICD-10, ICD-9-CM, LOINC, KFA, CVX) and the
// conditional rules of Encounter and Immunization.

#include <rapidjson/document.h>

#include <string_view>

#include "tests/simulator/rule_sink.hpp"

namespace ilp::sim {

void check_profile(std::string_view type, const rapidjson::Value& resource, std::string_view org_id,
                   RuleSink& sink);

// Rule number of a reference element ("Encounter", "subject" -> 10118); 0 when not numbered.
int reference_rule(std::string_view type, std::string_view element);
// Rule number of a date-time element ("Observation", "issued" -> 10296); 0 when not numbered.
int datetime_rule(std::string_view type, std::string_view element);

}  // namespace ilp::sim
