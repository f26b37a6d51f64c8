#pragma once
// The official FHIR R4 examples in the npm package hl7.fhir.r4.examples: which of its files are
// examples. Shared by the tests and tests/bench/validate_bench.

#include <algorithm>
#include <iterator>
#include <string>

namespace ilp::validation::test {

// The package also holds the conformance resources our r4/ tables are generated from, and the
// implementation guide; the examples are the rest.
inline bool is_official_example(const std::string& name) {
  static const char* const kNot[] = {"SearchParameter",
                                     "ValueSet",
                                     "CodeSystem",
                                     "StructureDefinition",
                                     "ConceptMap",
                                     "OperationDefinition",
                                     "CapabilityStatement",
                                     "ImplementationGuide",
                                     "NamingSystem",
                                     "CompartmentDefinition",
                                     "GraphDefinition",
                                     "MessageDefinition",
                                     "StructureMap",
                                     "TerminologyCapabilities",
                                     "package"};
  if (!name.ends_with(".json") || name == "ig-r4.json") return false;
  return std::none_of(std::begin(kNot), std::end(kNot),
                      [&](const char* p) { return name.starts_with(p); });
}

}  // namespace ilp::validation::test
