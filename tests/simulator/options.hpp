#pragma once
// Command-line options of satusehat-sim (DESIGN.md §8, §10). `--help` prints them all.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "tests/simulator/faults.hpp"

// Set by CMake for satusehat-sim to the checkout's fhir_profiles.
#ifndef ILP_SIM_PROFILES_DIR
#define ILP_SIM_PROFILES_DIR "fhir_profiles"
#endif

namespace ilp::sim {

enum class PatientCreateResponse {
  kPractice,  // {"success":true,"data":{"patient_id":…}} as peers observe (reference §3.3)
  kFhir,      // the created Patient resource, as the official page claims
};

struct Options {
  std::string listen = "127.0.0.1:9900";
  std::string seed_path = "config/examples/sim-seed.json";
  // SATUSEHAT's rules (satusehat/rules.yaml), the file the gateway validates with: one source.
  // The checkout's own by default, so the simulator runs from any working directory.
  std::string profiles_dir = ILP_SIM_PROFILES_DIR;
  int token_ttl_s = 3599;   // expires_in of issued tokens (docs: 3599; production seen: 14399)
  int auth_backoff_s = 60;  // lock-out after a failed login (reference §1.4: 1/min)
  // The status of the lock-out answer is not documented (reference §1.4 gives only the text).
  unsigned auth_backoff_status = 429;
  std::string date_floor =
      "2014-06-03";  // reference §2.1 (a dictionary paraphrase says 2022-08-31)
  std::size_t max_body = 4 * 1024 * 1024;
  PatientCreateResponse patient_create_response = PatientCreateResponse::kPractice;
  std::string log_level = "info";
  std::optional<std::uint64_t> seed_random;
  Faults faults;  // active from start
};

struct ParseResult {
  std::optional<Options> options;  // nullopt: exit with `exit_code` after printing `message`
  int exit_code = 0;
  std::string message;
};

ParseResult parse_options(int argc, char** argv);
std::string help_text();

}  // namespace ilp::sim
