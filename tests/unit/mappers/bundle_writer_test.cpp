#include "mappers/bundle_writer.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace ilp::mappers {
namespace {

// What RapidJSON's own Writer makes of the same bundle, for comparison.
std::string reference_bundle(const std::vector<std::string>& values) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  w.String("transaction");
  w.Key("entry");
  w.StartArray();
  w.StartObject();
  w.Key("fullUrl");
  w.String("urn:uuid:x");
  w.Key("resource");
  w.StartObject();
  w.Key("resourceType");
  w.String("Observation");
  for (const auto& v : values) {
    w.Key("k");
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  w.Key("request");
  w.StartObject();
  w.Key("method");
  w.String("POST");
  w.Key("url");
  w.String("Observation");
  w.EndObject();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string our_bundle(const std::vector<std::string>& values) {
  BundleWriter w;
  w.begin_entry("urn:uuid:x", "Observation");
  for (const auto& v : values) w.member("k", v);
  w.end_entry("Observation");
  return w.finish();
}

TEST_CASE("strings are written byte for byte as RapidJSON would, escapes included", "[unit]") {
  const std::vector<std::string> fixed = {"",
                                          "a",
                                          "12345678",
                                          "123456789",
                                          "\"",
                                          "\\",
                                          "tab\there",
                                          "line\nbreak",
                                          std::string(1, '\0'),
                                          "\x1f",
                                          "\x7f",
                                          "Süryani",
                                          "quote \" at 7",
                                          "0123456\"",
                                          "01234567\\",
                                          "ends \x01",
                                          "/slash/",
                                          "Ni Luh \"Ayu\" Kadek"};
  CHECK(our_bundle(fixed) == reference_bundle(fixed));

  // Random bytes, weighted towards the characters that matter, at every alignment.
  std::mt19937 rng(20250314);
  const std::string alphabet = std::string("aZ09 -./\"\\\x01\x1f\x20\x7f\x80\xc3\xbc\xff", 18);
  std::vector<std::string> random;
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 40, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    random.push_back(std::move(s));
  }
  CHECK(our_bundle(random) == reference_bundle(random));
}

TEST_CASE("a bundle has the transaction shape with one POST per entry", "[unit]") {
  BundleWriter w;
  w.begin_entry("urn:uuid:1", "Encounter");
  w.identifier("encounter", "10000004", "RJ1");
  w.end_entry("Encounter");
  CHECK(w.finish() ==
        R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:1",)"
        R"("resource":{"resourceType":"Encounter","identifier":[{"system":)"
        R"("http://sys-ids.kemkes.go.id/encounter/10000004","value":"RJ1"}]},)"
        R"("request":{"method":"POST","url":"Encounter"}}]})");
}

}  // namespace
}  // namespace ilp::mappers
