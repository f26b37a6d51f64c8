#include "mappers/bundle_writer.hpp"

#include <cassert>
#include <cstdint>
#include <cstring>

namespace ilp::mappers {
namespace {

rapidjson::SizeType size(std::string_view s) { return static_cast<rapidjson::SizeType>(s.size()); }

// True when JSON needs an escape for some byte: a control character, '"' or '\\'. Eight bytes
// per step (the classic "has zero byte" bit trick, exact for detection), because a bundle is
// mostly string bytes and a byte loop dominated mapping time.
bool needs_escape(std::string_view s) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const auto has_zero = [](std::uint64_t v) { return ((v - kOnes) & ~v & kHigh) != 0; };
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    // Bytes below 0x20 (for ASCII bytes; bytes ≥ 0x80 never set the high bit here).
    const bool control = ((w - kOnes * 0x20) & ~w & kHigh) != 0;
    if (control || has_zero(w ^ (kOnes * '"')) || has_zero(w ^ (kOnes * '\\'))) return true;
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

}  // namespace

BundleWriter::BundleWriter() : w_(buf_) {
  w_.StartObject();
  member("resourceType", "Bundle");
  member("type", "transaction");
  key("entry");
  w_.StartArray();
}

void BundleWriter::begin_entry(std::string_view urn, std::string_view type) {
  w_.StartObject();
  member("fullUrl", urn);
  key("resource");
  w_.StartObject();
  member("resourceType", type);
}

void BundleWriter::end_entry(std::string_view type) {
  w_.EndObject();
  key("request");
  w_.StartObject();
  member("method", "POST");
  member("url", type);
  w_.EndObject();
  w_.EndObject();
}

std::string BundleWriter::finish() {
  w_.EndArray();
  w_.EndObject();
  return std::string(buf_.GetString(), buf_.GetSize());
}

void BundleWriter::key(std::string_view k) {
  // Keys are this file's callers' own literals; scanning them for escapes would be wasted work.
  assert(!needs_escape(k));
  plain_string(k);
}

void BundleWriter::string(std::string_view s) {
  if (needs_escape(s)) {
    w_.String(s.data(), size(s));
  } else {
    plain_string(s);
  }
}

void BundleWriter::plain_string(std::string_view s) {
  // RapidJSON copies strings byte by byte through its escape table, which was most of the
  // mapping time; a string that needs no escape is copied in one block instead. RawValue("")
  // makes the Writer emit the separator and count the value exactly as for any string (its
  // Key() is String() too), then the quoted text goes straight into the buffer. The bytes are
  // the ones RapidJSON would write: it escapes exactly control characters, '"' and '\\'.
  w_.RawValue("", 0, rapidjson::kStringType);
  char* out = buf_.Push(s.size() + 2);
  out[0] = '"';
  std::memcpy(out + 1, s.data(), s.size());
  out[s.size() + 1] = '"';
}

void BundleWriter::member(std::string_view k, std::string_view v) {
  key(k);
  string(v);
}

void BundleWriter::identifier(std::string_view kind, std::string_view org, std::string_view value) {
  scratch_.assign("http://sys-ids.kemkes.go.id/");
  scratch_ += kind;
  scratch_ += '/';
  scratch_ += org;
  key("identifier");
  w_.StartArray();
  w_.StartObject();
  member("system", scratch_);
  member("value", value);
  w_.EndObject();
  w_.EndArray();
}

void BundleWriter::reference(std::string_view k, std::string_view ref, std::string_view display) {
  key(k);
  w_.StartObject();
  member("reference", ref);
  if (!display.empty()) member("display", display);
  w_.EndObject();
}

void BundleWriter::coding(std::string_view system, std::string_view code,
                          std::string_view display) {
  w_.StartObject();
  member("system", system);
  member("code", code);
  if (!display.empty()) member("display", display);
  w_.EndObject();
}

void BundleWriter::codeable_concept(std::string_view k, std::string_view system,
                                    std::string_view code, std::string_view display) {
  key(k);
  w_.StartObject();
  key("coding");
  w_.StartArray();
  coding(system, code, display);
  w_.EndArray();
  w_.EndObject();
}

void BundleWriter::codeable_concept_list(std::string_view k, std::string_view system,
                                         std::string_view code, std::string_view display) {
  key(k);
  w_.StartArray();
  w_.StartObject();
  key("coding");
  w_.StartArray();
  coding(system, code, display);
  w_.EndArray();
  w_.EndObject();
  w_.EndArray();
}

void BundleWriter::period(std::string_view k, std::string_view start, std::string_view end) {
  key(k);
  w_.StartObject();
  member("start", start);
  member("end", end);
  w_.EndObject();
}

}  // namespace ilp::mappers
