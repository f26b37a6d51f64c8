#include "gateway/api/console_api.hpp"

#include <rapidjson/document.h>

#include "gateway/api/console_assets.hpp"
#include "gateway/api/console_messages.hpp"
#include "gateway/api/record_json.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::api {
using bhttp::status;

void add_security_headers(Response& res) {
  res.set("Content-Security-Policy", kConsoleCsp);
  res.set(bhttp::field::x_frame_options, "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(bhttp::field::cache_control, "no-store");
}

ConsoleApi::ConsoleApi(const config::Holder& config, const Clock& clock, AuthGate& gate,
                       ConsoleSessions& sessions, AuditLog& audit)
    : config_(config), clock_(clock), gate_(gate), sessions_(sessions), audit_(audit) {}

bool ConsoleApi::is_public(const Request& header) {
  const auto path = split_target(header.target()).path;
  if (!is_console_path(path)) return false;
  if (path == "/console/login") return header.method() == bhttp::verb::post;
  if (header.method() != bhttp::verb::get && header.method() != bhttp::verb::head) return false;
  return path == "/console" || path == "/console/" ||
         (path != "/console/session" && path.starts_with("/console/"));
}

bool ConsoleApi::has_session_cookie(const Request& req) {
  return cookie_value(req, kConsoleCookie).has_value();
}

std::optional<ConsoleSession> ConsoleApi::session_of(const Request& req) {
  const auto id = cookie_value(req, kConsoleCookie);
  if (!id || id->empty()) return std::nullopt;
  return sessions_.touch(*id);
}

Response ConsoleApi::session_json(const ConsoleSession& s) const {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("csrf", rapidjson::Value(s.csrf.c_str(), a), a);
  d.AddMember("session", rapidjson::Value(s.handle.c_str(), a), a);
  d.AddMember("expires_at", rapidjson::Value(iso_utc(s.expires_ms).c_str(), a), a);
  return json_response(status::ok, mappers::to_json(d));
}

void ConsoleApi::handle(Request&& req, const boost::asio::ip::address& peer,
                        http::Respond respond) {
  const auto lang = request_lang(req);
  const auto path = split_target(req.target()).path;
  const bool post = req.method() == bhttp::verb::post;
  if (path == "/console/login" && post) return respond(login(req, peer, lang));
  if (path == "/console/logout" && post) return respond(logout(req, peer, lang));
  if (path == "/console/session" && req.method() == bhttp::verb::get) {
    auto s = session_of(req);
    return respond(
        s ? session_json(*s)
          : problem(status::unauthorized, lang, "login", "", console_text::no_session()));
  }
  if (path == "/console") {
    Response res{status::moved_permanently, 11};
    res.set(bhttp::field::location, "/console/");
    return respond(std::move(res));
  }
  const auto* asset = find_console_asset(path.substr(std::string_view("/console/").size()));
  if (asset == nullptr || post) {
    return respond(
        problem(status::not_found, lang, "not-found", "", console_text::unknown_asset()));
  }
  respond(text_response(status::ok, std::string(asset->bytes()), asset->content_type));
}

Response ConsoleApi::login(const Request& req, const boost::asio::ip::address& peer,
                           mappers::Lang lang) {
  const int per_min = config_.get()->limits.auth_failures_per_min;
  if (auto throttled = gate_.check(peer, per_min, lang)) return std::move(*throttled);
  rapidjson::Document d;
  std::optional<std::string_view> token;
  if (media_type(req) == "application/json" && !mappers::parse_json_strict(req.body(), d) &&
      d.IsObject()) {
    token = mappers::string_member(d, "token");
  }
  if (!token)
    return problem(status::bad_request, lang, "required", "token", console_text::login_body());
  const auto& expected = config_.get()->admin.token;
  AuditEntry e{clock_.now_ms(), "-", peer.to_string(), "login", {}, -1};
  if (expected.empty() || !secure_equals(*token, expected)) {
    gate_.failed(peer, per_min);
    e.action = "login_failed";
    audit_.write(e);
    return problem(status::unauthorized, lang, "login", "token", console_text::wrong_token());
  }
  const auto s = sessions_.open();
  e.who = "session:" + s.handle;
  audit_.write(e);
  auto res = session_json(s);
  res.set(bhttp::field::set_cookie, std::string(kConsoleCookie) + "=" + s.id +
                                        "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                        std::to_string(sessions_.options().absolute_ms / 1000));
  return res;
}

Response ConsoleApi::logout(const Request& req, const boost::asio::ip::address& peer,
                            mappers::Lang lang) {
  const auto s = session_of(req);
  if (!s) return problem(status::unauthorized, lang, "login", "", console_text::no_session());
  sessions_.close(s->id);
  audit_.write({clock_.now_ms(), "session:" + s->handle, peer.to_string(), "logout", {}, -1});
  auto res = json_response(status::ok, R"({"logged_out":true})");
  res.set(bhttp::field::set_cookie,
          std::string(kConsoleCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return res;
}

}  // namespace ilp::gateway::api
