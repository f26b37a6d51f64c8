#pragma once
// Strict JSON in and compact JSON out, shared by every layer.
//
// RapidJSON alone accepts duplicate object keys and recurses without bound on deep input; the
// parse here rejects both, and invalid UTF-8, so callers can answer a precise 400 instead of
// guessing which of two values a sender meant.

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ilp::mappers {

struct JsonLimits {
  std::size_t max_depth = 64;
};

struct JsonError {
  std::string message;  // English, technical (for logs and the OperationOutcome diagnostics)
  std::string path;     // dotted path of the offending element where known ("data.patient")
  std::size_t offset = 0;
  enum class Kind { kSyntax, kEncoding, kDuplicateKey, kTooDeep, kEmpty } kind = Kind::kSyntax;
};

// Parses `text` into `doc`. Returns nullopt on success.
std::optional<JsonError> parse_json_strict(std::string_view text, rapidjson::Document& doc,
                                           const JsonLimits& limits = {});

// Compact serialisation.
std::string to_json(const rapidjson::Value& v);
// Canonical form for golden files and hashing: keys in original order, 2-space indentation.
std::string to_pretty_json(const rapidjson::Value& v);

// Small accessors that return nullptr / nullopt instead of asserting on a wrong type.
const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view name);
std::optional<std::string_view> string_member(const rapidjson::Value& obj, std::string_view name);
// Follows a dotted path ("patient.nik"); array indices are written "items.0.code".
const rapidjson::Value* at_path(const rapidjson::Value& root, std::string_view dotted);

}  // namespace ilp::mappers
