// The merge that turns a mapping's partial update (`update: by_identifier`) into the full
// resource PUT SATUSEHAT needs, and how such entries are told apart.
#include <catch2/catch.hpp>

#include "gateway/delivery/conditional_update.hpp"
#include "mappers/json.hpp"

using namespace ilp::gateway::delivery;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  REQUIRE_FALSE(ilp::mappers::parse_json_strict(text, d));
  return d;
}

// merge_update(patch, existing) as compact JSON.
std::string merged(const std::string& patch_json, const std::string& existing_json,
                   const std::string& id = "E1") {
  auto doc = parse(R"({"p":)" + patch_json + "}");
  const auto existing = parse(existing_json);
  merge_update(doc["p"], existing, id, doc.GetAllocator());
  return ilp::mappers::to_json(doc["p"]);
}

const std::string kOpen =
    R"({"resourceType":"EpisodeOfCare","id":"E1","meta":{"versionId":"v1"},"status":"active",)"
    R"("statusHistory":[{"status":"active","period":{"start":"2025-03-10T01:15:00+00:00"}}],)"
    R"("type":[{"coding":[{"code":"ANC"}]}],"period":{"start":"2025-03-10T01:15:00+00:00"}})";
const std::string kClose =
    R"({"resourceType":"EpisodeOfCare","status":"finished",)"
    R"("statusHistory":[{"status":"finished","period":{"start":"2025-09-30T20:15:00+00:00"}}],)"
    R"("period":{"end":"2025-09-30T20:15:00+00:00"}})";

}  // namespace

TEST_CASE("a close merged into the platform's episode keeps its start and adds to its history",
          "[delivery][update]") {
  const auto out = parse(merged(kClose, kOpen));
  CHECK(std::string(out["status"].GetString()) == "finished");
  CHECK(std::string(out["period"]["start"].GetString()) == "2025-03-10T01:15:00+00:00");
  CHECK(std::string(out["period"]["end"].GetString()) == "2025-09-30T20:15:00+00:00");
  REQUIRE(out["statusHistory"].Size() == 2);
  CHECK(std::string(out["statusHistory"][0]["status"].GetString()) == "active");
  CHECK(std::string(out["statusHistory"][1]["status"].GetString()) == "finished");
  CHECK(out["type"][0]["coding"][0]["code"] == "ANC");  // untouched members stay
}

TEST_CASE("merging the same close twice adds its history step once", "[delivery][update]") {
  const auto once = merged(kClose, kOpen);
  CHECK(merged(kClose, once) == once);
}

TEST_CASE("the merged resource carries the platform id and no server meta", "[delivery][update]") {
  const auto out = parse(merged(kClose, kOpen, "E-42"));
  CHECK(std::string(out["id"].GetString()) == "E-42");
  CHECK_FALSE(out.HasMember("meta"));
}

TEST_CASE("an update replaces arrays other than statusHistory and null removes a member",
          "[delivery][update]") {
  const auto out = parse(merged(R"({"type":[{"coding":[{"code":"PNC"}]}],"period":null})", kOpen));
  REQUIRE(out["type"].Size() == 1);
  CHECK(out["type"][0]["coding"][0]["code"] == "PNC");
  CHECK_FALSE(out.HasMember("period"));
}

TEST_CASE("only PUT entries with a conditional url are updates by identifier",
          "[delivery][update]") {
  const auto bundle = parse(R"({"resourceType":"Bundle","entry":[
    {"resource":{"resourceType":"Encounter"},"request":{"method":"POST","url":"Encounter"}},
    {"resource":{"resourceType":"EpisodeOfCare"},
     "request":{"method":"PUT","url":"EpisodeOfCare?identifier=http://sys-ids.kemkes.go.id/episode-of-care/1|anc-K%7C1"}},
    {"resource":{"resourceType":"Observation","id":"O1"},"request":{"method":"PUT","url":"Observation/O1"}},
    {"resource":{"resourceType":"Condition"},"request":{"method":"POST","url":"Condition?identifier=a|b"}}]})");
  const auto u = conditional_updates(bundle);
  REQUIRE(u.size() == 1);
  CHECK(u[0].index == 1);
  CHECK(u[0].type == "EpisodeOfCare");
  CHECK(u[0].system == "http://sys-ids.kemkes.go.id/episode-of-care/1");
  CHECK(u[0].value == "anc-K|1");
}

TEST_CASE("the resource to update is the first of its type in the search answer",
          "[delivery][update]") {
  const auto found = first_resource(R"({"resourceType":"Bundle","type":"searchset","entry":[
      {"resource":{"resourceType":"OperationOutcome","id":"x"}},
      {"resource":{"resourceType":"EpisodeOfCare","id":"E7"}},
      {"resource":{"resourceType":"EpisodeOfCare","id":"E8"}}]})",
                                    "EpisodeOfCare");
  REQUIRE(found);
  CHECK(std::string((*found)["id"].GetString()) == "E7");
  CHECK_FALSE(
      first_resource(R"({"resourceType":"Bundle","type":"searchset","total":0})", "EpisodeOfCare"));
  CHECK_FALSE(first_resource(R"({"resourceType":"OperationOutcome"})", "EpisodeOfCare"));
  CHECK_FALSE(first_resource("not json", "EpisodeOfCare"));
}
