#pragma once
// A throw-away config folder for config tests.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace ilp::test {

// A temp config folder with gateway.yaml and facilities.yaml; mappings, code tables and the
// FHIR profiles (../fhir_profiles, the default) are the shipped ones (symlinked), so a config is
// complete unless a test says otherwise.
struct TempConfig {
  std::filesystem::path root;
  std::filesystem::path dir;
  TempConfig(const std::string& gateway, const std::string& facilities) {
    root = std::filesystem::temp_directory_path() /
           ("ilp-cfg-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    dir = root / "config";
    std::filesystem::create_directories(dir);
    std::filesystem::create_directory_symlink(
        std::filesystem::path(ILP_SOURCE_DIR) / "fhir_profiles", root / "fhir_profiles");
    std::ofstream(dir / "gateway.yaml") << gateway;
    std::ofstream(dir / "facilities.yaml") << facilities;
    std::filesystem::create_directory_symlink(
        std::filesystem::path(ILP_SOURCE_DIR) / "config" / "mappings", dir / "mappings");
    std::filesystem::create_directory_symlink(
        std::filesystem::path(ILP_SOURCE_DIR) / "config" / "codes", dir / "codes");
    // The WHO tables the growth mapping needs load from the folder next to codes/.
    std::filesystem::create_directory_symlink(
        std::filesystem::path(ILP_SOURCE_DIR) / "config" / "growth-standards",
        dir / "growth-standards");
  }
  ~TempConfig() { std::filesystem::remove_all(root); }
  std::string path() const { return (dir / "gateway.yaml").string(); }
};

}  // namespace ilp::test
