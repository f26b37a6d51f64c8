#include "gateway/delivery/classify.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include "mappers/json.hpp"

namespace ilp::gateway::delivery {
namespace {

// Beyond this a Retry-After is nonsense (or an overflow attempt); Backoff caps it much lower.
constexpr std::int64_t kMaxRetryAfterS = 366LL * 24 * 3600;
// How much of a non-FHIR error body is kept for the people reading last_error.
constexpr std::size_t kMaxBodyExcerpt = 500;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool looks_like_json_object(std::string_view body) {
  const auto t = trim(body);
  return !t.empty() && t.front() == '{';
}

bool is_operation_outcome(std::string_view body) {
  if (!looks_like_json_object(body)) return false;
  rapidjson::Document d;
  if (mappers::parse_json_strict(body, d) || !d.IsObject()) return false;
  const auto rt = mappers::string_member(d, "resourceType");
  return rt && *rt == "OperationOutcome";
}

bool any_issue_mentions(const mappers::Outcome& o, std::string_view needle) {
  return std::any_of(o.issues.begin(), o.issues.end(), [&](const mappers::Issue& i) {
    return contains_nocase(i.text.id, needle) || contains_nocase(i.text.en, needle) ||
           contains_nocase(i.diagnostics, needle) || contains_nocase(i.code, needle);
  });
}

std::string status_reason(int status, std::string_view reason_phrase) {
  std::string r = "HTTP " + std::to_string(status);
  if (!reason_phrase.empty()) {
    r += ' ';
    r += reason_phrase;
  }
  return r;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<int> digits(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kDelivered:
      return "delivered";
    case Verdict::kRetry:
      return "retry";
    case Verdict::kNeedsCorrection:
      return "needs_correction";
    case Verdict::kDuplicate:
      return "duplicate";
    case Verdict::kAuthRefresh:
      return "auth_refresh";
    case Verdict::kBusinessRule:
      return "business_rule";
    case Verdict::kAmbiguous:
      return "ambiguous";
  }
  return "unknown";
}

bool contains_nocase(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return lower(a) == lower(b); }) != haystack.end();
}

std::optional<std::int64_t> parse_http_date(std::string_view value) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" — the only form RFC 9110 lets senders use.
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  auto s = trim(value);
  const auto comma = s.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  s = trim(s.substr(comma + 1));
  // "06 Nov 1994 08:49:37 GMT"
  if (s.size() < 24 || s[2] != ' ' || s[6] != ' ' || s[11] != ' ' || s[14] != ':' || s[17] != ':' ||
      s[20] != ' ') {
    return std::nullopt;
  }
  const auto day = digits(s.substr(0, 2));
  const auto year = digits(s.substr(7, 4));
  const auto hour = digits(s.substr(12, 2));
  const auto minute = digits(s.substr(15, 2));
  const auto second = digits(s.substr(18, 2));
  const std::string month{lower(s[3]), lower(s[4]), lower(s[5])};
  const auto it = std::find(kMonths.begin(), kMonths.end(), month);
  if (!day || !year || !hour || !minute || !second || it == kMonths.end() ||
      trim(s.substr(21)) != "GMT" || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  const auto month_no = static_cast<unsigned>(it - kMonths.begin() + 1);
  const std::int64_t days = days_from_civil(*year, month_no, static_cast<unsigned>(*day));
  return ((days * 24 + *hour) * 60 + *minute) * 60'000 + std::int64_t{*second} * 1000;
}

std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_ms) {
  const auto v = trim(value);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    std::int64_t s = 0;
    for (char c : v) {
      s = s * 10 + (c - '0');
      if (s > kMaxRetryAfterS) {
        s = kMaxRetryAfterS;
        break;
      }
    }
    return s * 1000;
  }
  const auto at = parse_http_date(v);
  if (!at) return std::nullopt;
  return std::clamp<std::int64_t>(*at - now_ms, 0, kMaxRetryAfterS * 1000);
}

std::vector<int> rule_numbers(std::string_view text) {
  static constexpr std::string_view kTag = "rulenumber";
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto rest = text.substr(pos);
    const auto it = std::search(rest.begin(), rest.end(), kTag.begin(), kTag.end(),
                                [](char a, char b) { return lower(a) == b; });
    if (it == rest.end()) break;
    std::size_t i = pos + static_cast<std::size_t>(it - rest.begin()) + kTag.size();
    while (i < text.size() && (text[i] == ' ' || text[i] == ':' || text[i] == '=')) ++i;
    std::int64_t n = 0;
    std::size_t len = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && len < 9) {
      n = n * 10 + (text[i] - '0');
      ++i;
      ++len;
    }
    if (len > 0 && std::find(out.begin(), out.end(), n) == out.end()) {
      out.push_back(static_cast<int>(n));
    }
    pos = i;
  }
  return out;
}

std::vector<int> rule_numbers(const mappers::Outcome& o) {
  std::vector<int> out;
  auto add = [&](std::string_view s) {
    for (int n : rule_numbers(s)) {
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    }
  };
  for (const auto& i : o.issues) {
    add(i.text.id);
    if (i.text.en != i.text.id) add(i.text.en);
    add(i.diagnostics);
  }
  return out;
}

Classification classify(const http::ClientResult& r, std::int64_t now_ms) {
  Classification c;
  if (r.ec) {
    // Written and then lost: the platform may have acted on it. Not written: it cannot have.
    c.verdict = r.request_sent ? Verdict::kAmbiguous : Verdict::kRetry;
    c.reason = r.ec.message();
    return c;
  }
  const auto& res = r.response;
  c.http_status = static_cast<int>(res.result_int());
  c.reason = status_reason(c.http_status, res.reason());
  if (const auto it = res.find(boost::beast::http::field::retry_after); it != res.end()) {
    c.retry_after_ms = parse_retry_after(it->value(), now_ms);
  }
  const std::string_view body = res.body();
  const bool fhir_outcome = is_operation_outcome(body);
  if (fhir_outcome) c.outcome = mappers::outcome_from_fhir(body);

  const int s = c.http_status;
  if (s >= 200 && s < 300) {
    c.verdict = Verdict::kDelivered;
    c.outcome = {};
    return c;
  }
  if (s == 408 || s == 429 || s >= 500 || s < 200 || (s >= 300 && s < 400)) {
    // Transient (or a redirect nobody configured): the body, often text/plain, only informs.
    c.verdict = Verdict::kRetry;
    return c;
  }
  // Every other 4xx is about this request, so what the platform said is kept for people.
  if (!fhir_outcome) {
    mappers::Issue issue;
    issue.code = "processing";
    issue.diagnostics = std::string(body.substr(0, kMaxBodyExcerpt));
    c.outcome.issues.push_back(std::move(issue));
  }
  c.rule_numbers = rule_numbers(c.outcome);
  if (s == 401) {
    c.verdict = Verdict::kAuthRefresh;
  } else if (s == 403) {
    c.verdict = Verdict::kBusinessRule;
  } else if (s == 400 && (any_issue_mentions(c.outcome, "duplicat") ||
                          any_issue_mentions(c.outcome, "already exist"))) {
    // SATUSEHAT: "Found duplicate resource"; peers also see "already exist(s)".
    c.verdict = Verdict::kDuplicate;
  } else {
    c.verdict = Verdict::kNeedsCorrection;
  }
  return c;
}

}  // namespace ilp::gateway::delivery
