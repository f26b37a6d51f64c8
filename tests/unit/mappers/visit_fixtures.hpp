#pragma once
// Shared by the mapper unit tests and the golden runner: the test facilities (as the
// simulator seed and config/examples know them), a fixed clock, and a valid visit to mutate.

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "mappers/datetime.hpp"
#include "mappers/facility.hpp"
#include "mappers/json.hpp"
#include "mappers/mapping.hpp"
#include "mappers/mapping_set.hpp"

namespace ilp::mappers::test {

// A pustu or posyandu as config/facilities.yaml declares it.
inline Location village_post(std::string code, std::string id, std::string name,
                             Location::Type type, std::string village, std::string part_of,
                             LocationPractitioner practitioner) {
  Location l{std::move(code), std::move(id), std::move(name), type};
  l.village_code = std::move(village);
  l.part_of = std::move(part_of);
  l.practitioner = std::move(practitioner);
  return l;
}

inline Facility sukamaju() {
  Facility f;
  f.key = "pkm-sukamaju";
  f.name = "Puskesmas Sukamaju";
  f.organization_id = "10000004";
  f.timezone = "Asia/Jakarta";
  f.utc_offset_minutes = *utc_offset_minutes(f.timezone);
  f.locations = {
      {"POLI-UMUM", "b017aa54-f1df-4ec2-9d84-8823815d7228", "Poli Umum"},
      {"KIA", "c87e0ca7-badc-4c60-9080-277aaaf27a88", "Ruang KIA"},
      village_post("POSYANDU-MAWAR", "2f1c9e0a-6d4b-4b8e-9a51-3c2d7e8f9a10", "Posyandu Mawar",
                   Location::Type::kPosyandu, "3204012001", "PUSTU-CIBIRU",
                   LocationPractitioner{"3204016708900003", "", "Bidan Yuliani"}),
      village_post("PUSTU-CIBIRU", "8a1d3f5e-2b7c-4e9a-9f0d-6c4b2a8e1d35", "Pustu Cibiru",
                   Location::Type::kPustu, "3204012001", "",
                   LocationPractitioner{"3204016708900003", "", "Bidan Yuliani"}),
  };
  return f;
}

inline Facility tanjung() {
  Facility f;
  f.key = "pkm-tanjung";
  f.name = "Puskesmas Tanjung";
  f.organization_id = "10000005";
  f.timezone = "Asia/Makassar";
  f.utc_offset_minutes = *utc_offset_minutes(f.timezone);
  f.locations = {
      {"POLI-UMUM", "7d3c2b1a-0e9f-4a8b-8c7d-6e5f4a3b2c1d", "Poli Umum"},
      {"KIA", "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "Ruang KIA"},
      village_post("POSYANDU-MELATI", "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b", "Posyandu Melati",
                   Location::Type::kPosyandu, "7371011001", "",
                   LocationPractitioner{"7371011505850002", "", "Bidan Rina"}),
  };
  return f;
}

inline Facility sentani() {
  Facility f;
  f.key = "pkm-sentani";
  f.name = "Puskesmas Sentani";
  f.organization_id = "10000006";
  f.timezone = "Asia/Jayapura";
  f.utc_offset_minutes = *utc_offset_minutes(f.timezone);
  f.locations = {
      {"POLI-UMUM", "5b4a3c2d-1e0f-4a9b-8c7d-2e1f0a9b8c7d", "Poli Umum"},
      {"KIA", "6c5b4a3d-2e1f-4b0a-9d8c-3f2e1d0c9b8a", "Ruang KIA"},
      village_post("POSYANDU-KENANGA", "7d6c5b4e-3f2a-4c1b-8e9d-4a3f2e1d0c9b", "Posyandu Kenanga",
                   Location::Type::kPosyandu, "9103011001", "",
                   LocationPractitioner{"9103016604880003", "", "Bidan Martha"}),
  };
  return f;
}

// Every test maps "now" = 2025-12-31T00:00:00Z, so 2025 visits are in the past.
inline std::int64_t fixed_now_ms() { return *parse_datetime("2025-12-31T00:00:00Z", 0); }

inline constexpr std::string_view kPatientNik = "3204010101900001";
inline constexpr std::string_view kMotherNik = "3204014102950002";
inline constexpr std::string_view kPractitionerNik = "3204011203800001";

// A complete, valid visit (local WIB times) that tests mutate one field at a time.
inline constexpr std::string_view kValidVisit = R"({
  "visit_no": "RJ1",
  "patient": {"nik": "3204010101900001", "name": "Budi Santoso", "birth_date": "1990-01-01",
              "gender": "male"},
  "practitioner": {"nik": "3204011203800001", "name": "dr. Andi Wijaya"},
  "location": "POLI-UMUM",
  "arrived_at": "2025-03-14T08:00:00",
  "started_at": "2025-03-14T08:15:00",
  "finished_at": "2025-03-14T08:40:00",
  "class": "outpatient",
  "vitals": {"systolic": 128, "diastolic": 82, "heart_rate": 84, "temperature": 36.8},
  "diagnoses": [{"icd10": "A01.0", "display": "Typhoid fever", "primary": true},
                {"icd10": "R50.9", "display": "Fever, unspecified"}],
  "procedures": [{"icd9cm": "89.7", "display": "General physical examination"}],
  "notes": "Kontrol 3 hari lagi."
})";

inline rapidjson::Document parse_or_fail(std::string_view text) {
  rapidjson::Document d;
  const auto err = parse_json_strict(text, d);
  INFO((err ? err->message : std::string()));
  REQUIRE_FALSE(err.has_value());
  return d;
}

// The shipped config/mappings/<kind>.yaml with the shipped code tables, compiled once: the unit
// tests of a kind test the mapping IT staff get, through the engine.
inline const Mapping& shipped_mapping(const std::string& kind) {
  static const CodeTables tables = [] {
    std::vector<std::string> errors;
    auto t = CodeTables::load(std::string(ILP_SOURCE_DIR) + "/config/codes", errors);
    for (const auto& e : errors) FAIL(e);
    return t;
  }();
  static std::map<std::string, std::unique_ptr<Mapping>> cache;
  auto& m = cache[kind];
  if (!m) {
    const std::string path = std::string(ILP_SOURCE_DIR) + "/config/mappings/" + kind + ".yaml";
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    CompileReport report;
    m = Mapping::compile(s.str(), "config/mappings/" + kind + ".yaml", tables, report);
    for (const auto& e : report.errors) FAIL(e);
    for (const auto& w : report.warnings) FAIL(w);
    REQUIRE(m != nullptr);
  }
  return *m;
}

inline MapResult map_visit(const MapInput& in) { return shipped_mapping("visit").map(in); }

// A visit under test: starts valid; set()/remove() change one field by dotted path
// ("patient.nik", "diagnoses.1.icd10"), creating objects on the way as needed.
class VisitCase {
 public:
  VisitCase() : data_(parse_or_fail(kValidVisit)) {}
  explicit VisitCase(std::string_view json) : data_(parse_or_fail(json)) {}

  VisitCase& set(std::string_view dotted, std::string_view json) {
    rapidjson::Document v(&data_.GetAllocator());
    v.Parse(json.data(), json.size());
    REQUIRE_FALSE(v.HasParseError());
    rapidjson::Value* parent = &data_;
    std::string_view key = dotted;
    for (auto dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.')) {
      parent = &child(*parent, key.substr(0, dot));
      key = key.substr(dot + 1);
    }
    rapidjson::Value copy(v, data_.GetAllocator());
    if (parent->IsArray()) {
      (*parent)[static_cast<rapidjson::SizeType>(std::stoul(std::string(key)))] = copy;
    } else if (auto it = parent->FindMember(std::string(key)); it != parent->MemberEnd()) {
      it->value = copy;
    } else {
      parent->AddMember(rapidjson::Value(std::string(key), data_.GetAllocator()), copy,
                        data_.GetAllocator());
    }
    return *this;
  }

  VisitCase& remove(std::string_view dotted) {
    rapidjson::Value* parent = &data_;
    std::string_view key = dotted;
    for (auto dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.')) {
      parent = &child(*parent, key.substr(0, dot));
      key = key.substr(dot + 1);
    }
    parent->RemoveMember(std::string(key));
    return *this;
  }

  MapResult map(const Facility& f, int revision = 1, std::string_view record_id = "RJ-2025-0001",
                std::string_view date_floor = "2014-06-03") const {
    return map_visit(MapInput{f, record_id, revision, data_, fixed_now_ms(), date_floor,
                              &Pseudonymizer::for_tests()});
  }
  MapResult map() const { return map(facility_); }

  const rapidjson::Document& data() const { return data_; }

 private:
  rapidjson::Value& child(rapidjson::Value& parent, std::string_view key) {
    if (parent.IsArray()) {
      return parent[static_cast<rapidjson::SizeType>(std::stoul(std::string(key)))];
    }
    auto it = parent.FindMember(std::string(key));
    if (it == parent.MemberEnd()) {
      parent.AddMember(rapidjson::Value(std::string(key), data_.GetAllocator()),
                       rapidjson::Value(rapidjson::kObjectType), data_.GetAllocator());
      it = parent.FindMember(std::string(key));
    }
    return it->value;
  }

  rapidjson::Document data_;
  Facility facility_ = sukamaju();
};

}  // namespace ilp::mappers::test
