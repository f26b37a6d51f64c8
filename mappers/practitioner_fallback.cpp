#include "mappers/practitioner_fallback.hpp"

#include "mappers/input_reader.hpp"

namespace ilp::mappers {

std::optional<PractitionerFallback> practitioner_fallback(const tmpl::InputSpec& spec,
                                                          const rapidjson::Value& data,
                                                          const Facility& facility) {
  using Type = tmpl::InputSpec::Type;
  // A practitioner that is there but wrong is the sender's mistake to hear about, not to paper
  // over: only an absent (or null / blank) one falls back. Checked first: it is the common case
  // and the cheapest answer on every mapped record.
  if (!data.IsObject() || InputReader::given(data, "practitioner")) return std::nullopt;
  if (spec.type_of("practitioner") != Type::kPractitioner ||
      spec.type_of("location") != Type::kLocation) {
    return std::nullopt;
  }
  const auto loc_it = data.FindMember("location");
  if (loc_it == data.MemberEnd() || !loc_it->value.IsString()) return std::nullopt;
  const Location* loc = facility.location(
      std::string_view(loc_it->value.GetString(), loc_it->value.GetStringLength()));
  if (loc == nullptr || loc->type == Location::Type::kRoom || !loc->practitioner) {
    return std::nullopt;
  }

  PractitionerFallback out;
  auto& a = out.data.GetAllocator();
  out.data.CopyFrom(data, a);
  rapidjson::Value block(rapidjson::kObjectType);
  const auto& p = *loc->practitioner;
  if (!p.nik.empty()) block.AddMember("nik", rapidjson::Value(p.nik.c_str(), a), a);
  if (!p.ihs_number.empty()) {
    block.AddMember("ihs_number", rapidjson::Value(p.ihs_number.c_str(), a), a);
  }
  block.AddMember("name", rapidjson::Value(p.name.c_str(), a), a);
  out.data.RemoveMember("practitioner");
  out.data.AddMember("practitioner", block, a);
  out.note = "practitioner taken from " + std::string(to_string(loc->type)) + " " + loc->code +
             " (facilities.yaml): the record named none";
  return out;
}

}  // namespace ilp::mappers
