#pragma once
// The validator's own texts for R4 structure problems, in Bahasa Indonesia and English. Texts of
// SATUSEHAT's rules are data (fhir_profiles/satusehat/rules.yaml). Values a record carries are
// never quoted, only element names and codes from the definitions.

#include <simdjson.h>

#include <cstddef>
#include <string_view>

#include "mappers/outcome.hpp"

namespace ilp::validation::msg {

using mappers::Text;

Text bad_json(simdjson::error_code err, std::size_t max_depth);
Text too_large(std::size_t max_bytes);
Text resource_not_object();
Text resource_type_missing();
Text resource_type_unknown(std::string_view type);
Text empty_object();
Text empty_array(std::string_view key);
Text null_value();
Text unknown_element(std::string_view key, std::string_view where);
Text duplicate_key(std::string_view key);
Text choice_collision(std::string_view element);
Text required(std::string_view element);
Text not_an_array(std::string_view key);
Text array_expected(std::string_view key);
Text prohibited(std::string_view key);
Text too_many(std::string_view key, int max);
Text expected_object();
Text expected_boolean();
Text expected_number();
Text expected_integer();
Text expected_string(std::string_view type);
Text integer_range(std::string_view type);
Text bad_format(std::string_view type);
Text not_in_valueset(std::string_view valueset);
Text no_code_from_valueset(std::string_view valueset);
Text string_too_long(std::size_t max_bytes);
Text reference_target(std::string_view type);

}  // namespace ilp::validation::msg
