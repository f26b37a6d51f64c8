#pragma once
// Shapes of the national code systems records carry, checked without regexes.

#include <string_view>

namespace ilp::mappers {

// ICD-10 (WHO 2010, as SATUSEHAT uses it): "A01", "A01.0", "Z00.00".
bool icd10_shape(std::string_view code);
// ICD-9-CM procedures: "89", "89.7", "96.59".
bool icd9cm_shape(std::string_view code);

}  // namespace ilp::mappers
