#pragma once
// OperationOutcome: the one error shape every 4xx/5xx body and every stored failure uses.
//
// Each issue carries its text in Bahasa Indonesia and English; the language is chosen only when
// the outcome is serialised, so a stored outcome can be shown to a clerk in either.

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace ilp::mappers {

enum class Lang { kId, kEn };

// "en", "en-US,en;q=0.9" → kEn; anything else (absent, "id", "id-ID") → kId.
Lang lang_from_accept_language(std::string_view header);

struct Text {
  std::string id;
  std::string en;
  const std::string& in(Lang l) const { return l == Lang::kEn && !en.empty() ? en : id; }
};

struct Issue {
  std::string severity = "error";  // fatal | error | warning | information
  std::string code = "invalid";    // FHIR IssueType: invalid, required, value, structure, ...
  std::string expression;          // input path ("data.patient.nik") or FHIR path
  // A second location of the same problem: the input field a FHIR-path problem came from
  // ("data.vitals.systolic" for "Bundle.entry[2].resource.valueQuantity.value"). Serialised
  // first in `expression` (FHIR allows several per issue); empty when unknown or not needed.
  std::string input_expression;
  Text text;                // for people
  std::string diagnostics;  // technical detail (English), optional
};

struct Outcome {
  std::vector<Issue> issues;

  bool empty() const { return issues.empty(); }
  Outcome& add(std::string code, std::string expression, Text text, std::string diagnostics = {});
  void append(const Outcome& other);
};

// FHIR R4 OperationOutcome JSON.
std::string outcome_json(const Outcome& o, Lang lang);
void write_outcome(const Outcome& o, Lang lang, rapidjson::Value& out,
                   rapidjson::Document::AllocatorType& alloc);

// Stored form keeps both languages so it can be re-rendered later.
std::string outcome_to_storage(const Outcome& o);
Outcome outcome_from_storage(std::string_view json);
// Reads a platform OperationOutcome (SATUSEHAT's, any FHIR server's); tolerant of
// non-standard severities ("invalid") and missing fields. Text goes to both languages.
Outcome outcome_from_fhir(std::string_view json);

}  // namespace ilp::mappers
