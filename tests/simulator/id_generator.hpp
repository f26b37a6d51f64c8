#pragma once
// Server-assigned identifiers and timestamps, shaped like SATUSEHAT's (reference §2.1, §3.2):
// resource ids are UUIDs, version ids are opaque base64 strings such as
// "MTY4NTUxNTI0MDAzODM3ODAwMA" (base64 of a nanosecond timestamp), lastUpdated carries
// microseconds and +00:00. All randomness comes from one seeded generator so `--seed-random`
// makes a run reproducible. Not thread-safe: the simulator's state lives on one thread.

#include <cstdint>
#include <random>
#include <string>

#include "gateway/util/clock.hpp"

namespace ilp::sim {

using Rng = std::mt19937_64;

struct Version {
  std::string id;            // opaque, unique per write
  std::string last_updated;  // "2023-05-31T06:40:40.038000+00:00"
};

class IdGenerator {
 public:
  IdGenerator(Rng& rng, const gateway::Clock& clock) : rng_(rng), clock_(clock) {}

  std::string uuid();          // random (v4) UUID
  Version next_version();      // strictly increasing even within one millisecond
  std::string access_token();  // 28 letters and digits, like Apigee's
  std::string patient_ihs();   // "P" + 11 digits, like sandbox patient ids
  std::string now_utc();       // current instant, same format as Version::last_updated

 private:
  Rng& rng_;
  const gateway::Clock& clock_;
  std::int64_t last_ns_ = 0;
};

// "YYYY-MM-DDThh:mm:ss.ffffff+00:00".
std::string format_instant_us(std::int64_t epoch_us);
std::string base64_no_padding(std::string_view bytes);

}  // namespace ilp::sim
