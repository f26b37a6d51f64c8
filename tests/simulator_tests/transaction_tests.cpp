// Transaction Bundles on the FHIR base (reference §4.18).

#include <catch2/catch.hpp>

#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

using Catch::Matchers::Contains;

constexpr const char* kEncUrn = "urn:uuid:3f1a6f2e-8f0a-4f4e-9f7e-0c1d2b3a4c5d";
constexpr const char* kCondUrn = "urn:uuid:9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
constexpr const char* kObsUrn = "urn:uuid:0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";

// Encounter + Condition + Observation, referencing each other by urn:uuid, the Encounter's
// diagnosis pointing forward to the Condition (as in reference §4.18).
std::vector<Entry> visit(const std::string& tag) {
  const Refs by_urn{testing::kSukamajuOrg, kEncUrn, ""};
  auto enc = set_at(
      sample("Encounter", tag), "diagnosis",
      std::string(R"([{"condition":{"reference":")") + kCondUrn +
          R"("},"use":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/diagnosis-role","code":"DD"}]},"rank":1}])");
  return {{kEncUrn, enc},
          {kCondUrn, sample("Condition", tag, by_urn)},
          {kObsUrn, sample("Observation", tag, by_urn)}};
}

}  // namespace

TEST_CASE("a transaction stores every entry and answers a transaction-response",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto r = sim.fhir("POST", "", token, bundle(visit("TX-1")));
  INFO(body(r));
  REQUIRE(status(r) == 200);
  const auto d = json(r);
  CHECK(str_at(d, "resourceType") == "Bundle");
  CHECK(str_at(d, "type") == "transaction-response");
  REQUIRE(d["entry"].Size() == 3);
  const char* types[] = {"Encounter", "Condition", "Observation"};
  std::vector<std::string> ids;
  for (rapidjson::SizeType i = 0; i < 3; ++i) {
    const auto at = "entry." + std::to_string(i) + ".response.";
    const auto id = str_at(d, at + "resourceID");
    const auto location = str_at(d, at + "location");
    const auto etag = str_at(d, at + "etag");
    CHECK(str_at(d, at + "status") == "201 Created");
    CHECK(str_at(d, at + "resourceType") == types[i]);
    REQUIRE(!id.empty());
    CHECK_THAT(location, Catch::StartsWith(std::string(types[i]) + "/" + id + "/_history/"));
    const auto vid = location.substr(location.rfind('/') + 1);
    CHECK(etag == "W/\"" + vid + "\"");
    CHECK_THAT(str_at(d, at + "lastModified"), Catch::EndsWith("+00:00"));
    ids.push_back(id);
  }
  // urn:uuid references were rewritten to the assigned ids, forward ones included.
  auto cond = json(sim.fhir("GET", "/Condition/" + ids[1], token));
  CHECK(str_at(cond, "encounter.reference") == "Encounter/" + ids[0]);
  auto enc = json(sim.fhir("GET", "/Encounter/" + ids[0], token));
  CHECK(str_at(enc, "diagnosis.0.condition.reference") == "Condition/" + ids[1]);
  auto obs = json(sim.fhir("GET", "/Observation/" + ids[2], token));
  CHECK(str_at(obs, "encounter.reference") == "Encounter/" + ids[0]);
  CHECK(stored_count(sim, "Encounter") == 1);
  CHECK(stored_count(sim, "Condition") == 1);
  CHECK(stored_count(sim, "Observation") == 1);
  CHECK(sim.stats()["bundles_accepted"].GetUint64() == 1);
}

TEST_CASE("one failing entry rejects the whole bundle and stores nothing", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto entries = visit("TX-2");
  entries[2].resource = remove_at(entries[2].resource, "subject");
  auto r = sim.fhir("POST", "", token, bundle(entries));
  REQUIRE(status(r) == 400);
  CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  CHECK_THAT(issues(r), Contains("RuleNumber: 10129 @ Bundle.entry[2].resource.subject"));
  CHECK(stored_count(sim, "Encounter") == 0);
  CHECK(stored_count(sim, "Condition") == 0);
  CHECK(stored_count(sim, "Observation") == 0);
  auto stats = sim.stats();
  CHECK(stats["bundles_rejected"].GetUint64() == 1);
  CHECK(stats["bundles_accepted"].GetUint64() == 0);
  // Every failing entry is reported, each with its index.
  entries[0].resource =
      set_at(entries[0].resource, "period.start", R"("2024-03-01T08:00:00+07:00")");
  auto both = sim.fhir("POST", "", token, bundle(entries));
  CHECK_THAT(issues(both), Contains("@ Bundle.entry[0].resource.period.start"));
  CHECK_THAT(issues(both), Contains("@ Bundle.entry[2].resource.subject"));
}

TEST_CASE("a urn:uuid that matches no entry is an invalid reference", "[integration][sim]") {
  SimFixture sim;
  auto entries = visit("TX-3");
  entries.erase(entries.begin());  // the Encounter the others point at
  auto r = sim.fhir("POST", "", sim.token(), bundle(entries));
  REQUIRE(status(r) == 400);
  CHECK_THAT(issues(r), Contains("Invalid reference"));
  CHECK_THAT(issues(r), Contains("@ Bundle.entry[0].resource.encounter.reference"));
  CHECK(stored_count(sim, "Condition") == 0);
}

TEST_CASE("PUT entries update existing resources inside a transaction", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto arrived = set_at(sample("Encounter", "TX-4"), "status", R"("arrived")");
  arrived = remove_at(arrived, "period.end");
  arrived = set_at(arrived, "statusHistory",
                   R"([{"status":"arrived","period":{"start":"2024-03-01T01:00:00+00:00"}}])");
  const auto id = create(sim, token, "Encounter", arrived);
  const auto v1 = str_at(json(sim.fhir("GET", "/Encounter/" + id, token)), "meta.versionId");

  const std::string full = "urn:uuid:6a0e7f4c-1d2b-4c3a-9e8f-7a6b5c4d3e2f";
  std::vector<Entry> entries = {
      {full, set_at(sample("Encounter", "TX-4"), "id", quoted(id)), "PUT", "Encounter/" + id},
      {kCondUrn, sample("Condition", "TX-4", Refs{testing::kSukamajuOrg, full, ""})},
  };
  auto r = sim.fhir("POST", "", token, bundle(entries));
  INFO(body(r));
  REQUIRE(status(r) == 200);
  const auto d = json(r);
  CHECK(str_at(d, "entry.0.response.status") == "200 OK");
  CHECK(str_at(d, "entry.0.response.resourceID") == id);
  CHECK(str_at(d, "entry.1.response.status") == "201 Created");
  auto enc = json(sim.fhir("GET", "/Encounter/" + id, token));
  CHECK(str_at(enc, "status") == "finished");
  CHECK(str_at(enc, "meta.versionId") != v1);
  auto cond =
      json(sim.fhir("GET", "/Condition/" + str_at(d, "entry.1.response.resourceID"), token));
  CHECK(str_at(cond, "encounter.reference") == "Encounter/" + id);
  CHECK(stored_count(sim, "Encounter") == 1);
}

TEST_CASE("malformed PUT entries reject the bundle", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto id = create(sim, token, "Encounter", sample("Encounter", "TX-5"));
  const auto good = set_at(sample("Encounter", "TX-5"), "id", quoted(id));
  struct Case {
    Entry entry;
    const char* text;
  };
  const std::vector<Case> cases = {
      {{"", sample("Encounter", "TX-5"), "PUT", "Encounter/" + id}, "id is required"},
      {{"", good, "PUT", "Encounter/11111111-1111-4111-8111-111111111111"}, "does not match"},
      {{"", set_at(good, "id", R"("11111111-1111-4111-8111-111111111111")"), "PUT",
        "Encounter/11111111-1111-4111-8111-111111111111"},
       "is not found"},
      {{"", good, "PUT", "Condition/" + id}, "request.url"},
      {{"", good, "DELETE", "Encounter/" + id}, "POST or PUT"},
      {{"", sample("Encounter", "TX-6"), "POST", "Condition"}, "request.url"},
  };
  for (const auto& c : cases) {
    auto r = sim.fhir("POST", "", token, bundle({c.entry}));
    INFO(c.text << "\n" << body(r));
    CHECK(status(r) == 400);
    CHECK_THAT(issues(r), Contains(c.text));
    CHECK_THAT(issues(r), Contains("@ Bundle.entry[0]"));
  }
  CHECK(stored_count(sim, "Encounter") == 1);
}

TEST_CASE("the same identifier twice in one bundle is a duplicate", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto r = sim.fhir("POST", "", token,
                    bundle({{"", sample("Encounter", "TX-7")}, {"", sample("Encounter", "TX-7")}}));
  REQUIRE(status(r) == 400);
  CHECK_THAT(issues(r), Contains("Found duplicate resource"));
  CHECK_THAT(issues(r), Contains("@ Bundle.entry[1].resource.identifier"));
  CHECK(stored_count(sim, "Encounter") == 0);
  // And against what is already stored.
  new_encounter(sim, token, "TX-8");
  auto again = sim.fhir("POST", "", token, bundle({{"", sample("Encounter", "TX-8")}}));
  CHECK(status(again) == 400);
  CHECK_THAT(issues(again), Contains("Found duplicate resource"));
}

TEST_CASE("a body that is not a transaction Bundle is 400", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto one = sample("Encounter", "TX-9");
  const std::vector<std::string> bodies = {
      one,
      R"({"resourceType":"Bundle","type":"batch","entry":[{"resource":)" + one +
          R"(,"request":{"method":"POST","url":"Encounter"}}]})",
      R"({"resourceType":"Bundle","type":"transaction","entry":[]})",
      R"({"resourceType":"Bundle","type":"transaction"})",
      R"({"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Encounter"}}]})",
      R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Foo"},"request":{"method":"POST","url":"Foo"}}]})",
      "[]",
  };
  for (const auto& b : bodies) {
    INFO(b);
    auto r = sim.fhir("POST", "", token, b);
    CHECK(status(r) == 400);
    CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  }
  CHECK(stored_count(sim, "Encounter") == 0);
}

TEST_CASE("Patient entries are not accepted in a transaction", "[integration][sim]") {
  SimFixture sim;
  const std::string patient = R"({"resourceType":"Patient",
   "identifier":[{"system":"https://fhir.kemkes.go.id/id/nik-ibu","value":"3204014102950002"}],
   "name":[{"text":"Bayi"}],"gender":"male","birthDate":"2024-08-01","multipleBirthInteger":1,
   "address":[{"city":"Bandung"}]})";
  auto r = sim.fhir("POST", "", sim.token(), bundle({{"", patient}}));
  CHECK(status(r) == 400);
  CHECK_THAT(issues(r), Contains("@ Bundle.entry[0].resource.resourceType"));
}

TEST_CASE("another organization in one entry makes the whole bundle 403", "[integration][sim]") {
  SimFixture sim;
  auto entries = visit("TX-10");
  entries[0].resource =
      set_at(entries[0].resource, "serviceProvider.reference", R"("Organization/10000005")");
  auto r = sim.fhir("POST", "", sim.token(), bundle(entries));
  CHECK(status(r) == 403);
  CHECK_THAT(issues(r), Contains("resource cannot be accessed due to business rule"));
  CHECK(stored_count(sim, "Encounter") == 0);
  CHECK(sim.stats()["bundles_rejected"].GetUint64() == 1);
}

}  // namespace ilp::simtest
