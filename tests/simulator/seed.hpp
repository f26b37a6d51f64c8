#pragma once
// The simulator's fixed world: organizations with their OAuth clients and locations, and the
// patients and practitioners the national master indexes would know (loaded from --seed).

#include <string>
#include <string_view>
#include <vector>

namespace ilp::sim {

struct SeedLocation {
  std::string id;
  std::string name;
};

struct SeedOrganization {
  std::string id;  // SATUSEHAT Organization id, e.g. "10000004"
  std::string name;
  std::string client_id;
  std::string client_secret;
  std::vector<SeedLocation> locations;
};

struct SeedPatient {
  std::string nik;         // empty for a newborn registered by the mother's NIK
  std::string mother_nik;  // set only for such a newborn
  std::string ihs;
  std::string name;
  std::string birth_date;  // YYYY-MM-DD
  std::string gender;      // male | female
};

struct SeedPractitioner {
  std::string nik;
  std::string ihs;
  std::string name;
};

struct Seed {
  std::vector<SeedOrganization> organizations;
  std::vector<SeedPatient> patients;
  std::vector<SeedPractitioner> practitioners;

  const SeedOrganization* organization_of_client(std::string_view client_id) const;
};

// Parses and checks a seed (unknown keys, missing fields, duplicate ids are errors).
// Throws std::runtime_error naming the offending element.
Seed parse_seed(std::string_view json);
Seed load_seed(const std::string& path);

}  // namespace ilp::sim
