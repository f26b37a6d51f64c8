#pragma once
// Fakes at delivery's boundaries: a scripted Transport that records every request, a small
// scripted FHIR platform to script it with, an in-memory Store, a fixed config, and a helper
// that runs one coroutine to completion on a private io_context. No real time passes.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/delivery/platform.hpp"
#include "gateway/delivery/rate_limiter.hpp"
#include "gateway/delivery/resolver.hpp"
#include "gateway/delivery/token_cache.hpp"
#include "gateway/delivery/transport.hpp"
#include "gateway/store/store.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::delivery::testing {

namespace bhttp = http::bhttp;

struct SentRequest {
  std::string method;
  std::string target;  // path and query
  std::string body;
  std::string authorization;
  std::string content_type;
  bool is_token() const { return target.find("/accesstoken") != std::string::npos; }
  bool is_search() const { return method == "GET"; }
  bool is_transaction() const { return method == "POST" && !is_token(); }
};

// Transport whose answers come from a function; thread-safe log of what was sent.
class FakeTransport final : public Transport {
 public:
  using Script = std::function<http::ClientResult(const SentRequest&)>;
  struct State {
    std::mutex mu;
    std::vector<SentRequest> sent;
    Script script;
  };

  explicit FakeTransport(Script script) : state_(std::make_shared<State>()) {
    state_->script = std::move(script);
  }
  // Shared so a test can read the log after handing the transport to Delivery.
  std::shared_ptr<State> state() const { return state_; }

  net::awaitable<http::ClientResult> send(const http::Url&, Request req) override {
    SentRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.body = req.body();
    if (auto it = req.find(bhttp::field::authorization); it != req.end()) {
      r.authorization = std::string(it->value());
    }
    if (auto it = req.find(bhttp::field::content_type); it != req.end()) {
      r.content_type = std::string(it->value());
    }
    Script script;
    {
      std::lock_guard lock(state_->mu);
      state_->sent.push_back(r);
      script = state_->script;
    }
    // Yield like a network round trip, so concurrent callers interleave.
    co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
    co_return script(r);
  }

 private:
  std::shared_ptr<State> state_;
};

inline std::vector<SentRequest> sent(const FakeTransport::State& s) {
  auto& m = const_cast<FakeTransport::State&>(s);
  std::lock_guard lock(m.mu);
  return m.sent;
}
inline int count_sent(const FakeTransport::State& s, bool (SentRequest::*pred)() const) {
  int n = 0;
  for (const auto& r : sent(s)) n += (r.*pred)() ? 1 : 0;
  return n;
}

http::ClientResult respond(int status, std::string body,
                           std::string content_type = "application/json",
                           std::vector<std::pair<std::string, std::string>> headers = {});
http::ClientResult network_error(bool request_sent);  // refused, or timed out after sending
std::string token_body(const std::string& token, const std::string& issued_at_ms,
                       const std::string& expires_in_s);
std::string outcome_body(const std::string& code, const std::string& text);
std::string searchset(const std::string& type, const std::vector<std::string>& ids,
                      bool with_total = true);

// A scripted SATUSEHAT: tokens, Patient/Practitioner by NIK, search by identifier, transaction
// Bundles answered with a transaction-response. Faults are set per test.
class MiniPlatform {
 public:
  MiniPlatform();
  http::ClientResult operator()(const SentRequest& r);

  // Identifier "system|value" → ids the platform knows.
  std::map<std::string, std::vector<std::string>> known;
  std::string client_secret = "s3cret";
  std::int64_t token_issued_at_ms = 0;  // 0: no issued_at in the response
  std::int64_t token_ttl_s = 3599;
  int tokens_issued = 0;
  // Answer for the next transactions (popped front); empty = success.
  std::vector<http::ClientResult> transaction_faults;
  // When set, the next FHIR call with this token gets 401 invalid-access-token.
  std::string revoked_token;
  bool location_absolute = false;
  int transactions = 0;
  std::string last_transaction;  // body of the last POSTed bundle

 private:
  http::ClientResult transaction(const SentRequest& r);
};

// Config with one facility "pkm-a" (org 100000001, client "cid-a" / "s3cret") and a platform at
// http://platform.test.
std::shared_ptr<config::Config> test_config();

// A visit-like bundle: Encounter + Condition (+ Observation), patient and practitioner by NIK.
std::string test_bundle(const std::string& nik = "3201010101010001",
                        const std::string& practitioner_nik = "3201010101010099");
std::vector<store::ResourceRef> test_resources();

// In-memory Store: claim/complete/recover/cache with the semantics delivery relies on.
// Callbacks run synchronously on the caller's thread. Thread-safe.
class MemoryStore final : public store::Store {
 public:
  std::string add(store::Record r);  // returns the id
  std::optional<store::Record> record(const std::string& id);
  std::vector<store::Completion> completions();
  int cache_gets = 0;
  int cache_puts = 0;
  std::map<std::string, std::string> cache;  // "kind/key" → value

  void ingest(std::vector<store::IngestItem>,
              std::function<void(std::vector<store::IngestOutcome>)>) override;
  void get(std::string id, std::function<void(store::ReadResult<store::Record>)> done) override;
  void find(std::string, std::string, std::string,
            std::function<void(store::ReadResult<store::Record>)> done) override;
  void list(store::ListQuery,
            std::function<void(store::ReadResult<store::ListPage>)> done) override;
  void stats(std::function<void(store::ReadResult<store::Stats>)> done) override;
  void claim(std::int64_t now_ms, int limit,
             std::function<void(std::vector<store::Record>)> done) override;
  void complete(store::Completion c, std::function<void(bool ok)> done) override;
  void recover(std::int64_t now_ms, std::function<void(int count)> done) override;
  void retry(std::vector<std::string>, std::optional<store::Status>, std::int64_t,
             std::function<void(int count)> done) override;
  void retry_matching(RetryFilter, std::int64_t, std::function<void(int count)> done) override {
    done(0);
  }
  void cache_get(std::string kind, std::string key,
                 std::function<void(std::optional<std::string>)> done) override;
  void cache_put(std::string kind, std::string key, std::string value, std::int64_t now_ms,
                 std::function<void(bool ok)> done) override;
  void check_writable(std::function<void(bool ok)> done) override;
  void prune(std::int64_t, int, std::function<void(int count)> done) override { done(0); }
  void wake(std::vector<std::string> keys, std::int64_t,
            std::function<void(int count)> done) override {
    woken.insert(woken.end(), keys.begin(), keys.end());
    done(0);
  }
  std::vector<std::string> woken;  // keys wake() was called with
  void pws_facts(std::vector<std::string>, std::vector<pws::Window>,
                 std::function<void(store::ReadResult<std::vector<pws::FactRow>>)> done) override {
    done(store::ReadResult<std::vector<pws::FactRow>>::found({}));
  }

 private:
  std::mutex mu_;
  std::map<std::string, store::Record> records_;
  std::vector<store::Completion> completions_;
};

// Runs `a` to completion on `ioc` (restarting it afterwards), rethrowing what it threw.
template <class T>
T run(net::io_context& ioc, net::awaitable<T> a) {
  std::optional<T> out;
  std::exception_ptr err;
  net::co_spawn(ioc, std::move(a), [&](std::exception_ptr e, T v) {
    err = e;
    if (!e) out = std::move(v);
  });
  ioc.run();
  ioc.restart();
  if (err) std::rethrow_exception(err);
  return std::move(*out);
}

// A patient and a practitioner the MiniPlatform knows once `know_people()` ran.
inline const std::string kNik = "3201010101010001";
inline const std::string kDoctorNik = "3201010101010099";

// The delivery stack over a MiniPlatform, with simulated time: what the delivery unit tests
// share. Fixtures extend it with the piece they test.
struct PlatformStack {
  ManualClock clock;
  Metrics metrics;
  RateLimiter limiter{clock, metrics};
  std::shared_ptr<MiniPlatform> platform = std::make_shared<MiniPlatform>();
  FakeTransport transport{[p = platform](const SentRequest& r) { return (*p)(r); }};
  TokenCache tokens{transport, limiter, clock, metrics};
  Platform fhir{transport, tokens, limiter, metrics};
  std::shared_ptr<config::Config> cfg = test_config();
  net::io_context ioc;

  void know_people() {
    platform->known[std::string(kNikSystem) + "|" + kNik] = {"P100"};
    platform->known[std::string(kNikSystem) + "|" + kDoctorNik] = {"N200"};
  }
};

}  // namespace ilp::gateway::delivery::testing
