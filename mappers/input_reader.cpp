#include "mappers/input_reader.hpp"

#include "mappers/datetime.hpp"
#include "mappers/json.hpp"

namespace ilp::mappers {
namespace {

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Characters as people count them: UTF-8 code points (input is validated UTF-8).
std::size_t char_count(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// FHIR strings forbid code points below U+0020 other than tab, CR and LF (R4 datatypes, string);
// one typed from a keyboard never has them, so the record is refused rather than cleaned up.
bool has_control_character(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\r' && c != '\n') return true;
  }
  return false;
}

bool all_digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// FHIR id syntax, so the number can go straight into "Patient/{ihs}".
bool fhir_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string InputReader::path(std::string_view parent_path, std::string_view key) {
  std::string p(parent_path);
  if (!key.empty()) {
    if (!p.empty()) p += '.';
    p += key;
  }
  return p;
}

std::string InputReader::item_path(std::string_view array_path, std::size_t index) {
  std::string p(array_path);
  p += '[';
  p += std::to_string(index);
  p += ']';
  return p;
}

void InputReader::add(std::string_view code, std::string_view parent_path, std::string_view key,
                      Text text) {
  out_.add(std::string(code), path(parent_path, key), std::move(text));
}

const rapidjson::Value* InputReader::present(const rapidjson::Value& parent, std::string_view key) {
  const rapidjson::Value* v = member(parent, key);
  return v == nullptr || v->IsNull() ? nullptr : v;
}

bool InputReader::given(const rapidjson::Value& parent, std::string_view key) {
  const auto* v = present(parent, key);
  return v != nullptr &&
         !(v->IsString() && blank(std::string_view(v->GetString(), v->GetStringLength())));
}

void InputReader::missing(std::string_view parent_path, std::string_view key, const Label& f,
                          Need need) {
  if (need == Need::kRequired) add("required", parent_path, key, msg::required(f));
}

const rapidjson::Value* InputReader::typed(const rapidjson::Value& parent,
                                           std::string_view parent_path, std::string_view key,
                                           const Label& f, Need need,
                                           bool (rapidjson::Value::*is)() const,
                                           Text (*wrong)(const Label&)) {
  const auto* v = present(parent, key);
  if (v == nullptr) {
    missing(parent_path, key, f, need);
    return nullptr;
  }
  if (!(v->*is)()) {
    add("invalid", parent_path, key, wrong(f));
    return nullptr;
  }
  return v;
}

const rapidjson::Value* InputReader::object(const rapidjson::Value& parent,
                                            std::string_view parent_path, std::string_view key,
                                            const Label& f, Need need) {
  return typed(parent, parent_path, key, f, need, &rapidjson::Value::IsObject, msg::not_object);
}

const rapidjson::Value* InputReader::array(const rapidjson::Value& parent,
                                           std::string_view parent_path, std::string_view key,
                                           const Label& f, Need need) {
  return typed(parent, parent_path, key, f, need, &rapidjson::Value::IsArray, msg::not_list);
}

std::optional<std::string_view> InputReader::string(const rapidjson::Value& parent,
                                                    std::string_view parent_path,
                                                    std::string_view key, const Label& f, Need need,
                                                    std::size_t max_chars) {
  const auto* v = present(parent, key);
  if (v != nullptr && !v->IsString()) {
    add("invalid", parent_path, key, msg::not_text(f));
    return std::nullopt;
  }
  const std::string_view s =
      v == nullptr ? std::string_view{} : std::string_view(v->GetString(), v->GetStringLength());
  if (blank(s)) {
    missing(parent_path, key, f, need);
    return std::nullopt;
  }
  if (char_count(s) > max_chars) {
    add("value", parent_path, key, msg::too_long(f, max_chars));
    return std::nullopt;
  }
  if (has_control_character(s)) {
    add("value", parent_path, key, msg::control_character(f));
    return std::nullopt;
  }
  return s;
}

const rapidjson::Value* InputReader::number(const rapidjson::Value& parent,
                                            std::string_view parent_path, std::string_view key,
                                            const Label& f, Need need) {
  return typed(parent, parent_path, key, f, need, &rapidjson::Value::IsNumber, msg::not_number);
}

std::optional<bool> InputReader::boolean(const rapidjson::Value& parent,
                                         std::string_view parent_path, std::string_view key,
                                         const Label& f, Need need) {
  const auto* v =
      typed(parent, parent_path, key, f, need, &rapidjson::Value::IsBool, msg::not_boolean);
  return v == nullptr ? std::nullopt : std::optional<bool>(v->GetBool());
}

std::optional<std::chrono::year_month_day> InputReader::date(const rapidjson::Value& parent,
                                                             std::string_view parent_path,
                                                             std::string_view key, const Label& f,
                                                             Need need) {
  // Longer than any date; the exact length is checked by the parser.
  constexpr std::size_t kMaxChars = 32;
  const auto s = string(parent, parent_path, key, f, need, kMaxChars);
  if (!s) return std::nullopt;
  auto d = parse_date(*s);
  if (!d) add("value", parent_path, key, msg::date(f));
  return d;
}

std::optional<std::int64_t> InputReader::instant(const rapidjson::Value& parent,
                                                 std::string_view parent_path, std::string_view key,
                                                 const Label& f, Need need,
                                                 const TimeRules& rules) {
  constexpr std::size_t kMaxChars = 40;
  const auto s = string(parent, parent_path, key, f, need, kMaxChars);
  if (!s) return std::nullopt;
  const auto ms = parse_datetime(*s, rules.local_offset_minutes);
  if (!ms) {
    add("value", parent_path, key, msg::datetime(f));
    return std::nullopt;
  }
  if (*ms < rules.floor_ms) {
    add("value", parent_path, key, msg::before_floor(f, rules.floor));
    return std::nullopt;
  }
  if (*ms > rules.latest_ms) {
    add("value", parent_path, key, msg::in_future(f));
    return std::nullopt;
  }
  return ms;
}

std::optional<std::string_view> InputReader::nik(const rapidjson::Value& parent,
                                                 std::string_view parent_path, std::string_view key,
                                                 const Label& f, Need need) {
  // Generous length so a 17-digit typo is reported as "must be 16 digits", not "too long".
  constexpr std::size_t kMaxChars = 64;
  const auto s = string(parent, parent_path, key, f, need, kMaxChars);
  if (!s) return std::nullopt;
  if (s->size() != 16 || !all_digits(*s)) {
    add("value", parent_path, key, msg::nik(f));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string_view> InputReader::ihs_number(const rapidjson::Value& parent,
                                                        std::string_view parent_path,
                                                        std::string_view key, const Label& f,
                                                        Need need) {
  constexpr std::size_t kMaxChars = 256;
  const auto s = string(parent, parent_path, key, f, need, kMaxChars);
  if (!s) return std::nullopt;
  if (!fhir_id(*s)) {
    add("value", parent_path, key, msg::ihs_number(f));
    return std::nullopt;
  }
  return s;
}

}  // namespace ilp::mappers
