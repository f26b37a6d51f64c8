#include <catch2/catch.hpp>

#include "delivery_fakes.hpp"
#include "gateway/delivery/bundle_edit.hpp"
#include "gateway/delivery/legacy_identifier.hpp"
#include "gateway/delivery/platform_response.hpp"
#include "gateway/delivery/resolver.hpp"
#include "mappers/json.hpp"
#include "mappers/sha256.hpp"

using namespace ilp::gateway;
namespace mappers = ilp::mappers;
using namespace ilp::gateway::delivery;
using namespace ilp::gateway::delivery::testing;

namespace {

struct Fixture : PlatformStack {
  MemoryStore store;
  AsyncStore async_store{store, ioc.get_executor()};
  Resolver resolver{async_store, fhir};
  CallContext ctx{*cfg, cfg->facilities[0]};
  rapidjson::Document bundle;

  Fixture() { know_people(); }
  Resolution resolve(const std::string& json, const std::string& input = "") {
    REQUIRE_FALSE(mappers::parse_json_strict(json, bundle));
    return run(ioc, resolver.resolve(ctx, bundle, input));
  }
  int searches() { return count_sent(*transport.state(), &SentRequest::is_search); }
};

std::string newborn_bundle(const std::string& mother_nik) {
  return R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:e1",)"
         R"("resource":{"resourceType":"Encounter","subject":{"reference":)"
         R"("Patient?identifier=https://fhir.kemkes.go.id/id/nik-ibu|)" +
         mother_nik + R"("}},"request":{"method":"POST","url":"Encounter"}}]})";
}

}  // namespace

TEST_CASE(
    "NIK to IHS: a cache miss searches the platform and reports what it learnt for the "
    "cache",
    "[unit]") {
  Fixture f;
  const auto r = f.resolve(test_bundle(kNik, kDoctorNik));
  CHECK(r.kind == Resolution::Kind::kResolved);
  CHECK(r.searched == 2);
  CHECK(f.searches() == 2);
  // Written by the attempt with its completion, not one commit per id by the resolver.
  CHECK(f.store.cache_puts == 0);
  REQUIRE(r.learned.size() == 2);
  const auto key = Resolver::cache_key(*test_config(), kNikSystem, kNik);
  CHECK(r.learned[0].kind == "Patient");
  CHECK(r.learned[0].key == key);
  CHECK(r.learned[0].value == "P100");
  CHECK(r.learned[1].kind == "Practitioner");
  CHECK(r.learned[1].value == "N200");
  CHECK(key.size() == 64);
  CHECK(key.find(kNik) == std::string::npos);  // never the NIK in clear
  // Keyed (issue 14): a bare SHA-256 of the NIK is reversed by hashing every NIK.
  CHECK(key == mappers::Pseudonymizer::for_tests()(std::string(kNikSystem) + "|" + kNik));
  CHECK(key != mappers::sha256_hex(std::string(kNikSystem) + "|" + kNik));
  const auto out = mappers::to_json(f.bundle);
  CHECK(out.find("\"reference\":\"Patient/P100\"") != std::string::npos);
  CHECK(out.find("\"reference\":\"Practitioner/N200\"") != std::string::npos);
  CHECK(out.find(kNik) == std::string::npos);
}

TEST_CASE("NIK to IHS: a cache hit needs no search", "[unit]") {
  Fixture f;
  f.store.cache["Patient/" + Resolver::cache_key(*test_config(), kNikSystem, kNik)] = "P100";
  f.store.cache["Practitioner/" + Resolver::cache_key(*test_config(), kNikSystem, kDoctorNik)] =
      "N200";
  const auto r = f.resolve(test_bundle(kNik, kDoctorNik));
  CHECK(r.kind == Resolution::Kind::kResolved);
  CHECK(r.from_cache == 2);
  CHECK(f.searches() == 0);
  CHECK(count_sent(*f.transport.state(), &SentRequest::is_token) == 0);
  CHECK(mappers::to_json(f.bundle).find("Patient/P100") != std::string::npos);
}

TEST_CASE("a patient the platform does not know is not found", "[unit]") {
  Fixture f;
  const auto r = f.resolve(test_bundle("3201010101019999", kDoctorNik));
  CHECK(r.kind == Resolution::Kind::kNotFound);
  CHECK(r.type == "Patient");
  CHECK_FALSE(r.by_mother_nik);
  CHECK(r.learned.empty());
}

TEST_CASE("a failing search is reported with the platform's answer", "[unit]") {
  Fixture f;
  f.transport.state()->script = [p = f.platform](const SentRequest& r) {
    if (r.is_token()) return (*p)(r);
    return respond(503, "Gateway Timeout", "text/plain");
  };
  const auto r = f.resolve(test_bundle(kNik, kDoctorNik));
  CHECK(r.kind == Resolution::Kind::kFailed);
  CHECK(r.reply.http.response.result_int() == 503);
}

TEST_CASE("newborn by mother's NIK: one baby resolves and is never cached", "[unit]") {
  Fixture f;
  f.platform->known[std::string(kMotherNikSystem) + "|" + kNik] = {"P-BABY"};
  const auto r = f.resolve(newborn_bundle(kNik));
  CHECK(r.kind == Resolution::Kind::kResolved);
  CHECK(r.learned.empty());  // the mother's next baby shares the identifier
  CHECK(f.store.cache_gets == 0);
  CHECK(mappers::to_json(f.bundle).find("Patient/P-BABY") != std::string::npos);
}

TEST_CASE("newborn by mother's NIK: several babies are told apart by birth date", "[unit]") {
  Fixture f;
  f.transport.state()->script = [p = f.platform](const SentRequest& r) {
    if (!r.is_search()) return (*p)(r);
    return respond(
        200, R"({"resourceType":"Bundle","type":"searchset","entry":[)"
             R"({"resource":{"resourceType":"Patient","id":"B1","birthDate":"2022-03-01"}},)"
             R"({"resource":{"resourceType":"Patient","id":"B2","birthDate":"2024-05-06"}}]})");
  };
  const auto input = R"({"data":{"patient":{"mother_nik":"x","birth_date":"2024-05-06"}}})";
  const auto r = f.resolve(newborn_bundle(kNik), input);
  CHECK(r.kind == Resolution::Kind::kResolved);
  CHECK(mappers::to_json(f.bundle).find("Patient/B2") != std::string::npos);
  // Twins share the birth date: nothing tells them apart without a name match.
  const auto twins = R"({"data":{"patient":{"birth_date":"2022-03-01"}}})";
  f.transport.state()->script = [p = f.platform](const SentRequest& r) {
    if (!r.is_search()) return (*p)(r);
    return respond(
        200, R"({"resourceType":"Bundle","type":"searchset","entry":[)"
             R"({"resource":{"resourceType":"Patient","id":"T1","birthDate":"2022-03-01"}},)"
             R"({"resource":{"resourceType":"Patient","id":"T2","birthDate":"2022-03-01"}}]})");
  };
  CHECK(f.resolve(newborn_bundle(kNik), twins).kind == Resolution::Kind::kAmbiguousMatch);
}

TEST_CASE("conditional references are collected once each", "[unit]") {
  rapidjson::Document d;
  REQUIRE_FALSE(mappers::parse_json_strict(test_bundle(kNik, kDoctorNik), d));
  const auto refs = conditional_refs(d);
  REQUIRE(refs.size() == 2);
  CHECK(refs[0].type == "Patient");
  CHECK(refs[0].system == kNikSystem);
  CHECK(refs[0].value == kNik);
  CHECK(refs[1].type == "Practitioner");
}

TEST_CASE("a percent-encoded conditional URL is read back as the value the mapper encoded",
          "[unit]") {
  const auto c = parse_conditional(
      "EpisodeOfCare?identifier=http://sys-ids.kemkes.go.id/x/1|KH%202025%2631%25%C3%A9|2");
  REQUIRE(c);
  CHECK(c->type == "EpisodeOfCare");
  CHECK(c->system == "http://sys-ids.kemkes.go.id/x/1");
  CHECK(c->value == "KH 2025&31%\xC3\xA9|2");
}

TEST_CASE("a revision turns entries with server ids into PUTs with the id in the body", "[unit]") {
  rapidjson::Document d;
  REQUIRE_FALSE(mappers::parse_json_strict(test_bundle(kNik, kDoctorNik), d));
  auto resources = test_resources();
  resources[0].server_id = "enc-1";   // encounter delivered before
  resources[1].server_id = "cond-1";  // diagnosis delivered before; the observation is new
  const auto entries = bundle_entries(d);
  REQUIRE(entries);
  const auto ids = known_server_ids(*entries, resources);
  CHECK(ids == std::vector<std::string>{"enc-1", "cond-1", ""});
  CHECK(make_updates(d, ids) == 2);

  const auto& e0 = d["entry"][0];
  CHECK(std::string(e0["request"]["method"].GetString()) == "PUT");
  CHECK(std::string(e0["request"]["url"].GetString()) == "Encounter/enc-1");
  CHECK(std::string(e0["resource"]["id"].GetString()) == "enc-1");
  // References to the updated entries' urn:uuids now name the server resources.
  CHECK(std::string(e0["resource"]["diagnosis"][0]["condition"]["reference"].GetString()) ==
        "Condition/cond-1");
  const auto& e2 = d["entry"][2];
  CHECK(std::string(e2["request"]["method"].GetString()) == "POST");  // new resource
  CHECK_FALSE(e2["resource"].HasMember("id"));
  CHECK(std::string(e2["resource"]["encounter"]["reference"].GetString()) == "Encounter/enc-1");
}

TEST_CASE("bundle entries expose the facility identifier to search by", "[unit]") {
  rapidjson::Document d;
  REQUIRE_FALSE(mappers::parse_json_strict(test_bundle(), d));
  const auto entries = bundle_entries(d);
  REQUIRE(entries->size() == 3);
  CHECK((*entries)[0].type == "Encounter");
  CHECK((*entries)[0].id_system == "http://sys-ids.kemkes.go.id/encounter/100000001");
  CHECK((*entries)[0].id_value == "V-1");
  CHECK((*entries)[0].method == "POST");
  rapidjson::Document not_bundle;
  REQUIRE_FALSE(mappers::parse_json_strict(R"({"resourceType":"Patient"})", not_bundle));
  CHECK_FALSE(bundle_entries(not_bundle).has_value());
}

namespace {

// A lab-like bundle: an Observation for a visit sent earlier, referenced by its identifier.
std::string visit_ref_bundle(const std::string& visit_value) {
  return R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:o1",)"
         R"("resource":{"resourceType":"Observation","subject":{"reference":)"
         R"("Patient?identifier=https://fhir.kemkes.go.id/id/nik|)" +
         std::string(kNik) +
         R"("},"encounter":{"reference":)"
         R"("Encounter?identifier=http://sys-ids.kemkes.go.id/encounter/100000001|)" +
         visit_value + R"("}},"request":{"method":"POST","url":"Observation"}}]})";
}
std::string lab_bundle() { return visit_ref_bundle("RJ-9"); }

}  // namespace

TEST_CASE("a reference to an earlier visit resolves to its Encounter's server id", "[unit]") {
  Fixture f;
  f.platform->known["http://sys-ids.kemkes.go.id/encounter/100000001|RJ-9"] = {"enc-77"};
  const auto r = f.resolve(lab_bundle());
  CHECK(r.kind == Resolution::Kind::kResolved);
  const auto out = mappers::to_json(f.bundle);
  CHECK(out.find("\"reference\":\"Encounter/enc-77\"") != std::string::npos);
  CHECK(out.find("?identifier=") == std::string::npos);
}

TEST_CASE("a reference to a visit the platform does not have yet is not found, as Encounter",
          "[unit]") {
  Fixture f;
  const auto r = f.resolve(lab_bundle());
  CHECK(r.kind == Resolution::Kind::kNotFound);
  CHECK(r.type == "Encounter");
  CHECK(mappers::to_json(f.bundle).find("Encounter?identifier=") != std::string::npos);
}

TEST_CASE("created_id reads FHIR ids and both SATUSEHAT patient-create shapes", "[unit]") {
  CHECK(created_id(R"({"resourceType":"Patient","id":"P1"})") == "P1");
  CHECK(created_id(R"({"success":true,"data":{"patient_id":"P2"}})") == "P2");
  CHECK(created_id(R"({"create_patient":{"success":true,"data":{"patient_id":"P3"}}})") == "P3");
  CHECK(created_id("not json").empty());
  CHECK(created_id(R"({"success":false})").empty());
}

TEST_CASE(
    "a reference to a visit delivered before identifiers carried their kind finds it "
    "under its old value",
    "[unit]") {
  Fixture f;
  f.platform->known["http://sys-ids.kemkes.go.id/encounter/100000001|RJ-9"] = {"enc-old"};
  const auto r = f.resolve(visit_ref_bundle("visit-RJ-9"));
  CHECK(r.kind == Resolution::Kind::kResolved);
  CHECK(r.searched == 3);  // the patient, the new value, the old value
  CHECK(mappers::to_json(f.bundle).find("\"reference\":\"Encounter/enc-old\"") !=
        std::string::npos);
}

TEST_CASE("an old visit value held by two Encounters is never guessed: the record waits",
          "[unit]") {
  Fixture f;
  f.platform->known["http://sys-ids.kemkes.go.id/encounter/100000001|RJ-9"] = {"enc-a", "enc-b"};
  const auto r = f.resolve(visit_ref_bundle("visit-RJ-9"));
  CHECK(r.kind == Resolution::Kind::kNotFound);
  CHECK(r.type == "Encounter");
  CHECK(r.value == "visit-RJ-9");  // what the record waits for is the new identifier
}

TEST_CASE("the new identifier wins over an old one, and the fallback can be turned off", "[unit]") {
  {
    Fixture f;
    f.platform->known["http://sys-ids.kemkes.go.id/encounter/100000001|visit-RJ-9"] = {"enc-new"};
    f.platform->known["http://sys-ids.kemkes.go.id/encounter/100000001|RJ-9"] = {"enc-old"};
    REQUIRE(f.resolve(visit_ref_bundle("visit-RJ-9")).kind == Resolution::Kind::kResolved);
    CHECK(mappers::to_json(f.bundle).find("Encounter/enc-new") != std::string::npos);
  }
  Fixture f;
  auto off = std::make_shared<config::Config>(*f.cfg);
  off->delivery.legacy_identifier_fallback = false;
  f.platform->known["http://sys-ids.kemkes.go.id/encounter/100000001|RJ-9"] = {"enc-old"};
  CallContext ctx{*off, off->facilities[0]};
  REQUIRE_FALSE(mappers::parse_json_strict(visit_ref_bundle("visit-RJ-9"), f.bundle));
  const auto r = run(f.ioc, f.resolver.resolve(ctx, f.bundle, ""));
  CHECK(r.kind == Resolution::Kind::kNotFound);
  CHECK(r.searched == 2);
}

TEST_CASE("pre-upgrade values are known for visit-like Encounters and ANC/TB episodes only",
          "[unit]") {
  CHECK(legacy_identifier_value("Encounter", "screening-RJ-9") == "RJ-9");
  CHECK(legacy_identifier_value("Encounter", "immunization-7") == "7");
  CHECK(legacy_identifier_value("EpisodeOfCare", "tb-SITB-1") == "SITB-1");
  CHECK(legacy_identifier_value("EpisodeOfCare", "anc-HAMIL-2") == "HAMIL-2");
  CHECK_FALSE(legacy_identifier_value("Encounter", "RJ-9"));    // already old
  CHECK_FALSE(legacy_identifier_value("Encounter", "visit-"));  // nothing after the prefix
  CHECK_FALSE(legacy_identifier_value("EpisodeOfCare", "visit-1"));
  CHECK_FALSE(legacy_identifier_value("Patient", "visit-1"));
}
