#include "gateway/delivery/newborn_match.hpp"

#include <array>

#include "mappers/json.hpp"

namespace ilp::gateway::delivery {
namespace {

enum class Agreement { kSame, kDiffers, kUnknown };

struct Verdict {
  bool differs = false;
  std::optional<NewbornField> unknown;  // the first fact the candidate does not show
};

Agreement compare(std::string_view ours, std::string_view theirs, std::size_t prefix) {
  if (ours.empty()) return Agreement::kSame;  // we do not say it: it tells nothing apart
  if (theirs.empty()) return Agreement::kUnknown;
  return ours.substr(0, prefix) == theirs.substr(0, prefix) ? Agreement::kSame
                                                            : Agreement::kDiffers;
}

Verdict judge(const SearchMatch& c, const NewbornFacts& facts) {
  // Birth order first: it is what tells twins apart, so it is the fact a message names when
  // the answer shows none. birthDate may come back as a dateTime: the day is what counts.
  const std::array<std::pair<NewbornField, Agreement>, 3> checks{{
      {NewbornField::kBirthOrder, !facts.birth_order                     ? Agreement::kSame
                                  : !c.birth_order                       ? Agreement::kUnknown
                                  : *facts.birth_order == *c.birth_order ? Agreement::kSame
                                                                         : Agreement::kDiffers},
      {NewbornField::kBirthDate, compare(facts.birth_date, c.birth_date, 10)},
      {NewbornField::kGender, compare(facts.gender, c.gender, std::string_view::npos)},
  }};
  Verdict v;
  for (const auto& [field, agreement] : checks) {
    if (agreement == Agreement::kDiffers) v.differs = true;
    if (agreement == Agreement::kUnknown && !v.unknown) v.unknown = field;
  }
  return v;
}

}  // namespace

NewbornFacts newborn_facts(const rapidjson::Value& patient) {
  NewbornFacts f;
  f.birth_date = std::string(mappers::string_member(patient, "birthDate").value_or(""));
  f.gender = std::string(mappers::string_member(patient, "gender").value_or(""));
  if (const auto* order = mappers::member(patient, "multipleBirthInteger");
      order != nullptr && order->IsInt()) {
    f.birth_order = order->GetInt();
  }
  return f;
}

NewbornPick pick_newborn_candidate(const std::vector<SearchMatch>& candidates,
                                   const NewbornFacts& facts) {
  NewbornPick pick;
  std::vector<const SearchMatch*> agreeing;
  std::optional<NewbornField> unknown;
  for (const auto& c : candidates) {
    const Verdict v = judge(c, facts);
    if (v.differs) continue;
    if (v.unknown) {
      // Even a lone candidate may be an older sibling registered with the same mother's NIK.
      if (!unknown) unknown = v.unknown;
      continue;
    }
    agreeing.push_back(&c);
  }
  if (agreeing.size() == 1 && !unknown) {
    pick.kind = NewbornPick::Kind::kFound;
    pick.id = agreeing.front()->id;
    return pick;
  }
  if (agreeing.empty() && !unknown) return pick;  // kNotThere
  pick.kind = NewbornPick::Kind::kAmbiguous;
  // Babies equal in everything: birth order is what should have told them apart.
  pick.field = unknown.value_or(NewbornField::kBirthOrder);
  return pick;
}

std::string newborn_field_path(NewbornField field, std::string_view record_kind) {
  const bool mapped = record_kind == "patient";
  switch (field) {
    case NewbornField::kBirthDate:
      return mapped ? "data.birth_date" : "Patient.birthDate";
    case NewbornField::kGender:
      return mapped ? "data.gender" : "Patient.gender";
    case NewbornField::kBirthOrder:
      break;
  }
  return mapped ? "data.birth_order" : "Patient.multipleBirthInteger";
}

}  // namespace ilp::gateway::delivery
