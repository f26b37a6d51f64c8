#pragma once
// Which of a mother's babies is the one this record registered (reference §3.3: newborns are
// registered with the mother's NIK, `…/id/nik-ibu`, so twins share the identifier).
//
// Used when the platform is searched by that identifier to see whether a Patient create that
// got no answer (or was refused as a duplicate) is already there: adopting a twin's id would
// send everything of one baby to the other, so a candidate is taken only when birth date,
// gender and birth order (multipleBirthInteger) all agree. What the answer does not show
// (SATUSEHAT masks search results) cannot tell babies apart, and is never guessed. Pure.

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/delivery/platform_response.hpp"

namespace ilp::gateway::delivery {

// What tells newborns apart, as the Patient being sent says it (empty / nullopt: not said).
struct NewbornFacts {
  std::string birth_date;  // YYYY-MM-DD
  std::string gender;
  std::optional<int> birth_order;  // multipleBirthInteger
};
NewbornFacts newborn_facts(const rapidjson::Value& patient);

// The facts that tell newborns apart.
enum class NewbornField { kBirthOrder, kBirthDate, kGender };

struct NewbornPick {
  enum class Kind {
    kFound,      // `id` is this baby
    kNotThere,   // every candidate is provably another baby: this one is not registered
    kAmbiguous,  // `field` does not tell them apart (equal, or not in the answer)
  };
  Kind kind = Kind::kNotThere;
  std::string id;
  NewbornField field = NewbornField::kBirthOrder;
};

// `candidates`: the search answer by the mother's NIK. Exactly one must agree on every fact the
// Patient sent states, and every other one must differ in a fact the answer shows. A lone
// candidate is no exception: it may be an older sibling.
NewbornPick pick_newborn_candidate(const std::vector<SearchMatch>& candidates,
                                   const NewbornFacts& facts);

// Where a person fixes `field`: the record's input path for the `patient` kind, else the FHIR
// path of the Patient sent.
std::string newborn_field_path(NewbornField field, std::string_view record_kind);

}  // namespace ilp::gateway::delivery
