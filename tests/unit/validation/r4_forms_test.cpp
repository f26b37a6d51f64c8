// Valid FHIR R4 JSON that is easy to get wrong in a validator (https://hl7.org/fhir/R4/json.html):
// primitives carried by their "_" extension object, nulls that keep repeating primitives aligned,
// contained and absolute references, number forms. Each must pass R4 structure validation.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gateway/validation/validator.hpp"
#include "tests/unit/validation/validation_support.hpp"

namespace ilp::validation {
namespace {

using namespace ilp::validation::test;

namespace fs = std::filesystem;

Result r4(std::string_view json) {
  Validator v(profiles());
  Context ctx;
  ctx.satusehat = false;
  return v.validate(json, ctx);
}

constexpr const char* kAbsent =
    R"({"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", )"
    R"("valueCode": "masked"}]})";

}  // namespace

TEST_CASE(
    "a null in a repeating primitive is allowed where the _ array carries that item's "
    "extension",
    "[validation][r4]") {
  // json.html: "JSON nulls are used to fill out both arrays so that the id and/or extension are
  // aligned with the matching value in the first array."
  const auto r = r4(
      std::string(
          R"({"resourceType": "Patient", "name": [{"given": ["Bayi", null], "_given": [null, )") +
      kAbsent + "]}]}");
  INFO(describe(r));
  CHECK(r.ok());
}

TEST_CASE("a null in a repeating primitive without an extension beside it is refused",
          "[validation][r4]") {
  const auto r = r4(R"({"resourceType": "Patient", "name": [{"given": ["Bayi", null]}]})");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].rule_id == "r4.null");
  CHECK(r.problems[0].expression == "Patient.name[0].given[1]");
}

TEST_CASE("a required primitive sent only as its extension (_status) counts as present",
          "[validation][r4]") {
  // Cardinality counts the element; a primitive element may have extensions and no value.
  const auto r = r4(std::string(R"({"resourceType": "Observation", "_status": )") + kAbsent +
                    R"(, "code": {"text": "Berat badan"}})");
  INFO(describe(r));
  CHECK(r.ok());
}

TEST_CASE("valid R4 JSON forms pass structure validation", "[validation][r4]") {
  const std::pair<const char*, std::string> cases[] = {
      {"a leap day", R"({"resourceType": "Patient", "birthDate": "2024-02-29"})"},
      {"a value with its extension",
       std::string(R"({"resourceType": "Patient", "birthDate": "2024-02-29", "_birthDate": )") +
           kAbsent + "}"},
      {"an extension without a value",
       std::string(R"({"resourceType": "Patient", "_birthDate": )") + kAbsent + "}"},
      {"a choice value with its extension of the same type",
       R"({"resourceType": "Patient", "deceasedDateTime": "2025-01-01T00:00:00+00:00", )"
       R"("_deceasedDateTime": {"id": "d1"}})"},
      {"a reference to a contained resource",
       R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, )"
       R"("contained": [{"resourceType": "Patient", "id": "p1"}], )"
       R"("subject": {"reference": "#p1"}})"},
      {"absolute, conditional and urn:uuid references",
       R"({"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, )"
       R"("subject": {"reference": "http://example.org/fhir/Patient/1"}, )"
       R"("serviceProvider": {"reference": "Organization?identifier=http://x|1"}, )"
       R"("partOf": {"reference": "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"}})"},
      {"a versioned relative reference",
       R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, )"
       R"("subject": {"reference": "Patient/123/_history/2"}})"},
      {"decimals in exponent and negative forms",
       R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, )"
       R"("valueQuantity": {"value": 1.0e2}, "component": [{"code": {"text": "y"}, )"
       R"("valueQuantity": {"value": -0.5}}]})"},
      {"integer limits", R"({"resourceType": "Patient", "multipleBirthInteger": 2147483647})"},
      {"a coding of a local system where the binding is extensible",
       R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, )"
       R"("interpretation": [{"coding": [{"system": "http://example.org/local", )"
       R"("code": "HIGH"}]}]})"},
  };
  for (const auto& [what, json] : cases) {
    const auto r = r4(json);
    INFO(what << ":\n" << json << "\n" << describe(r));
    CHECK(r.ok());
  }
}

TEST_CASE("a string of more than 1 MiB is refused at its element", "[validation][r4]") {
  // datatypes.html, string: "strings SHALL NOT exceed 1MB (1024*1024 characters) in size".
  const std::string at_limit(1024 * 1024, 'a');
  const auto ok = r4(R"({"resourceType": "Patient", "name": [{"text": ")" + at_limit + R"("}]})");
  CHECK(ok.ok());
  const auto over =
      r4(R"({"resourceType": "Patient", "name": [{"text": ")" + at_limit + R"(a"}]})");
  REQUIRE(over.problems.size() == 1);
  CHECK(over.problems[0].expression == "Patient.name[0].text");
}

TEST_CASE("a CodeableConcept under a required binding needs a coding from the value set",
          "[validation][r4]") {
  // terminologies.html, required: "the concept in this element SHALL be from the specified value
  // set". Codings of other systems may come as translations beside it, not instead of it.
  const auto with = r4(R"({"resourceType": "Condition", "subject": {"reference": "Patient/1"}, )"
                       R"("clinicalStatus": {"coding": [{"system": "http://snomed.info/sct", )"
                       R"("code": "55561003"}, )"
                       R"({"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", )"
                       R"("code": "active"}]}})");
  INFO(describe(with));
  CHECK(with.ok());
  for (const auto* cc :
       {R"({"coding": [{"system": "http://snomed.info/sct", "code": "55561003"}]})",
        R"({"text": "aktif"})"}) {
    const auto r = r4(std::string(R"({"resourceType": "Condition", )"
                                  R"("subject": {"reference": "Patient/1"}, "clinicalStatus": )") +
                      cc + "}");
    INFO(cc << "\n" << describe(r));
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].rule_id == "r4.binding");
    CHECK(r.problems[0].expression.rfind("Condition.clinicalStatus", 0) == 0);
  }
}

}  // namespace ilp::validation
