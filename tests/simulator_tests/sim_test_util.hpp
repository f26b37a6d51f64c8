#pragma once
// Shared by the simulator's tests: valid sample resources of every type the simulator stores,
// JSON edits to break them one element at a time, and readers for answers.

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "support/sim_fixture.hpp"

namespace ilp::simtest {

using testing::HttpResult;
using testing::SimFixture;

inline constexpr const char* kBudi = "P02478375538";  // seeded patient (NIK ...0001)
inline constexpr const char* kBudiNik = "3204010101900001";
inline constexpr const char* kSiti = "100000030006";  // seeded mother
inline constexpr const char* kSitiNik = "3204014102950002";
inline constexpr const char* kUnknownNik = "3204019999990099";  // not in the seed
inline constexpr const char* kDrAndi = "N10000001";
inline constexpr const char* kDrAndiNik = "3204011203800001";
inline constexpr const char* kPoliUmum = "b017aa54-f1df-4ec2-9d84-8823815d7228";  // Sukamaju
inline constexpr const char* kTanjungPoli = "7d3c2b1a-0e9f-4a8b-8c7d-6e5f4a3b2c1d";
inline constexpr const char* kNik = "https://fhir.kemkes.go.id/id/nik";
inline constexpr const char* kNikIbu = "https://fhir.kemkes.go.id/id/nik-ibu";

// ---- answers ---------------------------------------------------------------------------------
int status(const HttpResult& r);  // -1 when no answer was read
const std::string& body(const HttpResult& r);
std::string header(const HttpResult& r, std::string_view name);  // "" when absent
rapidjson::Document json(const HttpResult& r);
// Every issue as "details.text @ expression", one per line, for Contains matchers.
std::string issues(const HttpResult& r);
// The string at a dotted path ("entry.0.resource.id"), "" when absent or not a string.
std::string str_at(const rapidjson::Value& v, std::string_view dotted);

// ---- samples -----------------------------------------------------------------------------------
// Ids a sample may reference.
struct Refs {
  std::string org = testing::kSukamajuOrg;
  std::string encounter;   // "Encounter/<id>" or a urn:uuid
  std::string medication;  // "Medication/<id>" or a urn:uuid
};

// A valid resource of `type` (any type the simulator stores generically) whose facility
// identifier value is `tag`; times in March 2024, UTC.
std::string sample(std::string_view type, const std::string& tag, const Refs& refs = {});
// The generic types, in an order where each only references earlier ones.
const std::vector<std::string>& sample_types();

// ---- edits -------------------------------------------------------------------------------------
// Path syntax "a.b.0.c" (numbers index arrays; set_at with index == size appends). Throws when
// the parent does not exist.
std::string set_at(const std::string& json, std::string_view path, const std::string& value_json);
std::string remove_at(const std::string& json, std::string_view path);
// A JSON string literal for `s`.
std::string quoted(std::string_view s);
// Now + `offset_s`, as "YYYY-MM-DDThh:mm:ss+00:00".
std::string utc_from_now(long long offset_s);

// ---- requests ----------------------------------------------------------------------------------
// POST /{type}; REQUIREs 201 and returns the new id.
std::string create(const SimFixture& sim, const std::string& token, std::string_view type,
                   const std::string& json);
// A stored finished Encounter of Sukamaju; returns "Encounter/<id>".
std::string new_encounter(const SimFixture& sim, const std::string& token, const std::string& tag);

struct Entry {
  Entry(std::string full_url_, std::string resource_, std::string method_ = "POST",
        std::string url_ = {})
      : full_url(std::move(full_url_)),
        resource(std::move(resource_)),
        method(std::move(method_)),
        url(std::move(url_)) {}
  std::string full_url;  // "" = none
  std::string resource;
  std::string method;
  std::string url;  // "" = the resource type
};
std::string bundle(const std::vector<Entry>& entries);

// GET /_sim/resources?type=T → total.
int stored_count(const SimFixture& sim, std::string_view type);

}  // namespace ilp::simtest
