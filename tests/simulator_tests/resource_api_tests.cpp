// Create / read / update / search-by-identifier of the generic types (reference §2.1, §5.1).

#include <catch2/catch.hpp>

#include "mappers/json.hpp"
#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

using Catch::Matchers::Contains;

std::string encounter_search(const std::string& tag, bool encoded = true) {
  return std::string("/Encounter?identifier=http://sys-ids.kemkes.go.id/encounter/10000004") +
         (encoded ? "%7C" : "|") + tag;
}

}  // namespace

TEST_CASE("create answers 201 with a server id, an opaque versionId and a UTC lastUpdated",
          "[integration][sim]") {
  SimFixture sim;
  auto r = sim.fhir("POST", "/Encounter", sim.token(), sample("Encounter", "V-1"));
  REQUIRE(status(r) == 201);
  const auto d = json(r);
  const auto id = str_at(d, "id");
  CHECK(id.size() == 36);  // a UUID
  CHECK(id[14] == '4');
  const auto vid = str_at(d, "meta.versionId");
  CHECK(vid.size() >= 16);
  CHECK(vid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") ==
        std::string::npos);
  CHECK_THAT(str_at(d, "meta.lastUpdated"), Catch::EndsWith("+00:00"));
  CHECK(str_at(d, "status") == "finished");
  CHECK(header(r, "Location") == sim.fhir_url() + "/Encounter/" + id + "/_history/" + vid);
  CHECK(header(r, "ETag") == "W/\"" + vid + "\"");
  CHECK(header(r, "Content-Type") == "application/json");
}

TEST_CASE("read returns the stored resource, and an unknown id is 404 OperationOutcome",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto ref = new_encounter(sim, token, "V-2");
  auto r = sim.fhir("GET", "/" + ref, token);
  REQUIRE(status(r) == 200);
  CHECK("Encounter/" + str_at(json(r), "id") == ref);
  CHECK(str_at(json(r), "identifier.0.value") == "V-2");
  auto missing = sim.fhir("GET", "/Encounter/00000000-0000-4000-8000-000000000000", token);
  CHECK(status(missing) == 404);
  CHECK(str_at(json(missing), "resourceType") == "OperationOutcome");
  CHECK(str_at(json(missing), "issue.0.code") == "not-found");
}

TEST_CASE("PUT without id in the body is 400 'id is required' in SATUSEHAT's exact shape",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto ref = new_encounter(sim, token, "V-3");
  auto r = sim.fhir("PUT", "/" + ref, token, sample("Encounter", "V-3"));
  REQUIRE(status(r) == 400);
  CHECK(
      body(r) ==
      R"({"resourceType":"OperationOutcome","text":{"status":"generated"},"issue":[{"severity":"error","code":"value","details":{"text":"id is required"}}]})");
}

TEST_CASE("PUT with a mismatching id is 400, and PUT of an unknown id is 404",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto ref = new_encounter(sim, token, "V-4");
  const auto id = ref.substr(std::string("Encounter/").size());
  auto other =
      set_at(sample("Encounter", "V-4"), "id", R"("11111111-1111-4111-8111-111111111111")");
  auto mismatch = sim.fhir("PUT", "/" + ref, token, other);
  CHECK(status(mismatch) == 400);
  CHECK_THAT(issues(mismatch), Contains("does not match"));
  auto unknown = sim.fhir("PUT", "/Encounter/11111111-1111-4111-8111-111111111111", token, other);
  CHECK(status(unknown) == 404);
}

TEST_CASE("PUT stores a new version of the resource", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  // The peers' flow: POST at arrival, PUT the whole resource when finished (reference §4.1).
  auto arrived = set_at(sample("Encounter", "V-5"), "status", R"("arrived")");
  arrived = remove_at(arrived, "period.end");
  arrived = set_at(arrived, "statusHistory",
                   R"([{"status":"arrived","period":{"start":"2024-03-01T01:00:00+00:00"}}])");
  const auto id = create(sim, token, "Encounter", arrived);
  const auto v1 = str_at(json(sim.fhir("GET", "/Encounter/" + id, token)), "meta.versionId");

  auto finished = set_at(sample("Encounter", "V-5"), "id", quoted(id));
  auto r = sim.fhir("PUT", "/Encounter/" + id, token, finished);
  REQUIRE(status(r) == 200);
  const auto d = json(r);
  CHECK(str_at(d, "id") == id);
  CHECK(str_at(d, "status") == "finished");
  CHECK(str_at(d, "meta.versionId") != v1);
  auto read = json(sim.fhir("GET", "/Encounter/" + id, token));
  CHECK(str_at(read, "status") == "finished");
  CHECK(str_at(read, "meta.versionId") == str_at(d, "meta.versionId"));
  CHECK(stored_count(sim, "Encounter") == 1);
}

TEST_CASE("search by identifier finds the resource, and an unknown identifier gives total 0",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto ref = new_encounter(sim, token, "V-6");
  for (bool encoded : {true, false}) {
    auto r = sim.fhir("GET", encounter_search("V-6", encoded), token);
    REQUIRE(status(r) == 200);
    const auto d = json(r);
    CHECK(str_at(d, "type") == "searchset");
    REQUIRE(d["total"].GetInt() == 1);
    CHECK("Encounter/" + str_at(d, "entry.0.resource.id") == ref);
    CHECK(str_at(d, "entry.0.fullUrl") == sim.fhir_url() + "/" + ref);
  }
  auto none = sim.fhir("GET", encounter_search("V-unknown"), token);
  REQUIRE(status(none) == 200);
  CHECK(json(none)["total"].GetInt() == 0);
  // A search needs identifier=…; other parameters are not simulated.
  CHECK(status(sim.fhir("GET", "/Encounter", token)) == 400);
  CHECK(status(sim.fhir("GET", "/Encounter?subject=Patient/" + std::string(kBudi), token)) == 400);
}

TEST_CASE("every stored type supports create, read, update and search by identifier",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  Refs refs;
  for (const auto& type : sample_types()) {
    INFO(type);
    const auto json_text = sample(type, "T-" + type, refs);
    const auto id = create(sim, token, type, json_text);
    if (type == "Encounter") refs.encounter = "Encounter/" + id;
    if (type == "Medication") refs.medication = "Medication/" + id;

    auto read = sim.fhir("GET", "/" + type + "/" + id, token);
    REQUIRE(status(read) == 200);
    const auto stored = json(read);
    const auto system = str_at(stored, "identifier.0.system").empty()
                            ? str_at(stored, "identifier.system")
                            : str_at(stored, "identifier.0.system");
    auto search = sim.fhir("GET", "/" + type + "?identifier=" + system + "%7CT-" + type, token);
    REQUIRE(status(search) == 200);
    REQUIRE(json(search)["total"].GetInt() == 1);
    CHECK(str_at(json(search), "entry.0.resource.id") == id);

    auto put = sim.fhir("PUT", "/" + type + "/" + id, token, set_at(json_text, "id", quoted(id)));
    INFO(body(put));
    CHECK(status(put) == 200);
    CHECK(stored_count(sim, type) == 1);
  }
}

TEST_CASE("seeded Locations and Organizations exist as resources", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  for (const char* org : {"10000004", "10000005"}) {
    auto r = sim.fhir("GET", "/Organization/" + std::string(org), token);
    REQUIRE(status(r) == 200);
    CHECK(str_at(json(r), "id") == org);
  }
  auto loc = sim.fhir("GET", "/Location/" + std::string(kPoliUmum), token);
  REQUIRE(status(loc) == 200);
  CHECK(str_at(json(loc), "name") == "Poli Umum");
  CHECK(str_at(json(loc), "managingOrganization.reference") == "Organization/10000004");
  for (const char* id :
       {"c87e0ca7-badc-4c60-9080-277aaaf27a88", "2f1c9e0a-6d4b-4b8e-9a51-3c2d7e8f9a10",
        kTanjungPoli, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b"}) {
    CHECK(status(sim.fhir("GET", "/Location/" + std::string(id), token)) == 200);
  }
  auto search = sim.fhir("GET",
                         "/Location?identifier=http://sys-ids.kemkes.go.id/location/10000004%7C" +
                             std::string(kPoliUmum),
                         token);
  CHECK(json(search)["total"].GetInt() == 1);
  // Seeds are not "stored by clients".
  CHECK(stored_count(sim, "Location") == 0);
}

TEST_CASE("a second resource with an identifier already used is 400 Found duplicate resource",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto first = new_encounter(sim, token, "V-7");
  auto r = sim.fhir("POST", "/Encounter", token, sample("Encounter", "V-7"));
  REQUIRE(status(r) == 400);
  CHECK_THAT(issues(r), Contains("Found duplicate resource"));
  CHECK(str_at(json(r), "issue.0.code") == "duplicate");
  // The gateway recovers the existing id by identifier search.
  auto search = sim.fhir("GET", encounter_search("V-7"), token);
  CHECK("Encounter/" + str_at(json(search), "entry.0.resource.id") == first);
  CHECK(stored_count(sim, "Encounter") == 1);

  const auto obs = sample("Observation", "OBS-1", Refs{testing::kSukamajuOrg, first, ""});
  create(sim, token, "Observation", obs);
  CHECK(status(sim.fhir("POST", "/Observation", token, obs)) == 400);
  // Another facility's own numbering is another identifier: no clash.
  const auto tanjung = sim.token(testing::kTanjungClientId, testing::kTanjungSecret);
  CHECK(status(sim.fhir("POST", "/Encounter", tanjung,
                        sample("Encounter", "V-7", Refs{testing::kTanjungOrg, "", ""}))) == 201);
}

TEST_CASE("items of one prescription share its identifier without being duplicates",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  Refs refs;
  refs.encounter = new_encounter(sim, token, "V-8");
  refs.medication = "Medication/" + create(sim, token, "Medication", sample("Medication", "M-1"));
  const auto item1 = sample("MedicationRequest", "RX-1", refs);
  const auto item2 = set_at(item1, "identifier.1.value", R"("RX-1-2")");
  CHECK(status(sim.fhir("POST", "/MedicationRequest", token, item1)) == 201);
  CHECK(status(sim.fhir("POST", "/MedicationRequest", token, item2)) == 201);
  CHECK(status(sim.fhir("POST", "/MedicationRequest", token, item2)) == 400);
}

TEST_CASE("a PUT may keep its own identifier but not take another resource's",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const auto a = create(sim, token, "Encounter", sample("Encounter", "V-9"));
  const auto b = create(sim, token, "Encounter", sample("Encounter", "V-10"));
  CHECK(status(sim.fhir("PUT", "/Encounter/" + a, token,
                        set_at(sample("Encounter", "V-9"), "id", quoted(a)))) == 200);
  auto steal = sim.fhir("PUT", "/Encounter/" + b, token,
                        set_at(sample("Encounter", "V-9"), "id", quoted(b)));
  CHECK(status(steal) == 400);
  CHECK_THAT(issues(steal), Contains("Found duplicate resource"));
}

}  // namespace ilp::simtest
