#include "mappers/urn_factory.hpp"

#include "mappers/sha256.hpp"

namespace ilp::mappers {
namespace {

// Netstring-style "len:bytes," so that no choice of ids can make two different tuples hash the
// same input (e.g. record "a-b" + name "c" versus record "a" + name "b-c").
void append_part(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
  out += ',';
}

}  // namespace

UrnFactory::UrnFactory(std::string_view facility_key, std::string_view record_id, int revision) {
  prefix_.reserve(32 + facility_key.size() + record_id.size());
  prefix_ = "ilp-urn-v1,";
  append_part(prefix_, facility_key);
  append_part(prefix_, record_id);
  append_part(prefix_, std::to_string(revision));
}

std::string UrnFactory::urn(std::string_view resource_name) const {
  thread_local std::string input;  // reused: a dozen urns per record
  input.assign(prefix_);
  append_part(input, resource_name);
  auto d = sha256(input);
  d[6] = static_cast<unsigned char>((d[6] & 0x0f) | 0x50);
  d[8] = static_cast<unsigned char>((d[8] & 0x3f) | 0x80);

  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  std::size_t pos = 9;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++pos;  // the dashes
    out[pos++] = kDigits[d[i] >> 4];
    out[pos++] = kDigits[d[i] & 0xF];
  }
  return out;
}

}  // namespace ilp::mappers
