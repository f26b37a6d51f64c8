#include "support/sim_fixture.hpp"

#include <stdexcept>

#include "gateway/http/url.hpp"
#include "mappers/json.hpp"

namespace ilp::testing {

SimFixture::SimFixture(std::vector<std::string> extra_flags, SimPaths paths) {
  std::vector<std::string> argv{paths.binary, "--listen", "127.0.0.1:0", "--seed", paths.seed};
  for (auto& f : extra_flags) argv.push_back(std::move(f));
  process_ = ChildProcess::start(std::move(argv));
  host_port_ = process_->wait_for_line("listening on ");
  base_url_ = "http://" + host_port_;
}

std::string SimFixture::token(const std::string& client_id, const std::string& secret) const {
  const auto body = "client_id=" + gateway::http::url_encode(client_id) +
                    "&client_secret=" + gateway::http::url_encode(secret);
  auto res = http("POST", url("/oauth2/v1/accesstoken?grant_type=client_credentials"), body,
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  if (!res.ok() || res.response.result_int() != 200) {
    throw std::runtime_error(
        "token request failed: " +
        (res.ok() ? std::to_string(res.response.result_int()) + " " + res.response.body()
                  : res.ec.message()));
  }
  auto doc = parse_json(res.response.body());
  const auto tok = mappers::string_member(doc, "access_token");
  if (!tok) throw std::runtime_error("token response without access_token");
  return std::string(*tok);
}

HttpResult SimFixture::fhir(const std::string& method, const std::string& path,
                            const std::string& token, const std::string& body) const {
  Headers headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  return http(method, fhir_url() + path, body, headers);
}

void SimFixture::set_faults(const std::string& json) const {
  auto res = post_json(url("/_sim/faults"), json);
  if (!res.ok() || res.response.result_int() != 200) {
    throw std::runtime_error("POST /_sim/faults refused: " +
                             (res.ok() ? res.response.body() : res.ec.message()));
  }
}

rapidjson::Document SimFixture::stats() const { return get_json(url("/_sim/stats")); }

void SimFixture::reset() const {
  auto res = http("POST", url("/_sim/reset"));
  if (!res.ok() || res.response.result_int() != 200) {
    throw std::runtime_error("POST /_sim/reset failed");
  }
}

HttpResult http(const std::string& method, const std::string& url, const std::string& body,
                const Headers& headers, std::chrono::milliseconds timeout) {
  return gateway::http::fetch(method, url, body, headers, timeout);
}

rapidjson::Document get_json(const std::string& url, const Headers& headers) {
  auto res = http("GET", url, {}, headers);
  if (!res.ok()) throw std::runtime_error("GET " + url + ": " + res.ec.message());
  const int status = res.response.result_int();
  if (status < 200 || status > 299) {
    throw std::runtime_error("GET " + url + ": " + std::to_string(status) + " " +
                             res.response.body());
  }
  return parse_json(res.response.body());
}

HttpResult post_json(const std::string& url, const std::string& body, const Headers& headers) {
  Headers h = headers;
  h.emplace_back("Content-Type", "application/json");
  return http("POST", url, body, h);
}

rapidjson::Document parse_json(const std::string& body) {
  rapidjson::Document doc;
  if (auto err = mappers::parse_json_strict(body, doc)) {
    throw std::runtime_error("not JSON (" + err->message + "): " + body.substr(0, 500));
  }
  return doc;
}

Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

}  // namespace ilp::testing
