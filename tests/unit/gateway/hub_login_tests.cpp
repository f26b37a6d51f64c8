// A hub's instances log in once per facility between them (docs/hub.md "Logins"): the token
// cache asks the shared state first, uses another instance's token or block, waits while
// another instance logs in, and publishes what it learned when the login was its own. The
// shared state itself (PostgreSQL) is tested in pg_store_tests; here it is a scripted fake.
#include <catch2/catch.hpp>
#include <deque>

#include "delivery_fakes.hpp"
#include "gateway/delivery/token_cache.hpp"
#include "gateway/delivery/token_seal.hpp"
#include "mappers/sha256.hpp"

using namespace ilp::gateway;
using namespace ilp::gateway::delivery;
using namespace ilp::gateway::delivery::testing;

namespace {

// Answers login_begin from a script (then kLogIn), keeps what it was asked and told.
class ScriptedShare final : public LoginShare {
 public:
  std::deque<std::optional<store::SharedLogin>> answers;
  std::vector<store::LoginAsk> asks;
  std::vector<store::LoginDone> dones;

  net::awaitable<std::optional<store::SharedLogin>> login_begin(store::LoginAsk ask) override {
    asks.push_back(ask);
    if (answers.empty()) co_return store::SharedLogin{};
    auto a = answers.front();
    answers.pop_front();
    co_return a;
  }
  net::awaitable<bool> login_done(store::LoginDone result) override {
    dones.push_back(std::move(result));
    co_return true;
  }
};

struct Fixture : PlatformStack {
  ScriptedShare share;
  Fixture() { tokens.share_logins(&share); }
  TokenResult get() { return run(ioc, tokens.get(cfg->platform, cfg->facilities[0])); }
  int token_requests() { return count_sent(*transport.state(), &SentRequest::is_token); }
  const config::Facility& facility() { return cfg->facilities[0]; }
  store::SharedLogin token_of_another(const std::string& value, std::int64_t expires) {
    store::SharedLogin s;
    s.state = store::SharedLogin::State::kToken;
    s.sealed_token = seal_token(value, facility().client_id, facility().client_secret);
    s.until_ms = expires;
    return s;
  }
};

}  // namespace

TEST_CASE("a sealed token opens only with the credentials it was sealed under", "[unit]") {
  const auto sealed = seal_token("tok-secret", "cid", "s3cret");
  CHECK(sealed.find("tok-secret") == std::string::npos);
  CHECK(open_token(sealed, "cid", "s3cret") == std::optional<std::string>("tok-secret"));
  CHECK_FALSE(open_token(sealed, "cid", "other"));
  CHECK_FALSE(open_token(sealed, "cidx", "s3cret"));
  auto tampered = sealed;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  CHECK_FALSE(open_token(tampered, "cid", "s3cret"));
  CHECK_FALSE(open_token("zz", "cid", "s3cret"));
  // A fresh nonce each time: the same token never seals to the same text.
  CHECK(seal_token("tok-secret", "cid", "s3cret") != sealed);
}

TEST_CASE("a hub token another instance obtained is used without a login", "[unit]") {
  Fixture f;
  f.share.answers.push_back(f.token_of_another("tok-hub", f.clock.now_ms() + 600'000));
  const auto r = f.get();
  REQUIRE(r.ok());
  CHECK(r.token->value == "tok-hub");
  CHECK(r.token->expires_at_ms == f.clock.now_ms() + 600'000);
  CHECK(f.token_requests() == 0);
  CHECK(f.share.dones.empty());
  // Cached here from now on: the hub is not asked again until it expires.
  f.get();
  CHECK(f.share.asks.size() == 1);
}

TEST_CASE("while another instance logs in, the token cache waits for its token", "[unit]") {
  Fixture f;
  store::SharedLogin wait;
  wait.state = store::SharedLogin::State::kWait;
  wait.until_ms = f.clock.now_ms() + 1;  // the other's lease: looks again within 1 ms
  f.share.answers.push_back(wait);
  f.share.answers.push_back(wait);
  f.share.answers.push_back(f.token_of_another("tok-hub", f.clock.now_ms() + 600'000));
  CHECK(f.get().token->value == "tok-hub");
  CHECK(f.share.asks.size() == 3);
  CHECK(f.token_requests() == 0);
}

TEST_CASE("a login block another instance met is returned without a request", "[unit]") {
  Fixture f;
  store::SharedLogin blocked;
  blocked.state = store::SharedLogin::State::kBlocked;
  blocked.until_ms = f.clock.now_ms() + 60'000;
  blocked.block_kind = static_cast<int>(TokenError::Kind::kRefused);
  blocked.block_status = 401;
  blocked.block_reason = "HTTP 401";
  f.share.answers.push_back(blocked);
  const auto r = f.get();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error.kind == TokenError::Kind::kRefused);
  CHECK(r.error.http_status == 401);
  CHECK(r.error.retry_at_ms == f.clock.now_ms() + 60'000);
  CHECK(r.error.text.id.find("menolak login fasilitas pkm-a") != std::string::npos);
  CHECK(f.token_requests() == 0);
  // Held locally as well: the hub is not asked again within the block.
  f.clock.advance_ms(59'999);
  f.get();
  CHECK(f.share.asks.size() == 1);
}

TEST_CASE("the instance granted the login publishes its token sealed", "[unit]") {
  Fixture f;
  const auto r = f.get();  // the script is empty: kLogIn
  REQUIRE(r.ok());
  CHECK(f.token_requests() == 1);
  REQUIRE(f.share.dones.size() == 1);
  const auto& done = f.share.dones[0];
  CHECK(done.facility == "pkm-a");
  CHECK(done.credentials == f.share.asks[0].credentials);
  CHECK(done.sealed_token.find(r.token->value) == std::string::npos);
  CHECK(open_token(done.sealed_token, f.facility().client_id, f.facility().client_secret) ==
        std::optional<std::string>(r.token->value));
  CHECK(done.token_hash == ilp::mappers::sha256_hex(r.token->value));
  CHECK(done.expires_at_ms == r.token->expires_at_ms);
  // The hub's keys name neither the client id nor the secret in clear.
  CHECK(f.share.asks[0].client.find(f.facility().client_id) == std::string::npos);
  CHECK(f.share.asks[0].credentials.find(f.facility().client_secret) == std::string::npos);
}

TEST_CASE("the instance granted the login publishes a refusal as a block", "[unit]") {
  Fixture f;
  f.platform->client_secret = "rotated";
  REQUIRE_FALSE(f.get().ok());
  REQUIRE(f.share.dones.size() == 1);
  CHECK(f.share.dones[0].sealed_token.empty());
  CHECK(f.share.dones[0].block_kind == static_cast<int>(TokenError::Kind::kRefused));
  CHECK(f.share.dones[0].block_status == 401);
  CHECK(f.share.dones[0].blocked_until_ms == f.clock.now_ms() + 60'000);
}

TEST_CASE("after the platform refuses a token, the hub is asked not to hand it back", "[unit]") {
  Fixture f;
  f.share.answers.push_back(f.token_of_another("tok-hub", f.clock.now_ms() + 600'000));
  REQUIRE(f.get().ok());
  CHECK(f.share.asks[0].refused.empty());
  f.tokens.invalidate("pkm-a", "tok-hub");
  REQUIRE(f.get().ok());
  REQUIRE(f.share.asks.size() == 2);
  CHECK(f.share.asks[1].refused == ilp::mappers::sha256_hex("tok-hub"));
}

TEST_CASE("with the shared state unreachable, the instance logs in on its own", "[unit]") {
  Fixture f;
  f.share.answers.push_back(std::nullopt);
  REQUIRE(f.get().ok());
  CHECK(f.token_requests() == 1);
  CHECK(f.share.dones.empty());  // no lease was granted, so nothing is published
}
