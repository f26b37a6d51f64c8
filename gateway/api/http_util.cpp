#include "gateway/api/http_util.hpp"

#include <cctype>

#include "gateway/http/url.hpp"
#include "gateway/util/log.hpp"

namespace ilp::gateway::api {

Response json_response(bhttp::status status, std::string body) {
  return text_response(status, std::move(body), "application/json");
}

Response text_response(bhttp::status status, std::string body, std::string_view content_type) {
  Response res{status, 11};
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

Response outcome_response(bhttp::status status, const mappers::Outcome& o, mappers::Lang lang) {
  auto res = text_response(status, mappers::outcome_json(o, lang), "application/fhir+json");
  res.set(bhttp::field::content_language, lang == mappers::Lang::kEn ? "en" : "id");
  return res;
}

Response problem(bhttp::status status, mappers::Lang lang, std::string code, std::string expression,
                 mappers::Text text) {
  mappers::Outcome o;
  o.add(std::move(code), std::move(expression), std::move(text));
  return outcome_response(status, o, lang);
}

Response store_unavailable(mappers::Lang lang, std::string_view what, std::string_view error) {
  logger("api")->error("store read failed ({}): {}", what, error);
  auto res = problem(bhttp::status::service_unavailable, lang, "transient", "",
                     {"Penyimpanan gateway sedang tidak dapat dibaca; data Anda tidak hilang. "
                      "Coba lagi sebentar lagi.",
                      "The gateway's store cannot be read right now; your data is not lost. "
                      "Try again shortly."});
  res.set(bhttp::field::retry_after, "5");
  return res;
}

mappers::Lang request_lang(const Request& req) {
  const auto it = req.find(bhttp::field::accept_language);
  return it == req.end() ? mappers::Lang::kId : mappers::lang_from_accept_language(it->value());
}

Target split_target(std::string_view target) {
  Target t;
  const auto q = target.find('?');
  t.path = http::url_decode(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    t.query[http::url_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : http::url_decode(pair.substr(eq + 1));
  }
  return t;
}

std::optional<std::string> bearer_token(const Request& req) {
  const auto it = req.find(bhttp::field::authorization);
  if (it == req.end()) return std::nullopt;
  std::string_view v = it->value();
  if (v.size() < 7) return std::nullopt;
  std::string scheme(v.substr(0, 7));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return std::nullopt;
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> cookie_value(const Request& req, std::string_view name) {
  const auto range = req.equal_range(bhttp::field::cookie);
  for (auto field = range.first; field != range.second; ++field) {
    std::string_view rest = field->value();
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
    }
  }
  return std::nullopt;
}

std::string media_type(const Request& req) {
  const auto it = req.find(bhttp::field::content_type);
  if (it == req.end()) return {};
  std::string_view v = it->value();
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  std::string out(v);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool secure_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace ilp::gateway::api
