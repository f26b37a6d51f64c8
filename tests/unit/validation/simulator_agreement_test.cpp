// The validator against the simulator's rule checks (tests/simulator/validator.cpp: rules.yaml,
// the one source both use, plus the platform-side walkers): every small change to a valid
// example that the simulator refuses, the validator refuses too — so a record the local SATUSEHAT
// would refuse never gets past ingest. Reference resolution is left out: urn:uuid references
// resolve inside a bundle and conditional ones at delivery, neither within one resource.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gateway/validation/validator.hpp"
#include "mappers/json.hpp"
#include "tests/simulator/profile_rules.hpp"
#include "tests/simulator/validator.hpp"
#include "tests/unit/validation/validation_support.hpp"

namespace ilp::validation {
namespace {

using namespace ilp::validation::test;
namespace fs = std::filesystem;

constexpr std::int64_t kNow = 1790000000000;  // 2026-09-21
constexpr std::string_view kOrg = "10000004";

// Every member and array item, in document order, by a path of keys and indexes.
using Step = std::variant<std::string, rapidjson::SizeType>;
void collect(const rapidjson::Value& v, std::vector<Step>& at,
             std::vector<std::vector<Step>>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      at.emplace_back(std::string(m.name.GetString()));
      out.push_back(at);
      collect(m.value, at, out);
      at.pop_back();
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      at.emplace_back(i);
      out.push_back(at);
      collect(v[i], at, out);
      at.pop_back();
    }
  }
}

rapidjson::Value& at_path(rapidjson::Value& root, const std::vector<Step>& path, std::size_t n) {
  rapidjson::Value* v = &root;
  for (std::size_t i = 0; i < n; ++i) {
    if (const auto* key = std::get_if<std::string>(&path[i])) {
      v = &(*v)[key->c_str()];
    } else {
      v = &(*v)[std::get<rapidjson::SizeType>(path[i])];
    }
  }
  return *v;
}

std::string describe_path(const std::vector<Step>& path) {
  std::string s;
  for (const auto& step : path) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      s += "." + *key;
    } else {
      s += "[" + std::to_string(std::get<rapidjson::SizeType>(step)) + "]";
    }
  }
  return s;
}

// The mutants of one element: removed, and for text: another time zone, before the date floor,
// in the future, junk, and a reference to another organization.
std::vector<std::pair<std::string, std::function<bool(rapidjson::Value&, rapidjson::Value&,
                                                      const Step&, rapidjson::Document&)>>>
mutations() {
  using D = rapidjson::Document;
  auto text = [](auto change) {
    return [change](rapidjson::Value&, rapidjson::Value& v, const Step&, D& d) {
      if (!v.IsString()) return false;
      const std::string s = v.GetString();
      const auto to = change(s);
      if (!to) return false;
      v.SetString(to->c_str(), d.GetAllocator());
      return true;
    };
  };
  auto dated = [](const std::string& s) { return s.size() >= 10 && s[4] == '-' && s[7] == '-'; };
  return {
      {"removed",
       [](rapidjson::Value& parent, rapidjson::Value&, const Step& last, D&) {
         if (const auto* key = std::get_if<std::string>(&last)) {
           parent.RemoveMember(key->c_str());
         } else {
           parent.Erase(parent.Begin() + std::get<rapidjson::SizeType>(last));
         }
         return true;
       }},
      {"at +07:00", text([](const std::string& s) -> std::optional<std::string> {
         if (s.size() != 25 || s.substr(19) != "+00:00") return std::nullopt;
         return s.substr(0, 19) + "+07:00";
       })},
      {"in 2010", text([dated](const std::string& s) -> std::optional<std::string> {
         if (!dated(s)) return std::nullopt;
         return "2010" + s.substr(4);
       })},
      {"in 2099", text([dated](const std::string& s) -> std::optional<std::string> {
         if (!dated(s)) return std::nullopt;
         return "2099" + s.substr(4);
       })},
      {"junk", text([](const std::string&) -> std::optional<std::string> { return "X"; })},
      {"another organization", text([](const std::string& s) -> std::optional<std::string> {
         if (!s.starts_with("Organization/")) return std::nullopt;
         return "Organization/999";
       })},
  };
}

}  // namespace

TEST_CASE("whatever the simulator refuses in a changed valid example, the validator refuses too",
          "[validation][simulator]") {
  Validator ours(profiles());
  sim::RuleContext rc;
  rc.org_id = std::string(kOrg);
  rc.now_ms = kNow;
  rc.date_floor = "2014-06-03";
  rc.exists = [](std::string_view, std::string_view) { return true; };
  // The simulator's copy of the same rules.yaml: what this test can still catch is a refusal of
  // the simulator's own walkers (identifier systems of another organization, calendar dates)
  // or of its adapter, that the validator lets through.
  const auto sim_rules = sim::ProfileRules::load(kProfiles);
  rc.profiles = sim_rules.get();
  const sim::Validator theirs(rc);
  Context ctx{kOrg};
  ctx.now_ms = kNow;

  int mutants = 0;
  int refused = 0;
  std::vector<std::string> gaps;
  for (const auto& e : fs::directory_iterator(kProfiles / "examples/valid")) {
    const std::string text = read_file(e.path());
    rapidjson::Document base;
    base.Parse(text.c_str());
    REQUIRE_FALSE(base.HasParseError());
    const std::string type = base["resourceType"].GetString();
    std::vector<Step> at;
    std::vector<std::vector<Step>> paths;
    collect(base, at, paths);
    for (const auto& path : paths) {
      for (const auto& [name, mutate] : mutations()) {
        rapidjson::Document d;
        d.Parse(text.c_str());
        auto& parent = at_path(d, path, path.size() - 1);
        auto& value = at_path(d, path, path.size());
        if (!mutate(parent, value, path.back(), d)) continue;
        ++mutants;
        const auto said = theirs.check(d, type, type);
        const auto refusal = std::find_if(
            said.issues.begin(), said.issues.end(),
            [](const auto& i) { return i.text.en.rfind("Invalid reference", 0) != 0; });
        if (refusal == said.issues.end()) continue;
        ++refused;
        if (ours.validate(mappers::to_json(d), ctx).ok()) {
          gaps.push_back(type + describe_path(path) + " " + name + ": the simulator says " +
                         refusal->text.en);
        }
      }
    }
  }
  INFO(mutants << " mutants, " << refused << " refused by the simulator");
  for (const auto& g : gaps) INFO(g);
  std::string all;
  for (const auto& g : gaps) all += "  " + g + "\n";
  INFO("accepted by the validator:\n" << all);
  CHECK(mutants > 1000);
  CHECK(refused > 200);
  CHECK(gaps.empty());
}

}  // namespace ilp::validation
