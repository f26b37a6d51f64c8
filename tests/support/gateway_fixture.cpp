#include "support/gateway_fixture.hpp"

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "mappers/json.hpp"

namespace ilp::testing {
namespace fs = std::filesystem;

std::string gateway_binary() {
#ifdef ILP_GATEWAY_BIN
  return ILP_GATEWAY_BIN;
#else
  const char* b = std::getenv("ILP_GATEWAY_BIN");
  return b ? b : "ilp-gateway";
#endif
}

std::string source_dir() {
#ifdef ILP_SOURCE_DIR
  return ILP_SOURCE_DIR;
#else
  const char* s = std::getenv("ILP_SOURCE_DIR");
  return s ? s : ".";
#endif
}

GatewayFixture::GatewayFixture(GatewayOptions options) : options_(std::move(options)) {
  static std::atomic<int> counter{0};
  dir_ = (fs::temp_directory_path() /
          ("ilp-gw-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
             .string();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  store_path_ = (options_.store_dir.empty() ? dir_ : options_.store_dir) + "/gateway.db";
  start();
}

GatewayFixture::~GatewayFixture() {
  process_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void GatewayFixture::start() {
  std::vector<std::string> argv = {
      gateway_binary(), "serve",
      "--config",       source_dir() + "/config/gateway.yaml",
      "--set",          "listen.ingest=127.0.0.1:0",
      "--set",          "listen.admin=127.0.0.1:0",
      "--set",          "store.sqlite=" + store_path_,
      "--set",          "platform.auth_url=" + options_.platform_base + "/oauth2/v1",
      "--set",          "platform.fhir_url=" + options_.platform_base + "/fhir-r4/v1",
      "--set",          "delivery.poll_ms=50",
      "--set",          "log.level=debug"};
  for (const auto& o : options_.overrides) {
    argv.push_back("--set");
    argv.push_back(o);
  }
  process_ = ChildProcess::start(argv, {{"ILP_SECRET_PKM_SUKAMAJU", options_.sukamaju_secret},
                                        {"ILP_SECRET_PKM_TANJUNG", options_.tanjung_secret},
                                        {"ILP_SECRET_PKM_SENTANI", "sentani-secret-demo"},
                                        {"ILP_ADMIN_TOKEN", kAdminToken}});
  ingest_url_ = "http://" + process_->wait_for_line("ingest listening on ");
  admin_url_ = "http://" + process_->wait_for_line("admin listening on ");
}

void GatewayFixture::kill() {
  if (process_) process_->kill();
}

int GatewayFixture::stop() {
  process_->signal(SIGTERM);
  auto code = process_->wait(std::chrono::seconds(15));
  if (!code) throw std::runtime_error("gateway did not stop within 15 s of SIGTERM");
  return *code;
}

HttpResult GatewayFixture::post_record(const std::string& envelope, const std::string& api_key,
                                       const Headers& extra) const {
  Headers h = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + api_key}};
  h.insert(h.end(), extra.begin(), extra.end());
  return http("POST", ingest_url_ + "/api/v1/records", envelope, h);
}

HttpResult GatewayFixture::get_record(const std::string& id, const std::string& api_key) const {
  return http("GET", ingest_url_ + "/api/v1/records/" + id, {},
              {{"Authorization", "Bearer " + api_key}});
}

rapidjson::Document GatewayFixture::wait_for(
    const std::string& id, const std::function<bool(const rapidjson::Document&)>& done,
    std::chrono::milliseconds timeout, const std::string& api_key) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (true) {
    auto r = get_record(id, api_key);
    if (r.ok() && r.response.result_int() == 200) {
      last = r.response.body();
      auto doc = parse_json(last);
      if (done(doc)) return doc;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error(
          "timed out waiting on record " + id + "; last status: " + last +
          "\ngateway stderr tail:\n" +
          process_->stderr_text().substr(
              process_->stderr_text().size() > 4000 ? process_->stderr_text().size() - 4000 : 0));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

rapidjson::Document GatewayFixture::wait_for_status(const std::string& id,
                                                    const std::string& status,
                                                    std::chrono::milliseconds timeout,
                                                    const std::string& api_key) const {
  return wait_for(
      id,
      [&](const rapidjson::Document& d) {
        return d.HasMember("status") && d["status"].IsString() && d["status"].GetString() == status;
      },
      timeout, api_key);
}

HttpResult GatewayFixture::admin(const std::string& method, const std::string& path,
                                 const std::string& body) const {
  Headers h = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  if (!body.empty()) h.emplace_back("Content-Type", "application/json");
  return http(method, admin_url_ + path, body, h);
}

std::pair<int, std::string> GatewayFixture::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {gateway_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--config", source_dir() + "/config/gateway.yaml", "--set",
                           "store.sqlite=" + store_path_});
  auto p = ChildProcess::start(argv);
  auto code = p->wait(std::chrono::seconds(30));
  std::string out;
  for (const auto& l : p->stdout_lines()) out += l + "\n";
  return {code.value_or(-1), out};
}

std::string visit_envelope(const std::string& id,
                           const std::function<void(rapidjson::Document&)>& patch) {
  const std::string json = R"({
    "kind": "visit", "facility": "pkm-sukamaju", "record_id": ")" +
                           id + R"(",
    "data": {
      "visit_no": ")" + id +
                           R"(",
      "patient": {"nik": "3204010101900001", "name": "Budi Santoso", "birth_date": "1990-01-01",
                  "gender": "male"},
      "practitioner": {"nik": "3204011203800001", "name": "dr. Andi Wijaya"},
      "location": "POLI-UMUM",
      "arrived_at": "2025-03-10T08:00:00", "started_at": "2025-03-10T08:15:00",
      "finished_at": "2025-03-10T08:40:00",
      "vitals": {"systolic": 120, "diastolic": 80, "heart_rate": 78, "temperature": 36.7},
      "diagnoses": [{"icd10": "J06.9", "display": "Acute upper respiratory infection",
                     "primary": true}],
      "procedures": [{"icd9cm": "89.7", "display": "General physical examination"}]
    }})";
  rapidjson::Document d;
  if (mappers::parse_json_strict(json, d)) throw std::logic_error("bad visit template");
  if (patch) patch(d);
  return mappers::to_json(d);
}

}  // namespace ilp::testing
