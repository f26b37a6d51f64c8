// FHIR pass-through records are ordered with the same patient's mapped records (DESIGN.md §7):
// a newborn known only by the mother's NIK (…/id/nik-ibu) gets the key a mapped `patient`
// record of that baby gets.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <variant>

#include "gateway/config/config.hpp"
#include "gateway/ingest/envelope.hpp"
#include "gateway/ingest/fhir_input.hpp"
#include "mappers/json.hpp"
#include "mappers/mapping.hpp"
#include "mappers/outcome.hpp"
#include "mappers/pseudonym.hpp"

using namespace ilp::gateway;

namespace {

std::shared_ptr<const config::Config> cfg() {
  ::setenv("ILP_SECRET_PKM_SUKAMAJU", "x", 1);
  ::setenv("ILP_SECRET_PKM_TANJUNG", "x", 1);
  ::setenv("ILP_SECRET_PKM_SENTANI", "x", 1);
  static auto c = [] {
    auto loaded = std::make_shared<config::Config>(
        *config::load(std::string(ILP_SOURCE_DIR) + "/config/gateway.yaml"));
    loaded->pseudonymizer = std::make_shared<const ilp::mappers::Pseudonymizer>(
        ilp::mappers::Pseudonymizer::for_tests());
    return std::shared_ptr<const config::Config>(loaded);
  }();
  return c;
}

std::string read_file(const std::string& relative) {
  std::ifstream f(std::string(ILP_SOURCE_DIR) + "/" + relative);
  std::stringstream s;
  s << f.rdbuf();
  REQUIRE_FALSE(s.str().empty());
  return s.str();
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  REQUIRE_FALSE(ilp::mappers::parse_json_strict(text, d));
  return d;
}

// The key the pipeline stores for the mapped `patient` record of the golden newborn.
std::string mapped_key() {
  const auto env = parse(read_file("tests/golden/patient/newborn-without-nik.input.json"));
  const auto* facility = cfg()->facility("pkm-sukamaju");
  REQUIRE(facility != nullptr);
  const auto* mapping = cfg()->mappings->find("patient");
  REQUIRE(mapping != nullptr);
  const auto r = mapping->map(ilp::mappers::MapInput{facility->info, "BBL-1", 1, env["data"],
                                                     1'780'000'000'000, "2014-06-03",
                                                     cfg()->pseudonymizer.get()});
  INFO(ilp::mappers::outcome_to_storage(r.outcome));
  REQUIRE(r.ok());
  REQUIRE_FALSE(r.patient_key.empty());
  return r.patient_key;
}

std::string passthrough_key(const std::string& body, std::string_view type) {
  const auto* facility = cfg()->facility("pkm-sukamaju");
  const auto out = ingest::check_fhir({body, type, std::nullopt}, *cfg(), *facility);
  REQUIRE(std::holds_alternative<ingest::Envelope>(out));
  return std::get<ingest::Envelope>(out).patient_key;
}

}  // namespace

TEST_CASE("a newborn Patient posted by pass-through gets the mapped newborn's patient key",
          "[unit]") {
  const auto bundle = read_file("tests/golden/patient/newborn-without-nik.bundle.json");
  const auto patient = ilp::mappers::to_json(parse(bundle)["entry"][0]["resource"]);
  const std::string key = mapped_key();
  CHECK(passthrough_key(patient, "Patient") == key);
  CHECK(passthrough_key(bundle, "") == key);
  // The key is a pseudonym: the mother's NIK is not in it.
  CHECK(key.find("3204016011000006") == std::string::npos);
}

TEST_CASE("a pass-through bundle referring to a newborn by nik-ibu only still gets a key",
          "[unit]") {
  auto d = parse(read_file("tests/golden/visit/newborn-mother-nik.bundle.json"));
  const std::string key = passthrough_key(ilp::mappers::to_json(d), "");
  CHECK_FALSE(key.empty());
}
