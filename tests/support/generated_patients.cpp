#include "support/generated_patients.hpp"

#include <fstream>
#include <sstream>

#include "mappers/json.hpp"
#include "support/gateway_fixture.hpp"

namespace ilp::testing {
namespace {

std::string name_of(int i) { return "Pasien Uji " + std::to_string(i); }
const char* gender_of(int i) { return i % 2 == 0 ? "male" : "female"; }

}  // namespace

std::string generated_nik(int i) {
  const auto serial = std::to_string(100'000'000 + i);
  return "32040199" + serial.substr(serial.size() - 8);
}

std::string write_seed_with_patients(const std::filesystem::path& dir, int patients) {
  std::ifstream in(source_dir() + "/config/examples/sim-seed.json");
  std::stringstream text;
  text << in.rdbuf();
  auto seed = parse_json(text.str());
  auto& a = seed.GetAllocator();
  for (int i = 0; i < patients; ++i) {
    rapidjson::Value p(rapidjson::kObjectType);
    p.AddMember("nik", rapidjson::Value(generated_nik(i).c_str(), a), a);
    p.AddMember("ihs", rapidjson::Value(("P9" + generated_nik(i).substr(6)).c_str(), a), a);
    p.AddMember("name", rapidjson::Value(name_of(i).c_str(), a), a);
    p.AddMember("birth_date", "1980-01-01", a);
    p.AddMember("gender", rapidjson::StringRef(gender_of(i)), a);
    seed["patients"].PushBack(p, a);
  }
  const auto path = dir / "sim-seed.json";
  std::ofstream(path) << mappers::to_json(seed);
  return path.string();
}

std::string generated_visit(const std::string& id, int patient) {
  return visit_envelope(id, [&](rapidjson::Document& d) {
    auto& p = d["data"]["patient"];
    p["nik"].SetString(generated_nik(patient).c_str(), d.GetAllocator());
    p["name"].SetString(name_of(patient).c_str(), d.GetAllocator());
    p["birth_date"].SetString("1980-01-01");
    p["gender"].SetString(rapidjson::StringRef(gender_of(patient)));
  });
}

}  // namespace ilp::testing
