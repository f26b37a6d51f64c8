// Patient and Practitioner lookup and newborn registration (reference §3.3, §3.4).

#include <catch2/catch.hpp>

#include "tests/simulator_tests/sim_test_util.hpp"

namespace ilp::simtest {
namespace {

using Catch::Matchers::Contains;

std::string by_identifier(const char* system, const std::string& value, bool encode_bar = true) {
  return std::string("?identifier=") + system + (encode_bar ? "%7C" : "|") + value;
}

std::string newborn(const std::string& mother_nik, const std::string& name = "Bayi Ny. Siti",
                    const std::string& birth_date = "2024-08-01", int order = 1) {
  return R"({"resourceType":"Patient",
 "identifier":[{"system":"https://fhir.kemkes.go.id/id/nik-ibu","value":")" +
         mother_nik + R"("}],
 "active":true,"name":[{"use":"official","text":")" +
         name + R"("}],
 "gender":"female","birthDate":")" +
         birth_date + R"(","multipleBirthInteger":)" + std::to_string(order) + R"(,
 "address":[{"use":"home","line":["Jl. Melati 1"],"city":"Bandung","country":"ID"}]})";
}

}  // namespace

TEST_CASE("Patient search by NIK returns a searchset with the IHS number", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto r = sim.fhir("GET", "/Patient" + by_identifier(kNik, kBudiNik), token);
  REQUIRE(status(r) == 200);
  const auto d = json(r);
  CHECK(str_at(d, "resourceType") == "Bundle");
  CHECK(str_at(d, "type") == "searchset");
  CHECK(d["total"].GetInt() == 1);
  REQUIRE(d["entry"].Size() == 1);
  CHECK(str_at(d, "entry.0.fullUrl") == sim.fhir_url() + "/Patient/" + kBudi);
  CHECK(str_at(d, "entry.0.resource.resourceType") == "Patient");
  CHECK(str_at(d, "entry.0.resource.id") == kBudi);
  CHECK(str_at(d, "entry.0.resource.identifier.0.system") ==
        "https://fhir.kemkes.go.id/id/ihs-number");
  CHECK(str_at(d, "entry.0.resource.identifier.0.value") == kBudi);
  CHECK(str_at(d, "entry.0.resource.identifier.1.system") == kNik);
  // Search answers are partial: the NIK comes back masked, the name is there.
  CHECK(str_at(d, "entry.0.resource.identifier.1.value") == "################");
  CHECK(str_at(d, "entry.0.resource.name.0.text") == "Budi Santoso");
  CHECK(!str_at(d, "entry.0.resource.meta.versionId").empty());
  CHECK_THAT(str_at(d, "entry.0.resource.meta.lastUpdated"), Catch::EndsWith("+00:00"));
  CHECK(str_at(d, "entry.0.resource.meta.profile.0") ==
        "https://fhir.kemkes.go.id/r4/StructureDefinition/Patient");
  CHECK(str_at(d, "link.0.relation") == "self");
}

TEST_CASE("the | of an identifier search may arrive raw or url-encoded", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  for (bool encoded : {true, false}) {
    auto r = sim.fhir("GET", "/Patient" + by_identifier(kNik, kBudiNik, encoded), token);
    REQUIRE(status(r) == 200);
    CHECK(json(r)["total"].GetInt() == 1);
  }
  // The whole parameter encoded, as url_encode would produce it.
  auto r = sim.fhir(
      "GET",
      "/Patient?identifier=https%3A%2F%2Ffhir.kemkes.go.id%2Fid%2Fnik%7C" + std::string(kBudiNik),
      token);
  CHECK(json(r)["total"].GetInt() == 1);
}

TEST_CASE("an unknown NIK is 200 with total 0", "[integration][sim]") {
  SimFixture sim;
  auto r = sim.fhir("GET", "/Patient" + by_identifier(kNik, kUnknownNik), sim.token());
  REQUIRE(status(r) == 200);
  const auto d = json(r);
  CHECK(d["total"].GetInt() == 0);
  CHECK(d["entry"].Size() == 0);
}

TEST_CASE("newborns are found by the mother's NIK", "[integration][sim]") {
  SimFixture sim;
  auto r = sim.fhir("GET", "/Patient" + by_identifier(kNikIbu, kSitiNik), sim.token());
  REQUIRE(status(r) == 200);
  const auto d = json(r);
  REQUIRE(d["total"].GetInt() == 1);
  CHECK(str_at(d, "entry.0.resource.id") == "P00000000099");
  CHECK(str_at(d, "entry.0.resource.identifier.1.system") == kNikIbu);
  // The mother herself is found by her own NIK, not by nik-ibu.
  auto mother = sim.fhir("GET", "/Patient" + by_identifier(kNik, kSitiNik), sim.token());
  CHECK(str_at(json(mother), "entry.0.resource.id") == kSiti);
}

TEST_CASE("Practitioner search by NIK returns the practitioner's IHS number",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto r = sim.fhir("GET", "/Practitioner" + by_identifier(kNik, kDrAndiNik), token);
  REQUIRE(status(r) == 200);
  auto d = json(r);
  REQUIRE(d["total"].GetInt() == 1);
  CHECK(str_at(d, "entry.0.resource.id") == kDrAndi);
  CHECK(str_at(d, "entry.0.resource.name.0.text") == "dr. Andi Wijaya");
  CHECK(str_at(d, "entry.0.fullUrl") == sim.fhir_url() + "/Practitioner/" + kDrAndi);
  auto rina = sim.fhir("GET", "/Practitioner" + by_identifier(kNik, "7371011505850002"), token);
  CHECK(str_at(json(rina), "entry.0.resource.id") == "N10000002");
  auto none = sim.fhir("GET", "/Practitioner" + by_identifier(kNik, kUnknownNik), token);
  CHECK(json(none)["total"].GetInt() == 0);
}

TEST_CASE("Patient and Practitioner are read by IHS number, and unknown ids are 404",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto p = sim.fhir("GET", "/Patient/" + std::string(kBudi), token);
  REQUIRE(status(p) == 200);
  const auto pd = json(p);
  CHECK(str_at(pd, "id") == kBudi);
  CHECK(str_at(pd, "birthDate") == "1990-01-01");
  CHECK(str_at(pd, "gender") == "male");
  auto pr = sim.fhir("GET", "/Practitioner/" + std::string(kDrAndi), token);
  REQUIRE(status(pr) == 200);
  CHECK(str_at(json(pr), "id") == kDrAndi);
  for (const char* path : {"/Patient/P99999999999", "/Practitioner/N99999999"}) {
    auto r = sim.fhir("GET", path, token);
    CHECK(status(r) == 404);
    CHECK(str_at(json(r), "resourceType") == "OperationOutcome");
  }
}

TEST_CASE("Patient search by name and birth date with NIK or gender", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto r = sim.fhir(
      "GET", "/Patient?name=budi%20santoso&birthdate=1990-01-01&nik=" + std::string(kBudiNik),
      token);
  REQUIRE(status(r) == 200);
  auto d = json(r);
  REQUIRE(d["total"].GetInt() == 1);
  CHECK(str_at(d, "entry.0.resource.id") == kBudi);
  auto g = sim.fhir("GET", "/Patient?name=Siti&birthdate=1995-02-01&gender=female", token);
  CHECK(json(g)["total"].GetInt() == 1);
  auto none = sim.fhir("GET", "/Patient?name=Siti&birthdate=1995-02-01&gender=male", token);
  CHECK(json(none)["total"].GetInt() == 0);
  // Name and birth date alone are not a documented search.
  CHECK(status(sim.fhir("GET", "/Patient?name=Siti&birthdate=1995-02-01", token)) == 400);
}

TEST_CASE("POST Patient with a nik-ibu identifier registers a newborn, answered as in practice",
          "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  auto r = sim.fhir("POST", "/Patient", token, newborn(kSitiNik));
  REQUIRE(status(r) == 201);
  const auto d = json(r);
  // {"create_patient": {"success": true, "data": {"patient_id": "…"}}} (reference §3.3).
  REQUIRE(d.HasMember("create_patient"));
  CHECK(d["create_patient"]["success"].IsTrue());
  const auto id = str_at(d, "create_patient.data.patient_id");
  REQUIRE(!id.empty());
  CHECK(!d.HasMember("resourceType"));

  auto found = sim.fhir("GET", "/Patient" + by_identifier(kNikIbu, kSitiNik), token);
  const auto fd = json(found);
  CHECK(fd["total"].GetInt() == 2);  // the seeded baby and this one
  auto read = sim.fhir("GET", "/Patient/" + id, token);
  REQUIRE(status(read) == 200);
  CHECK(json(read)["multipleBirthInteger"].GetInt() == 1);
  CHECK(stored_count(sim, "Patient") == 1);
}

TEST_CASE("POST Patient with a NIK answers {success, data.patient_id}", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const std::string body = R"({"resourceType":"Patient",
   "identifier":[{"system":"https://fhir.kemkes.go.id/id/nik","value":"3204017777770001"}],
   "name":[{"text":"Warga Baru"}],"gender":"male","birthDate":"1980-04-04",
   "address":[{"city":"Bandung"}]})";
  auto r = sim.fhir("POST", "/Patient", token, body);
  REQUIRE(status(r) == 201);
  const auto d = json(r);
  CHECK(d["success"].IsTrue());
  const auto id = str_at(d, "data.patient_id");
  REQUIRE(!id.empty());
  auto found =
      sim.fhir("GET", "/Patient?identifier=" + std::string(kNik) + "%7C3204017777770001", token);
  CHECK(str_at(json(found), "entry.0.resource.id") == id);
}

TEST_CASE("patient-create-response fhir answers the created Patient resource",
          "[integration][sim]") {
  SimFixture sim({"--patient-create-response", "fhir"});
  auto r = sim.fhir("POST", "/Patient", sim.token(), newborn(kSitiNik));
  REQUIRE(status(r) == 201);
  const auto d = json(r);
  CHECK(str_at(d, "resourceType") == "Patient");
  CHECK(!str_at(d, "id").empty());
  CHECK(str_at(d, "identifier.0.value") == str_at(d, "id"));
  CHECK(!str_at(d, "meta.versionId").empty());
}

TEST_CASE("newborn registration rules carry their rule numbers", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  struct Case {
    std::string body;
    const char* expect;
  };
  const auto base = newborn(kSitiNik);
  const std::vector<Case> cases = {
      {set_at(base, "name.0.text", R"("")"), "RuleNumber: 10168"},
      {remove_at(base, "name"), "RuleNumber: 10168"},
      {remove_at(base, "address"), "RuleNumber: 10333"},
      {set_at(base, "address", "[]"), "RuleNumber: 10333"},
      {remove_at(base, "multipleBirthInteger"), "RuleNumber: 10167"},
      {set_at(base, "multipleBirthInteger", R"("1")"), "Invalid integer value"},
      {remove_at(base, "birthDate"), "birthDate is mandatory"},
      {remove_at(base, "gender"), "gender is mandatory"},
      {set_at(base, "gender", R"("x")"), "Code not found"},
      {remove_at(base, "identifier"), "nik-ibu"},
  };
  for (const auto& c : cases) {
    auto r = sim.fhir("POST", "/Patient", token, c.body);
    INFO(c.body);
    CHECK(status(r) == 400);
    CHECK_THAT(issues(r), Contains(c.expect));
  }
  CHECK(stored_count(sim, "Patient") == 0);
}

TEST_CASE("registering a patient twice is a duplicate", "[integration][sim]") {
  SimFixture sim;
  const auto token = sim.token();
  const std::string seeded = R"({"resourceType":"Patient",
   "identifier":[{"system":"https://fhir.kemkes.go.id/id/nik","value":"3204010101900001"}],
   "name":[{"text":"Budi Santoso"}],"gender":"male","birthDate":"1990-01-01",
   "address":[{"city":"Bandung"}]})";
  auto r = sim.fhir("POST", "/Patient", token, seeded);
  CHECK(status(r) == 400);
  CHECK_THAT(issues(r), Contains("Found duplicate resource"));

  REQUIRE(status(sim.fhir("POST", "/Patient", token, newborn(kSitiNik))) == 201);
  auto again = sim.fhir("POST", "/Patient", token, newborn(kSitiNik));
  CHECK(status(again) == 400);
  CHECK_THAT(issues(again), Contains("Found duplicate resource"));
  // A twin (second birth order) is a different person.
  CHECK(status(sim.fhir("POST", "/Patient", token,
                        newborn(kSitiNik, "Bayi Ny. Siti 2", "2024-08-01", 2))) == 201);
}

}  // namespace ilp::simtest
