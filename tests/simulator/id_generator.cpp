#include "tests/simulator/id_generator.hpp"

#include <array>
#include <cstdio>

#include "mappers/datetime.hpp"

namespace ilp::sim {

std::string IdGenerator::uuid() {
  std::uniform_int_distribution<unsigned> byte(0, 255);
  std::array<unsigned, 16> b{};
  for (auto& x : b) x = byte(rng_);
  b[6] = (b[6] & 0x0F) | 0x40;  // version 4
  b[8] = (b[8] & 0x3F) | 0x80;  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof(out),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

Version IdGenerator::next_version() {
  std::int64_t ns = clock_.now_ms() * 1'000'000;
  if (ns <= last_ns_) ns = last_ns_ + 1000;  // keep versions unique and ordered
  last_ns_ = ns;
  return {base64_no_padding(std::to_string(ns)), format_instant_us(ns / 1000)};
}

std::string IdGenerator::now_utc() { return format_instant_us(clock_.now_ms() * 1000); }

std::string IdGenerator::access_token() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string t(28, ' ');
  for (auto& c : t) c = kAlphabet[pick(rng_)];
  return t;
}

std::string IdGenerator::patient_ihs() {
  std::uniform_int_distribution<int> digit(0, 9);
  std::string id = "P";
  for (int i = 0; i < 11; ++i) id += static_cast<char>('0' + digit(rng_));
  return id;
}

std::string format_instant_us(std::int64_t epoch_us) {
  const std::int64_t ms = epoch_us / 1000;
  // format_utc gives "YYYY-MM-DDThh:mm:ss+00:00"; splice the microseconds in before the offset.
  auto s = mappers::format_utc(ms);
  char frac[32];
  std::snprintf(frac, sizeof(frac), ".%06lld", static_cast<long long>(epoch_us % 1'000'000));
  s.insert(19, frac);
  return s;
}

std::string base64_no_padding(std::string_view bytes) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    if (i + 1 < bytes.size()) out += kTable[(v >> 6) & 63];
  }
  return out;
}

}  // namespace ilp::sim
