#pragma once
// The web console's own routes on the admin listener (DESIGN.md §9.2): its static files
// (compiled in, see console_assets.hpp), login, logout and the session's CSRF token. The pages
// read and act through the admin API (admin_api.hpp), authorised by the session cookie instead
// of the bearer token; AdminApi::precheck decides that, this class keeps the sessions.
//
// Login: POST /console/login {"token": "<admin token>"} as application/json (a cross-site form
// cannot send that without a CORS preflight, which is never granted). A wrong token counts
// against the address's AuthGate bucket like a wrong bearer token (429 once used up; the
// address is the socket's, never a header's). A right one opens a session: the cookie
// `ilp_console` (HttpOnly, SameSite=Strict, Path=/) and, in the body, the CSRF token.

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>

#include "gateway/api/audit_log.hpp"
#include "gateway/api/auth_gate.hpp"
#include "gateway/api/console_sessions.hpp"
#include "gateway/api/http_util.hpp"
#include "gateway/config/holder.hpp"

namespace ilp::gateway::api {

inline constexpr std::string_view kConsoleCookie = "ilp_console";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// The Content-Security-Policy of every admin answer: scripts, styles and data from this origin
// only, no inline script or style, no frames, forms post nowhere else.
inline constexpr std::string_view kConsoleCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
void add_security_headers(Response& res);

class ConsoleApi {
 public:
  ConsoleApi(const config::Holder& config, const Clock& clock, AuthGate& gate,
             ConsoleSessions& sessions, AuditLog& audit);

  // Reachable without a session or token: the static files and the login itself.
  static bool is_public(const Request& header);
  static bool is_console_path(std::string_view path) { return path.starts_with("/console"); }

  // The live session the request's cookie names (its idle deadline moved on).
  std::optional<ConsoleSession> session_of(const Request& req);
  // Whether the request carries a session cookie at all (expired or not).
  static bool has_session_cookie(const Request& req);

  void handle(Request&& req, const boost::asio::ip::address& peer, http::Respond respond);

 private:
  Response login(const Request& req, const boost::asio::ip::address& peer, mappers::Lang lang);
  Response logout(const Request& req, const boost::asio::ip::address& peer, mappers::Lang lang);
  Response session_json(const ConsoleSession& s) const;

  const config::Holder& config_;
  const Clock& clock_;
  AuthGate& gate_;
  ConsoleSessions& sessions_;
  AuditLog& audit_;
};

}  // namespace ilp::gateway::api
