#include "delivery_fakes.hpp"

#include <rapidjson/document.h>

#include "gateway/http/url.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::delivery::testing {

using mappers::member;
using mappers::string_member;

http::ClientResult respond(int status, std::string body, std::string content_type,
                           std::vector<std::pair<std::string, std::string>> headers) {
  http::ClientResult r;
  r.request_sent = true;
  r.response.result(static_cast<unsigned>(status));
  r.response.version(11);
  r.response.set(bhttp::field::content_type, content_type);
  for (const auto& [k, v] : headers) r.response.set(k, v);
  r.response.body() = std::move(body);
  r.response.prepare_payload();
  return r;
}

http::ClientResult network_error(bool request_sent) {
  http::ClientResult r;
  r.request_sent = request_sent;
  r.ec = request_sent ? make_error_code(boost::system::errc::timed_out)
                      : make_error_code(boost::system::errc::connection_refused);
  return r;
}

std::string token_body(const std::string& token, const std::string& issued_at_ms,
                       const std::string& expires_in_s) {
  std::string b = R"({"refresh_token_expires_in":"0","api_product_list":"[api-sandbox]",)"
                  R"("organization_name":"ihs-prod-1","token_type":"BearerToken",)";
  if (!issued_at_ms.empty()) b += R"("issued_at":")" + issued_at_ms + R"(",)";
  b += R"("client_id":"cid-a","access_token":")" + token + R"(","scope":"",)";
  b += R"("expires_in":")" + expires_in_s + R"(","refresh_count":"0","status":"approved"})";
  return b;
}

std::string outcome_body(const std::string& code, const std::string& text) {
  return R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":")" + code +
         R"(","details":{"text":")" + text + R"("}}]})";
}

std::string searchset(const std::string& type, const std::vector<std::string>& ids,
                      bool with_total) {
  std::string b = R"({"resourceType":"Bundle","type":"searchset",)";
  if (with_total) b += R"("total":)" + std::to_string(ids.size()) + ",";
  b += R"("entry":[)";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) b += ",";
    b += R"({"fullUrl":"http://platform.test/fhir-r4/v1/)" + type + "/" + ids[i] +
         R"(","resource":{"resourceType":")" + type + R"(","id":")" + ids[i] +
         R"("},"search":{"mode":"match"}})";
  }
  return b + "]}";
}

MiniPlatform::MiniPlatform() = default;

http::ClientResult MiniPlatform::operator()(const SentRequest& r) {
  if (r.is_token()) {
    if (r.body.find("client_secret=" + http::url_encode(client_secret)) == std::string::npos) {
      return respond(401, outcome_body("value",
                                       "The user or system was not able to be authenticated "
                                       "(either client_id or client_secret combination is "
                                       "unacceptable)"));
    }
    ++tokens_issued;
    return respond(200, token_body("tok-" + std::to_string(tokens_issued),
                                   token_issued_at_ms ? std::to_string(token_issued_at_ms) : "",
                                   std::to_string(token_ttl_s)));
  }
  if (!revoked_token.empty() && r.authorization == "Bearer " + revoked_token) {
    revoked_token.clear();
    return respond(401, outcome_body("invalid-access-token", "Invalid Access Token."));
  }
  if (r.authorization.rfind("Bearer tok-", 0) != 0) {
    return respond(401, outcome_body("invalid-access-token", "Invalid Access Token."));
  }
  if (r.is_search()) {
    const auto q = r.target.find("?identifier=");
    const auto slash = r.target.rfind('/', q);
    const std::string type = r.target.substr(slash + 1, q - slash - 1);
    const std::string token = http::url_decode(r.target.substr(q + 12));
    const auto it = known.find(token);
    return respond(200,
                   searchset(type, it == known.end() ? std::vector<std::string>{} : it->second));
  }
  return transaction(r);
}

http::ClientResult MiniPlatform::transaction(const SentRequest& r) {
  ++transactions;
  last_transaction = r.body;
  if (!transaction_faults.empty()) {
    auto fault = transaction_faults.front();
    transaction_faults.erase(transaction_faults.begin());
    return fault;
  }
  rapidjson::Document d;
  if (mappers::parse_json_strict(r.body, d)) return respond(400, outcome_body("structure", "bad"));
  std::string out = R"({"resourceType":"Bundle","type":"transaction-response","entry":[)";
  const auto* entries = member(d, "entry");
  int n = 0;
  for (const auto& e : entries->GetArray()) {
    const auto& res = e["resource"];
    const std::string type = res["resourceType"].GetString();
    const std::string method = e["request"]["method"].GetString();
    std::string id;
    std::string version = "1";
    if (method == "PUT") {
      id = res["id"].GetString();
      version = "2";
    } else {
      id = type + "-" + std::to_string(transactions) + "-" + std::to_string(n);
    }
    if (const auto* ids = member(res, "identifier"); ids && ids->IsArray()) {
      for (const auto& i : ids->GetArray()) {
        known[std::string(i["system"].GetString()) + "|" + i["value"].GetString()] = {id};
      }
    }
    std::string location = type + "/" + id + "/_history/" + version;
    if (location_absolute) location = "http://platform.test/fhir-r4/v1/" + location;
    if (n++) out += ",";
    out += R"({"response":{"status":"201 Created","location":")" + location + R"("}})";
  }
  return respond(200, out + "]}");
}

std::shared_ptr<config::Config> test_config() {
  auto c = std::make_shared<config::Config>();
  c->platform.auth_url = "http://platform.test/oauth2/v1";
  c->platform.fhir_url = "http://platform.test/fhir-r4/v1";
  c->platform.rate_limit_per_min = 60'000;  // never waits in tests
  c->delivery.poll_ms = 5;
  c->pseudonymizer =
      std::make_shared<const mappers::Pseudonymizer>(mappers::Pseudonymizer::for_tests());
  config::Facility f;
  f.info.key = "pkm-a";
  f.info.name = "Puskesmas A";
  f.info.organization_id = "100000001";
  f.info.timezone = "Asia/Jakarta";
  f.info.utc_offset_minutes = 420;
  f.client_id = "cid-a";
  f.client_secret = "s3cret";
  c->facilities.push_back(f);
  return c;
}

std::string test_bundle(const std::string& nik, const std::string& practitioner_nik) {
  const std::string patient = "Patient?identifier=https://fhir.kemkes.go.id/id/nik|" + nik;
  const std::string practitioner =
      "Practitioner?identifier=https://fhir.kemkes.go.id/id/nik|" + practitioner_nik;
  return R"({"resourceType":"Bundle","type":"transaction","entry":[)"
         R"({"fullUrl":"urn:uuid:e1","resource":{"resourceType":"Encounter","identifier":[)"
         R"({"system":"http://sys-ids.kemkes.go.id/encounter/100000001","value":"V-1"}],)"
         R"("status":"finished","subject":{"reference":")" +
         patient + R"("},"participant":[{"individual":{"reference":")" + practitioner +
         R"("}}],"diagnosis":[{"condition":{"reference":"urn:uuid:c1"}}]},)"
         R"("request":{"method":"POST","url":"Encounter"}},)"
         R"({"fullUrl":"urn:uuid:c1","resource":{"resourceType":"Condition","identifier":[)"
         R"({"system":"http://sys-ids.kemkes.go.id/condition/100000001","value":"V-1-d0"}],)"
         R"("subject":{"reference":")" +
         patient +
         R"("},"encounter":{"reference":"urn:uuid:e1"}},)"
         R"("request":{"method":"POST","url":"Condition"}},)"
         R"({"fullUrl":"urn:uuid:o1","resource":{"resourceType":"Observation","identifier":[)"
         R"({"system":"http://sys-ids.kemkes.go.id/observation/100000001","value":"V-1-sys"}],)"
         R"("subject":{"reference":")" +
         patient +
         R"("},"encounter":{"reference":"urn:uuid:e1"}},)"
         R"("request":{"method":"POST","url":"Observation"}}]})";
}

std::vector<store::ResourceRef> test_resources() {
  return {{"encounter", "Encounter", "urn:uuid:e1", ""},
          {"diagnosis.0", "Condition", "urn:uuid:c1", ""},
          {"systolic", "Observation", "urn:uuid:o1", ""}};
}

// ---- MemoryStore -----------------------------------------------------------------------

std::string MemoryStore::add(store::Record r) {
  std::lock_guard lock(mu_);
  if (r.id.empty()) r.id = "rec-" + std::to_string(records_.size() + 1);
  r.seq = static_cast<std::int64_t>(records_.size() + 1);
  const auto id = r.id;
  records_[id] = std::move(r);
  return id;
}

std::optional<store::Record> MemoryStore::record(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

std::vector<store::Completion> MemoryStore::completions() {
  std::lock_guard lock(mu_);
  return completions_;
}

void MemoryStore::ingest(std::vector<store::IngestItem>,
                         std::function<void(std::vector<store::IngestOutcome>)> done) {
  done({});
}
void MemoryStore::get(std::string id, std::function<void(store::ReadResult<store::Record>)> done) {
  done(store::ReadResult<store::Record>::from(record(id)));
}
void MemoryStore::find(std::string, std::string, std::string,
                       std::function<void(store::ReadResult<store::Record>)> done) {
  done(store::ReadResult<store::Record>::not_found());
}
void MemoryStore::list(store::ListQuery,
                       std::function<void(store::ReadResult<store::ListPage>)> done) {
  done(store::ReadResult<store::ListPage>::found({}));
}
void MemoryStore::stats(std::function<void(store::ReadResult<store::Stats>)> done) {
  done(store::ReadResult<store::Stats>::found({}));
}

void MemoryStore::claim(std::int64_t now_ms, int limit,
                        std::function<void(std::vector<store::Record>)> done) {
  std::vector<store::Record> out;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, r] : records_) {
      if (static_cast<int>(out.size()) >= limit) break;
      const bool pending = r.status == store::Status::kQueued ||
                           r.status == store::Status::kRetrying ||
                           r.status == store::Status::kWaiting;
      if (!pending || (r.next_attempt_at_ms && *r.next_attempt_at_ms > now_ms)) continue;
      r.status = store::Status::kSending;
      out.push_back(r);
    }
  }
  done(std::move(out));
}

void MemoryStore::complete(store::Completion c, std::function<void(bool ok)> done) {
  bool ok = false;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(c.id);
    if (it != records_.end()) {
      auto& r = it->second;
      r.status = c.status;
      r.next_attempt_at_ms = c.next_attempt_at_ms;
      r.last_error = c.last_error;
      r.attempts += c.count_attempt ? 1 : 0;
      r.maybe_sent = c.maybe_sent;
      if (c.status == store::Status::kDelivered) r.delivered_revision = c.revision;
      for (const auto& s : c.server_ids) {
        for (auto& ref : r.resources) {
          if (ref.name == s.name && !s.server_id.empty()) ref.server_id = s.server_id;
        }
      }
      r.history.push_back({c.now_ms, c.status, c.note});
      ok = true;
      // As the real stores do: in the completion's own write, and only when it applies.
      for (const auto& e : c.cache_puts) {
        ++cache_puts;
        cache[e.kind + "/" + e.key] = e.value;
      }
      woken.insert(woken.end(), c.wake_keys.begin(), c.wake_keys.end());
    }
    completions_.push_back(c);
  }
  done(ok);
}

void MemoryStore::recover(std::int64_t now_ms, std::function<void(int count)> done) {
  int n = 0;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, r] : records_) {
      if (r.status != store::Status::kSending) continue;
      r.status = store::Status::kRetrying;
      r.maybe_sent = true;
      r.next_attempt_at_ms = now_ms;
      ++n;
    }
  }
  done(n);
}

void MemoryStore::retry(std::vector<std::string>, std::optional<store::Status>, std::int64_t,
                        std::function<void(int count)> done) {
  done(0);
}

void MemoryStore::cache_get(std::string kind, std::string key,
                            std::function<void(std::optional<std::string>)> done) {
  std::optional<std::string> v;
  {
    std::lock_guard lock(mu_);
    ++cache_gets;
    if (auto it = cache.find(kind + "/" + key); it != cache.end()) v = it->second;
  }
  done(std::move(v));
}

void MemoryStore::cache_put(std::string kind, std::string key, std::string value, std::int64_t,
                            std::function<void(bool ok)> done) {
  {
    std::lock_guard lock(mu_);
    ++cache_puts;
    cache[kind + "/" + key] = std::move(value);
  }
  done(true);
}

void MemoryStore::check_writable(std::function<void(bool ok)> done) { done(true); }

}  // namespace ilp::gateway::delivery::testing
