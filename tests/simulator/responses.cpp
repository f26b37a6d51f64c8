#include "tests/simulator/responses.hpp"

#include <cctype>

#include "gateway/http/url.hpp"
#include "tests/simulator/rule_sink.hpp"

namespace ilp::sim {

http::Response json_response(unsigned status, std::string body) {
  http::Response res{static_cast<http::bhttp::status>(status), 11};
  res.set(http::bhttp::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

http::Response outcome_response(unsigned status, const mappers::Outcome& outcome) {
  return json_response(status, mappers::outcome_json(outcome, mappers::Lang::kEn));
}

http::Response issue_response(unsigned status, std::string_view severity, std::string_view code,
                              std::string_view text, std::string_view expression) {
  return outcome_response(status, single_issue(std::string(severity), std::string(code),
                                               std::string(text), std::string(expression)));
}

http::Response resource_response(unsigned status, std::string json, std::string_view location,
                                 std::string_view version_id) {
  auto res = json_response(status, std::move(json));
  res.set(http::bhttp::field::location, location);
  res.set(http::bhttp::field::etag, "W/\"" + std::string(version_id) + "\"");
  return res;
}

http::Response text_response(unsigned status) {
  http::Response res{static_cast<http::bhttp::status>(status), 11};
  res.set(http::bhttp::field::content_type, "text/plain");
  auto reason = http::bhttp::obsolete_reason(static_cast<http::bhttp::status>(status));
  res.body() = reason.empty() || reason == "<unknown-status>" ? "Error" : std::string(reason);
  return res;
}

const std::string* Target::param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

Target parse_target(std::string_view target) {
  Target t;
  const auto q = target.find('?');
  t.path = http::url_decode(target.substr(0, q));
  while (t.path.size() > 1 && t.path.back() == '/') t.path.pop_back();
  if (q == std::string_view::npos) return t;
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      t.query.emplace_back(
          http::url_decode(pair.substr(0, eq)),
          eq == std::string_view::npos ? std::string() : http::url_decode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return t;
}

std::string media_type(const http::Request& req) {
  const auto it = req.find(http::bhttp::field::content_type);
  if (it == req.end()) return {};
  std::string_view v = it->value();
  v = v.substr(0, v.find(';'));
  std::string out;
  for (char c : v) {
    if (c != ' ' && c != '\t')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace ilp::sim
