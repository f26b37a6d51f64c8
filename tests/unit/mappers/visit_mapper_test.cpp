#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "mappers/mapping.hpp"
#include "mappers/pseudonym.hpp"
#include "mappers/sha256.hpp"
#include "mappers/urn_factory.hpp"
#include "unit/mappers/visit_fixtures.hpp"

namespace ilp::mappers {
namespace {

using test::VisitCase;

rapidjson::Document bundle_of(const MapResult& r) {
  INFO(outcome_to_storage(r.outcome));
  REQUIRE(r.ok());
  return test::parse_or_fail(r.bundle_json);
}

const rapidjson::Value& resource(const rapidjson::Document& bundle, std::size_t i) {
  return bundle["entry"][static_cast<rapidjson::SizeType>(i)]["resource"];
}

std::string str(const rapidjson::Value* v) {
  REQUIRE(v != nullptr);
  REQUIRE(v->IsString());
  return v->GetString();
}

bool is_name_based_uuid_urn(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (s.size() != kPrefix.size() + 36 || s.substr(0, kPrefix.size()) != kPrefix) return false;
  const auto u = s.substr(kPrefix.size());
  for (std::size_t i = 0; i < u.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = u[i];
    if (dash != (c == '-')) return false;
    if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return u[14] == '5' && (u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
}

TEST_CASE("the same input maps to a byte-identical bundle", "[unit]") {
  const VisitCase c;
  const auto a = c.map();
  const auto b = c.map();
  REQUIRE(a.ok());
  CHECK(a.bundle_json == b.bundle_json);
  CHECK(a.patient_key == b.patient_key);
  REQUIRE(a.resources.size() == b.resources.size());
  for (std::size_t i = 0; i < a.resources.size(); ++i) {
    CHECK(a.resources[i].local == b.resources[i].local);
  }
}

TEST_CASE("a new revision gets new urn:uuids for every resource", "[unit]") {
  const VisitCase c;
  const auto r1 = c.map(test::sukamaju(), 1);
  const auto r2 = c.map(test::sukamaju(), 2);
  REQUIRE(r1.resources.size() == r2.resources.size());
  for (std::size_t i = 0; i < r1.resources.size(); ++i) {
    CHECK(r1.resources[i].name == r2.resources[i].name);
    CHECK(r1.resources[i].local != r2.resources[i].local);
  }
  CHECK(r1.bundle_json != r2.bundle_json);
}

TEST_CASE("another record or facility gets different urn:uuids", "[unit]") {
  const VisitCase c;
  const auto a = c.map(test::sukamaju(), 1, "RJ-1");
  const auto b = c.map(test::sukamaju(), 1, "RJ-2");
  auto other = test::sukamaju();
  other.key = "pkm-lain";
  const auto d = c.map(other, 1, "RJ-1");
  CHECK(a.resources[0].local != b.resources[0].local);
  CHECK(a.resources[0].local != d.resources[0].local);
}

TEST_CASE("urn:uuids are lowercase RFC 4122 name-based uuids, unique within a bundle", "[unit]") {
  const auto r = VisitCase().map();
  std::set<std::string> seen;
  for (const auto& res : r.resources) {
    INFO(res.local);
    CHECK(is_name_based_uuid_urn(res.local));
    CHECK(seen.insert(res.local).second);
  }
}

TEST_CASE("urn derivation cannot be confused by ids that share separators", "[unit]") {
  CHECK(UrnFactory("a", "b-c", 1).urn("x") != UrnFactory("a-b", "c", 1).urn("x"));
  CHECK(UrnFactory("a", "b", 1).urn("1x") != UrnFactory("a", "b", 11).urn("x"));
}

TEST_CASE("resources are listed in bundle order with their names, types and urns", "[unit]") {
  const auto r = VisitCase().map();
  const auto bundle = bundle_of(r);
  CHECK(str(member(bundle, "resourceType")) == "Bundle");
  CHECK(str(member(bundle, "type")) == "transaction");
  const auto& entries = bundle["entry"];
  REQUIRE(entries.Size() == r.resources.size());
  std::vector<std::string> names;
  for (rapidjson::SizeType i = 0; i < entries.Size(); ++i) {
    const auto& res = r.resources[i];
    names.push_back(res.name);
    CHECK(str(member(entries[i], "fullUrl")) == res.local);
    CHECK(str(at_path(entries[i], "resource.resourceType")) == res.type);
    CHECK(str(at_path(entries[i], "request.method")) == "POST");
    CHECK(str(at_path(entries[i], "request.url")) == res.type);
  }
  // Vital signs in the order the record sent them; each: resources are "<name>.<index>".
  CHECK(names == std::vector<std::string>{"encounter", "vital.0", "vital.1", "vital.2", "vital.3",
                                          "diagnosis.0", "diagnosis.1", "procedure.0"});
  CHECK(str(at_path(entries[1], "resource.identifier.0.value")) == "visit-RJ1-systolic");
}

TEST_CASE("every resource carries the facility's identifier for idempotent delivery", "[unit]") {
  const auto r = VisitCase().map();
  const auto bundle = bundle_of(r);
  const std::map<std::string, std::string> kind = {{"Encounter", "encounter"},
                                                   {"Observation", "observation"},
                                                   {"Condition", "condition"},
                                                   {"Procedure", "procedure"}};
  std::vector<std::string> values;
  for (std::size_t i = 0; i < r.resources.size(); ++i) {
    const auto& res = resource(bundle, i);
    CHECK(str(at_path(res, "identifier.0.system")) ==
          "http://sys-ids.kemkes.go.id/" + kind.at(r.resources[i].type) + "/10000004");
    values.push_back(str(at_path(res, "identifier.0.value")));
  }
  CHECK(values == std::vector<std::string>{"visit-RJ1", "visit-RJ1-systolic", "visit-RJ1-diastolic",
                                           "visit-RJ1-heart_rate", "visit-RJ1-temperature",
                                           "visit-RJ1-diagnosis-0", "visit-RJ1-diagnosis-1",
                                           "visit-RJ1-procedure-0"});
}

TEST_CASE("all times in the bundle are UTC +00:00 without fractions", "[unit]") {
  const auto r = VisitCase().set("finished_at", R"("2025-03-14T08:40:00.999")").map();
  const auto bundle = bundle_of(r);
  const auto& enc = resource(bundle, 0);
  CHECK(str(at_path(enc, "period.start")) == "2025-03-14T01:00:00+00:00");
  CHECK(str(at_path(enc, "period.end")) == "2025-03-14T01:40:00+00:00");
  CHECK(str(at_path(enc, "statusHistory.1.period.start")) == "2025-03-14T01:15:00+00:00");
  const auto& obs = resource(bundle, 1);
  CHECK(str(member(obs, "effectiveDateTime")) == "2025-03-14T01:15:00+00:00");
  CHECK(str(member(obs, "issued")) == "2025-03-14T01:40:00+00:00");
  CHECK(r.bundle_json.find("+07:00") == std::string::npos);
}

TEST_CASE("the encounter records arrived, in-progress and finished in order", "[unit]") {
  const auto bundle = bundle_of(VisitCase().map());
  const auto& h = resource(bundle, 0)["statusHistory"];
  REQUIRE(h.Size() == 3);
  CHECK(str(member(h[0], "status")) == "arrived");
  CHECK(str(member(h[1], "status")) == "in-progress");
  CHECK(str(member(h[2], "status")) == "finished");
  CHECK(str(at_path(h[0], "period.end")) == str(at_path(h[1], "period.start")));
  CHECK(str(at_path(h[1], "period.end")) == str(at_path(h[2], "period.start")));
  CHECK(str(at_path(h[2], "period.start")) == str(at_path(h[2], "period.end")));
}

TEST_CASE("the primary diagnosis gets rank 1 even when listed second", "[unit]") {
  const auto r =
      VisitCase().set("diagnoses.0.primary", "false").set("diagnoses.1.primary", "true").map();
  const auto bundle = bundle_of(r);
  const auto& dx = resource(bundle, 0)["diagnosis"];
  REQUIRE(dx.Size() == 2);
  // The Conditions follow the same primary-first order, so diagnosis.0 is the primary one.
  CHECK(str(at_path(dx[0], "condition.reference")) == r.resources[5].local);
  CHECK(str(at_path(resource(bundle, 5), "code.coding.0.code")) == "R50.9");
  CHECK(dx[0]["rank"].GetInt() == 1);
  CHECK(str(at_path(dx[1], "condition.reference")) == r.resources[6].local);
  CHECK(str(at_path(resource(bundle, 6), "code.coding.0.code")) == "A01.0");
  CHECK(dx[1]["rank"].GetInt() == 2);
  CHECK(str(at_path(dx[0], "use.coding.0.code")) == "DD");
}

TEST_CASE("a visit without diagnoses has no diagnosis element", "[unit]") {
  const auto bundle = bundle_of(VisitCase().remove("diagnoses").map());
  CHECK(member(resource(bundle, 0), "diagnosis") == nullptr);
}

TEST_CASE("each visit class maps to its v3-ActCode", "[unit]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"outpatient", "AMB"}, {"emergency", "EMER"}, {"inpatient", "IMP"}, {"home", "HH"}};
  for (const auto& [input, code] : cases) {
    INFO(input);
    const auto bundle = bundle_of(VisitCase().set("class", "\"" + input + "\"").map());
    CHECK(str(at_path(resource(bundle, 0), "class.code")) == code);
  }
  const auto bundle = bundle_of(VisitCase().remove("class").map());
  CHECK(str(at_path(resource(bundle, 0), "class.code")) == "AMB");
}

TEST_CASE("patients are referenced conditionally by NIK, with the name as display", "[unit]") {
  const auto bundle = bundle_of(VisitCase().map());
  const auto& subject = resource(bundle, 0)["subject"];
  CHECK(str(member(subject, "reference")) ==
        "Patient?identifier=https://fhir.kemkes.go.id/id/nik|3204010101900001");
  CHECK(str(member(subject, "display")) == "Budi Santoso");
  CHECK(str(at_path(resource(bundle, 0), "participant.0.individual.reference")) ==
        "Practitioner?identifier=https://fhir.kemkes.go.id/id/nik|3204011203800001");
}

TEST_CASE("a newborn without NIK is referenced by the mother's NIK", "[unit]") {
  const auto bundle = bundle_of(VisitCase()
                                    .remove("patient.nik")
                                    .set("patient.mother_nik", R"("3204014102950002")")
                                    .set("patient.birth_date", R"("2024-05-10")")
                                    .map());
  CHECK(str(at_path(resource(bundle, 0), "subject.reference")) ==
        "Patient?identifier=https://fhir.kemkes.go.id/id/nik-ibu|3204014102950002");
}

TEST_CASE("known IHS numbers are referenced directly", "[unit]") {
  const auto bundle = bundle_of(VisitCase()
                                    .set("patient.ihs_number", R"("P02478375538")")
                                    .remove("practitioner.nik")
                                    .set("practitioner.ihs_number", R"("N10000001")")
                                    .map());
  const auto& enc = resource(bundle, 0);
  CHECK(str(at_path(enc, "subject.reference")) == "Patient/P02478375538");
  CHECK(str(at_path(enc, "participant.0.individual.reference")) == "Practitioner/N10000001");
  CHECK(str(at_path(resource(bundle, 1), "performer.0.reference")) == "Practitioner/N10000001");
}

TEST_CASE("the patient key is a keyed HMAC-SHA256 pseudonym, never the NIK nor its bare hash",
          "[unit]") {
  const auto& key = Pseudonymizer::for_tests();
  const auto r = VisitCase().map();
  CHECK(r.patient_key == key("nik:3204010101900001"));
  // A bare SHA-256 of a NIK is reversed by hashing every NIK (issue 14).
  CHECK(r.patient_key != sha256_hex("nik:3204010101900001"));
  CHECK(r.patient_key.find("3204010101900001") == std::string::npos);
  CHECK(r.patient_key.size() == 64);

  const auto baby = VisitCase()
                        .remove("patient.nik")
                        .set("patient.mother_nik", R"("3204014102950002")")
                        .set("patient.birth_date", R"("2024-05-10")")
                        .map();
  CHECK(baby.patient_key == key("nik-ibu:3204014102950002:2024-05-10"));

  // The IHS number does not change the key: the same person keeps one delivery order.
  CHECK(VisitCase().set("patient.ihs_number", R"("P02478375538")").map().patient_key ==
        r.patient_key);
}

TEST_CASE("another installation's key gives the same patient another pseudonym", "[unit]") {
  PseudonymKey other{};
  other.fill(0x5a);
  const Pseudonymizer theirs(other);
  const auto& ours = Pseudonymizer::for_tests();
  CHECK(theirs("nik:3204010101900001") != ours("nik:3204010101900001"));
  CHECK(theirs("nik:3204010101900001") == theirs("nik:3204010101900001"));
}

TEST_CASE("without a pseudonymizer the mapper gives no patient key (tools that only map)",
          "[unit]") {
  const VisitCase c;
  const Facility f = test::sukamaju();
  const auto r =
      test::map_visit(MapInput{f, "RJ-2025-0001", 1, c.data(), test::fixed_now_ms(), "2014-06-03"});
  REQUIRE(r.ok());
  CHECK(r.patient_key.empty());
}

TEST_CASE("a pseudonymizer's kept keyed state gives the one-shot HMAC of its key", "[unit]") {
  PseudonymKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(0xa0 + i);
  const Pseudonymizer p(k);
  const std::string key(reinterpret_cast<const char*>(k.data()), k.size());
  for (const std::string& data : std::vector<std::string>{
           "", "nik:3204010101900001", std::string(64, 'x'), std::string(200, '\xff')}) {
    CHECK(p(data) == hmac_sha256_hex(key, data));
    CHECK(p(data) == p(data));
  }
}

TEST_CASE("hmac_sha256_hex matches the RFC 4231 test vectors", "[unit]") {
  // Test case 1: 20 bytes of 0x0b, "Hi There".
  CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the block, "Jefe".
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block (131 bytes of 0xaa) is hashed first.
  CHECK(hmac_sha256_hex(std::string(131, '\xaa'),
                        "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("vital values keep their JSON number form with UCUM units", "[unit]") {
  const auto bundle = bundle_of(VisitCase().set("vitals.weight", "62.5").map());
  const auto& systolic = resource(bundle, 1)["valueQuantity"];
  CHECK(systolic["value"].IsInt());
  CHECK(systolic["value"].GetInt() == 128);
  CHECK(str(member(systolic, "code")) == "mm[Hg]");
  CHECK(str(member(systolic, "system")) == "http://unitsofmeasure.org");
  const auto r = VisitCase().set("vitals.weight", "62.5").map();
  CHECK(r.bundle_json.find(R"("value":36.8,"unit":"C")") != std::string::npos);
  CHECK(r.bundle_json.find(R"("value":62.5,"unit":"kg")") != std::string::npos);
}

TEST_CASE("each vital sign is coded with its LOINC code", "[unit]") {
  const auto r = VisitCase()
                     .remove("vitals")
                     .set("vitals", R"({"systolic": 120, "diastolic": 80, "heart_rate": 70,
                                       "respiratory_rate": 16, "temperature": 36.5, "spo2": 99,
                                       "weight": 60, "height": 160, "waist": 80})")
                     .map();
  const auto bundle = bundle_of(r);
  std::vector<std::string> codes;
  for (std::size_t i = 1; i <= 9; ++i) {
    const auto& obs = resource(bundle, i);
    CHECK(str(at_path(obs, "code.coding.0.system")) == "http://loinc.org");
    CHECK(str(at_path(obs, "category.0.coding.0.code")) == "vital-signs");
    codes.push_back(str(at_path(obs, "code.coding.0.code")));
  }
  CHECK(codes == std::vector<std::string>{"8480-6", "8462-4", "8867-4", "9279-1", "8310-5",
                                          "59408-5", "29463-7", "8302-2", "8280-0"});
}

TEST_CASE("conditions and procedures refer to the encounter by urn", "[unit]") {
  const auto r = VisitCase().map();
  const auto bundle = bundle_of(r);
  const auto& enc_urn = r.resources[0].local;
  const auto& cond = resource(bundle, 5);
  CHECK(str(at_path(cond, "encounter.reference")) == enc_urn);
  CHECK(str(at_path(cond, "code.coding.0.system")) == "http://hl7.org/fhir/sid/icd-10");
  CHECK(str(at_path(cond, "code.coding.0.code")) == "A01.0");
  CHECK(str(at_path(cond, "clinicalStatus.coding.0.code")) == "active");
  CHECK(str(member(cond, "recordedDate")) == "2025-03-14T01:40:00+00:00");
  const auto& proc = resource(bundle, 7);
  CHECK(str(at_path(proc, "encounter.reference")) == enc_urn);
  CHECK(str(at_path(proc, "code.coding.0.system")) == "http://hl7.org/fhir/sid/icd-9-cm");
  CHECK(str(member(proc, "status")) == "completed");
  CHECK(str(at_path(proc, "performer.0.actor.display")) == "dr. Andi Wijaya");
}

TEST_CASE("a code without display is sent without display", "[unit]") {
  const auto bundle = bundle_of(VisitCase().remove("diagnoses.0.display").map());
  CHECK(member(*at_path(resource(bundle, 5), "code.coding.0"), "display") == nullptr);
  CHECK(member(*at_path(resource(bundle, 0), "diagnosis.0.condition"), "display") == nullptr);
}

TEST_CASE("free-text notes are not sent", "[unit]") {
  const auto r = VisitCase().set("notes", R"("Pasien mengeluh pusing")").map();
  REQUIRE(r.ok());
  CHECK(r.bundle_json.find("pusing") == std::string::npos);
}

TEST_CASE("a rejected record has no bundle, resources or patient key", "[unit]") {
  const auto r = VisitCase().set("patient.nik", R"("1")").map();
  CHECK_FALSE(r.ok());
  CHECK(r.bundle_json.empty());
  CHECK(r.resources.empty());
  CHECK(r.patient_key.empty());
}

TEST_CASE("strings with quotes and non-ASCII text are escaped, not broken", "[unit]") {
  const auto r = VisitCase()
                     .set("patient.name", R"("Ni Luh \"Ayu\" Kadek Süryani")")
                     .set("diagnoses.0.display", R"("Demam tifoid \\ paratifoid")")
                     .map();
  const auto bundle = bundle_of(r);
  CHECK(str(at_path(resource(bundle, 0), "subject.display")) == "Ni Luh \"Ayu\" Kadek Süryani");
}

TEST_CASE("content hash ignores whitespace but not values or key order", "[unit]") {
  const auto a = test::parse_or_fail(R"({"kind":"visit","data":{"a":1,"b":[1,2]}})");
  const auto b =
      test::parse_or_fail("{ \"kind\" : \"visit\",\n \"data\": {\"a\": 1, \"b\": [1, 2]} }");
  const auto c = test::parse_or_fail(R"({"kind":"visit","data":{"a":2,"b":[1,2]}})");
  const auto d = test::parse_or_fail(R"({"data":{"a":1,"b":[1,2]},"kind":"visit"})");
  CHECK(content_hash(a) == content_hash(b));
  CHECK(content_hash(a) != content_hash(c));
  CHECK(content_hash(a) != content_hash(d));
  CHECK(content_hash(a) == sha256_hex(R"({"kind":"visit","data":{"a":1,"b":[1,2]}})"));
}

TEST_CASE("sha256_hex matches the FIPS 180-2 test vector", "[unit]") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("the shipped visit examples map as their names promise", "[unit]") {
  const auto dir = std::filesystem::path(ILP_SOURCE_DIR) / "config" / "examples" / "visit";
  const auto facility = test::sukamaju();
  const auto map_file = [&](const char* name) {
    std::ifstream f(dir / name);
    std::stringstream s;
    s << f.rdbuf();
    const auto env = test::parse_or_fail(s.str());
    CHECK(string_member(env, "facility") == std::optional<std::string_view>("pkm-sukamaju"));
    return test::map_visit(
        MapInput{facility, *string_member(env, "record_id"), 1, env["data"], test::fixed_now_ms()});
  };
  const auto full = map_file("visit-1.json");
  CHECK(full.ok());
  CHECK(full.resources.size() == 13);
  const auto minimal = map_file("visit-2.json");
  CHECK(minimal.ok());
  CHECK(minimal.resources.size() == 1);
  const auto bad_nik = map_file("rejected-bad-nik.json");
  REQUIRE(bad_nik.outcome.issues.size() == 1);
  CHECK(bad_nik.outcome.issues[0].expression == "data.patient.nik");
  // An unknown NIK is well-formed input: only delivery can find out nobody has it.
  const auto unknown = map_file("visit-4.json");
  CHECK(unknown.ok());
}

}  // namespace
}  // namespace ilp::mappers
