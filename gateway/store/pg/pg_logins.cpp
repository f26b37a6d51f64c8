#include "gateway/store/pg/pg_logins.hpp"

namespace ilp::gateway::store::pg {
namespace {

std::optional<std::string> S(std::string_view s) { return std::string(s); }
std::optional<std::string> N(std::int64_t v) { return std::to_string(v); }
std::int64_t int_at(const PgResult& r, int col) { return r.integer(0, col).value_or(0); }

}  // namespace

SharedLogin login_begin(PgOps& ops, const std::string& instance, const LoginAsk& ask) {
  ops.must(
      "INSERT INTO platform_logins (facility, client, credentials) VALUES ($1, $2, $3) "
      "ON CONFLICT (facility) DO NOTHING",
      {S(ask.facility), S(ask.client), S(ask.credentials)});
  const auto q = ops.must(
      "SELECT client, credentials, sealed_token, token_hash, expires_ms, blocked_until_ms, "
      "block_kind, block_status, block_reason, login_owner, login_until_ms "
      "FROM platform_logins WHERE facility = $1 FOR UPDATE",
      {S(ask.facility)});
  const bool same_client = q.text(0, 0) == ask.client;
  const bool same_credentials = same_client && q.text(0, 1) == ask.credentials;
  if (!same_credentials) {
    // Another configuration of this facility (a reload on some instance): the token belongs to
    // the old credentials and goes, with any login in flight for them. SATUSEHAT's login limit
    // is per client, so a block stays while only the secret changed.
    ops.must(same_client
                 ? "UPDATE platform_logins SET credentials = $2, sealed_token = NULL, "
                   "token_hash = NULL, expires_ms = 0, login_owner = NULL, login_until_ms = 0 "
                   "WHERE facility = $1"
                 : "UPDATE platform_logins SET client = $3, credentials = $2, "
                   "sealed_token = NULL, token_hash = NULL, expires_ms = 0, "
                   "blocked_until_ms = 0, login_owner = NULL, login_until_ms = 0 "
                   "WHERE facility = $1",
             same_client ? PgOps::Params{S(ask.facility), S(ask.credentials)}
                         : PgOps::Params{S(ask.facility), S(ask.credentials), S(ask.client)});
  }
  SharedLogin out;
  const std::int64_t expires = same_credentials ? int_at(q, 4) : 0;
  if (expires > ask.now_ms && !q.is_null(0, 2) &&
      (ask.refused.empty() || q.text(0, 3) != ask.refused)) {
    out.state = SharedLogin::State::kToken;
    out.sealed_token = std::string(q.text(0, 2));
    out.until_ms = expires;
    return out;
  }
  const std::int64_t blocked_until = same_client ? int_at(q, 5) : 0;
  if (blocked_until > ask.now_ms) {
    out.state = SharedLogin::State::kBlocked;
    out.until_ms = blocked_until;
    out.block_kind = static_cast<int>(int_at(q, 6));
    out.block_status = static_cast<int>(int_at(q, 7));
    out.block_reason = std::string(q.text(0, 8));
    return out;
  }
  const std::int64_t lease_until = same_credentials ? int_at(q, 10) : 0;
  if (lease_until > ask.now_ms && !q.is_null(0, 9) && q.text(0, 9) != instance) {
    out.state = SharedLogin::State::kWait;
    out.until_ms = lease_until;
    return out;
  }
  ops.must("UPDATE platform_logins SET login_owner = $2, login_until_ms = $3 WHERE facility = $1",
           {S(ask.facility), S(instance), N(ask.now_ms + ask.lease_ms)});
  out.state = SharedLogin::State::kLogIn;
  out.until_ms = ask.now_ms + ask.lease_ms;
  return out;
}

void login_done(PgOps& ops, const std::string& instance, const LoginDone& d) {
  const bool token = !d.sealed_token.empty();
  ops.must(
      "UPDATE platform_logins SET sealed_token = $3, token_hash = $4, expires_ms = $5, "
      "blocked_until_ms = $6, block_kind = $7, block_status = $8, block_reason = $9, "
      "login_owner = CASE WHEN login_owner = $10 THEN NULL ELSE login_owner END, "
      "login_until_ms = CASE WHEN login_owner = $10 THEN 0 ELSE login_until_ms END "
      "WHERE facility = $1 AND credentials = $2",
      {S(d.facility), S(d.credentials), token ? S(d.sealed_token) : std::nullopt,
       token ? S(d.token_hash) : std::nullopt, N(token ? d.expires_at_ms : 0),
       N(token ? 0 : d.blocked_until_ms), N(d.block_kind), N(d.block_status),
       S(token ? "" : d.block_reason), S(instance)});
}

}  // namespace ilp::gateway::store::pg
