#pragma once
// Starts the real ilp-gateway binary on 127.0.0.1:0 (both listeners) with the shipped config,
// a private store in a temp folder, and the platform pointed at a simulator. Restartable
// against the same store, to prove durability across crashes.

#include <rapidjson/document.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/sim_fixture.hpp"

namespace ilp::testing {

// The demo API keys of config/facilities.yaml.
inline constexpr const char* kSukamajuApiKey = "demo-key-sukamaju";
inline constexpr const char* kTanjungApiKey = "demo-key-tanjung";
inline constexpr const char* kSentaniApiKey = "demo-key-sentani";
inline constexpr const char* kAdminToken = "test-admin-token";

struct GatewayOptions {
  GatewayOptions(std::string base, std::vector<std::string> extra = {})
      : platform_base(std::move(base)), overrides(std::move(extra)) {}

  std::string platform_base;           // "http://127.0.0.1:PORT" of the simulator
  std::vector<std::string> overrides;  // extra --set key=value
  std::string sukamaju_secret = kSukamajuSecret;
  std::string tanjung_secret = kTanjungSecret;
  std::string store_dir;  // where the SQLite store goes; empty: the fixture's own temp folder
};

class GatewayFixture {
 public:
  explicit GatewayFixture(GatewayOptions options);
  ~GatewayFixture();

  void start();
  void kill();  // SIGKILL: a crash
  int stop();   // SIGTERM: graceful; returns the exit code
  void restart() {
    kill();
    start();
  }

  const std::string& ingest_url() const { return ingest_url_; }
  const std::string& admin_url() const { return admin_url_; }
  const std::string& store_path() const { return store_path_; }
  const std::string& dir() const { return dir_; }
  ChildProcess& process() { return *process_; }

  // POST /api/v1/records with the facility's API key (Sukamaju by default).
  HttpResult post_record(const std::string& envelope, const std::string& api_key = kSukamajuApiKey,
                         const Headers& extra = {}) const;
  HttpResult get_record(const std::string& id, const std::string& api_key = kSukamajuApiKey) const;
  // Polls the status until `done(status document)` holds or the timeout passes; returns the
  // last document. Throws on timeout with the last status.
  // `api_key`: the status API answers only the record's own facility.
  rapidjson::Document wait_for(const std::string& id,
                               const std::function<bool(const rapidjson::Document&)>& done,
                               std::chrono::milliseconds timeout = std::chrono::seconds(20),
                               const std::string& api_key = kSukamajuApiKey) const;
  rapidjson::Document wait_for_status(const std::string& id, const std::string& status,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(20),
                                      const std::string& api_key = kSukamajuApiKey) const;
  HttpResult admin(const std::string& method, const std::string& path,
                   const std::string& body = {}) const;
  // Runs `ilp-gateway <args> --config <shipped> --set store.sqlite=<this store>`; returns
  // exit code and stdout.
  std::pair<int, std::string> cli(const std::vector<std::string>& args) const;

 private:
  GatewayOptions options_;
  std::string dir_;
  std::string store_path_;
  std::unique_ptr<ChildProcess> process_;
  std::string ingest_url_;
  std::string admin_url_;
};

// A visit envelope for Sukamaju with the seed's patient and practitioner; `record_id` and
// `visit_no` are `id`. `patch` edits the parsed envelope before it is serialised.
std::string visit_envelope(const std::string& id,
                           const std::function<void(rapidjson::Document&)>& patch = {});

std::string gateway_binary();
std::string source_dir();

}  // namespace ilp::testing
