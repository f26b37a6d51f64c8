#include "tests/simulator/validator.hpp"

#include <array>

#include "mappers/datetime.hpp"
#include "mappers/json.hpp"
#include "tests/simulator/fhir_json.hpp"
#include "tests/simulator/profile_rules.hpp"
#include "tests/simulator/resource_types.hpp"
#include "tests/simulator/rule_sink.hpp"

namespace ilp::sim {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_digit_at(std::string_view s, std::size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

// "YYYY-MM-DD" by shape only (validity is checked separately).
bool looks_like_date(std::string_view s, std::size_t len) {
  if (s.size() < len || len < 10) return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (!is_digit_at(s, i)) return false;
  }
  return s[4] == '-' && s[7] == '-';
}

// Free text and codes never hold a date-time the platform checks.
bool skipped_for_dates(std::string_view key) {
  static constexpr std::array<std::string_view, 11> kSkip = {
      "meta", "text", "div", "display", "reference", "system",
      "code", "url",  "id",  "value",   "fullUrl"};
  for (auto k : kSkip) {
    if (k == key) return true;
  }
  return false;
}

class Walker {
 public:
  Walker(const RuleContext& ctx, std::string_view type, RuleSink& sink)
      : ctx_(ctx), type_(type), sink_(sink) {}

  // Dates, and the date of a date-time, must be calendar dates (2024-02-30 is refused): how a
  // date-time is written (UTC, seconds), the date floor and the future are rules.yaml's, run by
  // profile_rules. `top` is the resource's element the value sits under, for its rule number.
  void dates(const Value& v, const std::string& path, std::string_view top) {
    if (v.IsObject()) {
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        const std::string_view key(it->name.GetString(), it->name.GetStringLength());
        if (skipped_for_dates(key)) continue;
        const std::string child = path.empty() ? std::string(key) : path + "." + std::string(key);
        dates(it->value, child, top.empty() ? key : top);
      }
    } else if (v.IsArray()) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        dates(v[i], path + "[" + std::to_string(i) + "]", top);
      }
    } else if (v.IsString()) {
      const std::string_view s(v.GetString(), v.GetStringLength());
      const bool date = s.size() == 10 && looks_like_date(s, 10);
      const bool date_time = looks_like_date(s, 11) && s[10] == 'T';
      if ((date || date_time) && !mappers::parse_date(s.substr(0, 10))) {
        const int rule = ctx_.profiles != nullptr ? ctx_.profiles->datetime_rule(type_, top) : 0;
        sink_.add(family::kDateTimeFormat, rule, path, std::string(s) + " is not a calendar date");
      }
    }
  }

  void identifier_systems(const Value& v, const std::string& path) {
    if (v.IsObject()) {
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        const std::string_view key(it->name.GetString(), it->name.GetStringLength());
        const std::string child = path.empty() ? std::string(key) : path + "." + std::string(key);
        if (key == "identifier") {
          if (it->value.IsArray()) {
            for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
              identifier(it->value[i], child + "[" + std::to_string(i) + "]");
            }
          } else {
            identifier(it->value, child);
          }
        } else if (key != "contained") {
          identifier_systems(it->value, child);
        }
      }
    } else if (v.IsArray()) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        identifier_systems(v[i], path + "[" + std::to_string(i) + "]");
      }
    }
  }

  void references(const Value& resource) {
    for_each_reference(
        resource, sink_.prefix(), [&](const std::string& path, std::string_view ref) {
          const std::string rel = path.size() > sink_.prefix().size()
                                      ? path.substr(sink_.prefix().size() + 1)
                                      : std::string();
          const auto top = std::string_view(rel).substr(0, rel.find_first_of(".["));
          const int rule = ctx_.profiles != nullptr ? ctx_.profiles->reference_rule(type_, top) : 0;
          const std::string expr = path + ".reference";
          if (ref.rfind("urn:", 0) == 0) {
            sink_.add_at(
                family::kInvalidReference, rule, expr,
                std::string(ref) + " does not match the fullUrl of any entry in this request");
            return;
          }
          if (ref.find('?') != std::string_view::npos) {
            sink_.add_at(family::kInvalidReference, rule, expr,
                         "conditional reference " + std::string(ref) +
                             " is not resolved; use Type/id of a registered resource");
            return;
          }
          std::string t, id;
          if (!split_reference(ref, t, id) || !is_known_type(t)) return;
          if (!ctx_.exists(t, id)) {
            sink_.add_at(family::kInvalidReference, rule, expr,
                         std::string(ref) + " is not registered in SATUSEHAT");
            return;
          }
          if (t == "Organization" && id != ctx_.org_id && names_own_organization(rel)) {
            sink_.forbidden(expr, "Organization/" + id +
                                      " is not the organization of this client (" + ctx_.org_id +
                                      ")");
          }
        });
  }

 private:
  // Elements where an Organization must be the client's own.
  static bool names_own_organization(std::string_view rel) {
    for (std::string_view k : {"serviceProvider", "managingOrganization", "performer"}) {
      const auto p = rel.find(k);
      if (p != std::string_view::npos && (p == 0 || rel[p - 1] == '.') &&
          (p + k.size() == rel.size() || rel[p + k.size()] == '.' || rel[p + k.size()] == '[')) {
        return true;
      }
    }
    return false;
  }

  void identifier(const Value& id, const std::string& path) {
    const auto system = mappers::string_member(id, "system");
    if (!system || system->rfind(kSysIds, 0) != 0) return;
    const auto rest = system->substr(kSysIds.size());
    std::vector<std::string_view> segs;
    std::size_t start = 0;
    while (start <= rest.size()) {
      const auto slash = rest.find('/', start);
      const auto end = slash == std::string_view::npos ? rest.size() : slash;
      segs.push_back(rest.substr(start, end - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    if (segs.size() == 1 && segs[0] == "kfa") return;  // the drug dictionary, not org-scoped
    bool well_formed = segs.size() >= 2 && segs.size() <= 3 && !segs[0].empty() &&
                       all_digits(segs[1]) && (segs.size() == 2 || !segs[2].empty());
    for (char c : segs[0]) well_formed = well_formed && ((c >= 'a' && c <= 'z') || c == '-');
    if (!well_formed) {
      sink_.add(
          family::kIdentifierSystem, type_ == "Encounter" ? 10117 : 0, path + ".system",
          std::string(*system) + " is not http://sys-ids.kemkes.go.id/<type>/<organization id>");
      return;
    }
    if (segs[1] != ctx_.org_id) {
      sink_.forbidden(sink_.at(path + ".system"),
                      "identifier system " + std::string(*system) + " belongs to organization " +
                          std::string(segs[1]) + ", not to this client's " + ctx_.org_id);
    }
  }

  const RuleContext& ctx_;
  std::string_view type_;
  RuleSink& sink_;
};

}  // namespace

mappers::Outcome Validator::check(const rapidjson::Value& resource, std::string_view type,
                                  const std::string& prefix) const {
  RuleSink sink(prefix);
  if (!resource.IsObject()) {
    sink.add(family::kElementNotFound, 0, "", "the resource must be a JSON object");
    return sink.outcome();
  }
  Walker walker(ctx_, type, sink);
  walker.dates(resource, "", "");
  walker.identifier_systems(resource, "");
  walker.references(resource);
  if (ctx_.profiles != nullptr) {
    ctx_.profiles->check(resource, ctx_.org_id, ctx_.now_ms, ctx_.date_floor, sink);
  }
  return sink.outcome();
}

}  // namespace ilp::sim
