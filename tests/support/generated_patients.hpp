#pragma once
// Many patients for load and chaos tests: records of one patient go one at a time, so a test
// that wants many attempts side by side needs many patients, and the simulator must know each
// (Patient search by NIK). These are made up (16 digits, names "Pasien Uji N"), written into a
// copy of the shipped simulator seed.

#include <filesystem>
#include <string>

namespace ilp::testing {

// The NIK of generated patient `i` (0 ≤ i < 100,000,000).
std::string generated_nik(int i);

// The shipped config/examples/sim-seed.json plus `patients` generated patients, written as
// `dir`/sim-seed.json; returns that path (for SimPaths::seed or satusehat-sim --seed).
std::string write_seed_with_patients(const std::filesystem::path& dir, int patients);

// A Sukamaju visit envelope (visit_envelope) for generated patient `patient`; `id` is the
// record id and visit number.
std::string generated_visit(const std::string& id, int patient);

}  // namespace ilp::testing
