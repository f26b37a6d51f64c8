#include "tests/simulator/token_service.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

#include "mappers/json.hpp"
#include "tests/simulator/responses.hpp"

namespace ilp::sim {
namespace {

// Reference §1.4, verbatim.
constexpr std::string_view kBadCredentials =
    "The user or system was not able to be authenticated (either client_id or client_secret "
    "combination is unacceptable)";
constexpr std::string_view kRateLimited =
    "Authentication temporarily cannot be performed due to the rate limit policy. Rate limit: 1 "
    "request per minute after a failed attempt.";
constexpr std::size_t kPurgeAbove = 10'000;  // tokens kept before expired ones are swept

}  // namespace

TokenService::TokenService(const Seed& seed, AuthConfig config, IdGenerator& ids,
                           const gateway::Clock& clock, Stats& stats)
    : seed_(seed), config_(config), ids_(ids), clock_(clock), stats_(stats) {
  // Apigee names one "application" per registered client; stable for the process lifetime.
  for (const auto& o : seed_.organizations) application_names_[o.client_id] = ids_.uuid();
}

gateway::http::Response TokenService::issue(const gateway::http::Request& req,
                                            const std::string* grant_type) {
  stats_.token_requests++;
  if (grant_type == nullptr || *grant_type != "client_credentials") {
    // Not documented by SATUSEHAT; an OperationOutcome like its other 4xx answers.
    return issue_response(400, "error", "value",
                          "grant_type must be client_credentials (in the query string)");
  }
  const auto form = parse_target("?" + req.body());
  const std::string* id = form.param("client_id");
  const std::string* secret = form.param("client_secret");
  const std::string client_id = id != nullptr ? *id : std::string();
  const auto now = clock_.now_ms();

  if (auto lock = locked_until_ms_.find(client_id); lock != locked_until_ms_.end()) {
    if (now < lock->second) {
      stats_.auth_rate_limited++;
      return issue_response(config_.backoff_status, "invalid", "value", kRateLimited);
    }
    locked_until_ms_.erase(lock);  // the window is over: one more attempt is allowed
  }
  const auto* org = seed_.organization_of_client(client_id);
  if (org == nullptr || secret == nullptr || *secret != org->client_secret) {
    stats_.auth_failures++;
    if (!client_id.empty() && config_.backoff_s > 0) {
      locked_until_ms_[client_id] = now + std::int64_t{config_.backoff_s} * 1000;
    }
    return issue_response(401, "invalid", "value", kBadCredentials);
  }

  purge_expired();
  std::int64_t lifetime_s = config_.token_ttl_s;
  if (expiry_fault_s_) lifetime_s = std::min<std::int64_t>(lifetime_s, *expiry_fault_s_);
  auto token = ids_.access_token();
  while (tokens_.count(token) != 0) token = ids_.access_token();
  tokens_[token] = Token{client_id, org->id, now + lifetime_s * 1000};
  stats_.tokens_issued++;

  // Reference §1.3: Apigee's shape, every number a string.
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto s = [&](std::string_view v) {
    return rapidjson::Value(v.data(), static_cast<rapidjson::SizeType>(v.size()), a);
  };
  d.AddMember("refresh_token_expires_in", "0", a);
  d.AddMember("api_product_list", "[api-sandbox]", a);
  rapidjson::Value products(rapidjson::kArrayType);
  products.PushBack("api-sandbox", a);
  d.AddMember("api_product_list_json", products, a);
  d.AddMember("organization_name", "ihs-prod-1", a);
  d.AddMember("developer.email", s(client_id + "@satusehat-sim.invalid"), a);
  d.AddMember("token_type", "BearerToken", a);
  d.AddMember("issued_at", s(std::to_string(now)), a);
  d.AddMember("client_id", s(client_id), a);
  d.AddMember("access_token", s(token), a);
  d.AddMember("application_name", s(application_names_[client_id]), a);
  d.AddMember("scope", "", a);
  d.AddMember("expires_in", s(std::to_string(config_.token_ttl_s)), a);
  d.AddMember("refresh_count", "0", a);
  d.AddMember("status", "approved", a);
  return json_response(200, mappers::to_json(d));
}

std::optional<BoundClient> TokenService::authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  auto token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  const auto it = tokens_.find(std::string(token));
  if (it == tokens_.end() || clock_.now_ms() >= it->second.expires_at_ms) return std::nullopt;
  return BoundClient{it->second.client_id, it->second.org_id};
}

void TokenService::set_expiry_fault(std::optional<int> ttl_s) {
  expiry_fault_s_ = ttl_s;
  if (!ttl_s) return;
  const auto cap = clock_.now_ms() + std::int64_t{*ttl_s} * 1000;
  for (auto& [t, tok] : tokens_) tok.expires_at_ms = std::min(tok.expires_at_ms, cap);
}

void TokenService::purge_expired() {
  if (tokens_.size() < kPurgeAbove) return;
  const auto now = clock_.now_ms();
  std::erase_if(tokens_, [now](const auto& kv) { return kv.second.expires_at_ms <= now; });
}

}  // namespace ilp::sim
