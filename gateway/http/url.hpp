#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace ilp::gateway::http {

// An http(s) base URL split into what a client needs. No userinfo, no fragments.
struct Url {
  bool tls = false;
  std::string host;
  std::string port;  // always set ("80"/"443" by default)
  std::string path;  // without trailing slash; "" for the root

  static std::optional<Url> parse(std::string_view text);
  std::string origin() const;  // "https://host:port"
  // path + suffix, where suffix starts with '/' or '?' or is empty.
  std::string target(std::string_view suffix) const { return path + std::string(suffix); }
};

// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
std::string url_encode(std::string_view s);
std::string url_decode(std::string_view s);

}  // namespace ilp::gateway::http
