#pragma once
// Starts satusehat-sim on 127.0.0.1:0 with the shipped seed for one test, plus small HTTP/JSON
// helpers. Used by the simulator's own tests and by the gateway's integration tests.
//
// Nothing here asserts: failures throw std::runtime_error with the simulator's stderr tail, so a
// test reports why the simulator did not come up instead of timing out.

#include <rapidjson/document.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http/client.hpp"
#include "support/child_process.hpp"

namespace ilp::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;
using HttpResult = gateway::http::ClientResult;

// The two puskesmas of config/examples/sim-seed.json.
inline constexpr const char* kSukamajuOrg = "10000004";
inline constexpr const char* kSukamajuClientId = "sukamaju-client-id";
inline constexpr const char* kSukamajuSecret = "sukamaju-secret-demo";
inline constexpr const char* kTanjungOrg = "10000005";
inline constexpr const char* kTanjungClientId = "tanjung-client-id";
inline constexpr const char* kTanjungSecret = "tanjung-secret-demo";

// Where the simulator binary and the seed are. The defaults come from the compile definitions
// the test targets get (ILP_SIM_BIN, ILP_SOURCE_DIR), or from environment variables of the same
// names when a target has none.
struct SimPaths {
  std::string binary;
  std::string seed;

  static SimPaths defaults() {
#if defined(ILP_SIM_BIN) && defined(ILP_SOURCE_DIR)
    return {ILP_SIM_BIN, std::string(ILP_SOURCE_DIR) + "/config/examples/sim-seed.json"};
#else
    const char* bin = std::getenv("ILP_SIM_BIN");
    const char* src = std::getenv("ILP_SOURCE_DIR");
    return {bin ? bin : "satusehat-sim",
            std::string(src ? src : ".") + "/config/examples/sim-seed.json"};
#endif
  }
};

class SimFixture {
 public:
  // Starts the simulator with `--listen 127.0.0.1:0 --seed <seed>` and `extra_flags`, and waits
  // for its "listening on" line.
  explicit SimFixture(std::vector<std::string> extra_flags = {},
                      SimPaths paths = SimPaths::defaults());

  const std::string& host_port() const { return host_port_; }  // "127.0.0.1:41234"
  const std::string& base_url() const { return base_url_; }    // "http://127.0.0.1:41234"
  std::string fhir_url() const { return base_url_ + "/fhir-r4/v1"; }
  std::string url(std::string_view path) const { return base_url_ + std::string(path); }
  ChildProcess& process() { return *process_; }

  // An access token for a seeded client. Throws unless the simulator answers 200 with one.
  std::string token(const std::string& client_id = kSukamajuClientId,
                    const std::string& secret = kSukamajuSecret) const;

  // A FHIR call relative to the FHIR base ("/Patient?identifier=…", "" for the base), with
  // `Authorization: Bearer <token>` when a token is given and Content-Type application/json
  // when there is a body.
  HttpResult fhir(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = {}) const;

  // POST /_sim/faults with `json`; throws unless the simulator accepts it.
  void set_faults(const std::string& json) const;
  // GET /_sim/stats.
  rapidjson::Document stats() const;
  // POST /_sim/reset: back to the seed, faults off, statistics zero. Throws unless 200.
  void reset() const;

 private:
  std::unique_ptr<ChildProcess> process_;
  std::string host_port_;
  std::string base_url_;
};

// Blocking HTTP with a bounded timeout (10 s unless given).
HttpResult http(const std::string& method, const std::string& url, const std::string& body = {},
                const Headers& headers = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// GET `url` and parse the body. Throws unless the answer is 2xx JSON.
rapidjson::Document get_json(const std::string& url, const Headers& headers = {});

// POST `body` with Content-Type: application/json.
HttpResult post_json(const std::string& url, const std::string& body, const Headers& headers = {});

// Parses a response body strictly. Throws std::runtime_error with the body on failure.
rapidjson::Document parse_json(const std::string& body);

Headers bearer(const std::string& token);

}  // namespace ilp::testing
