#include "gateway/delivery/resolver.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "gateway/delivery/bundle_edit.hpp"
#include "gateway/delivery/legacy_identifier.hpp"
#include "gateway/delivery/platform_response.hpp"
#include "mappers/json.hpp"

namespace ilp::gateway::delivery {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  auto norm = [](std::string_view s) {
    std::string out;
    for (char c : s) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!out.empty() && out.back() != ' ') out += ' ';
      } else {
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  };
  return !a.empty() && norm(a) == norm(b);
}

// Several babies registered with one mother's NIK: keep those matching the record's birth
// date, then its name. Returns the one left, or nothing.
std::optional<std::string> pick_newborn(const std::vector<SearchMatch>& matches,
                                        std::string_view input_json) {
  rapidjson::Document input;
  if (input_json.empty() || mappers::parse_json_strict(input_json, input)) return std::nullopt;
  const auto* birth = mappers::at_path(input, "data.patient.birth_date");
  const auto* name = mappers::at_path(input, "data.patient.name");
  std::vector<const SearchMatch*> left;
  for (const auto& m : matches) left.push_back(&m);
  if (birth != nullptr && birth->IsString()) {
    const std::string_view b(birth->GetString(), birth->GetStringLength());
    std::erase_if(left, [&](const SearchMatch* m) {
      return m->birth_date.empty() || m->birth_date.substr(0, 10) != b.substr(0, 10);
    });
  }
  if (left.size() > 1 && name != nullptr && name->IsString()) {
    const std::string_view n(name->GetString(), name->GetStringLength());
    std::erase_if(left, [&](const SearchMatch* m) {
      return std::none_of(m->names.begin(), m->names.end(),
                          [&](const std::string& x) { return same_name(x, n); });
    });
  }
  if (left.size() != 1) return std::nullopt;
  return left.front()->id;
}

}  // namespace

Resolver::Resolver(AsyncStore& store, Platform& platform) : store_(store), platform_(platform) {}

std::string Resolver::cache_key(const config::Config& cfg, std::string_view system,
                                std::string_view value) {
  std::string s(system);
  s += '|';
  s += value;
  return cfg.pseudonym()(s);
}

net::awaitable<std::optional<std::vector<SearchMatch>>> Resolver::search(const CallContext& ctx,
                                                                         const ConditionalRef& ref,
                                                                         std::string_view value,
                                                                         Resolution& out) {
  PlatformReply reply = co_await platform_.search(ctx, ref.type, ref.system, value);
  ++out.searched;
  const int status =
      reply.sent() && reply.http.ok() ? static_cast<int>(reply.http.response.result_int()) : 0;
  std::optional<std::vector<SearchMatch>> matches;
  if (status >= 200 && status < 300) {
    matches = parse_search(reply.http.response.body(), ref.type);
    if (!matches) out.reason = ref.type + " search answer is not a Bundle";
  }
  if (!matches) {
    out.kind = Resolution::Kind::kFailed;
    out.type = ref.type;
    out.reply = std::move(reply);
  }
  co_return matches;
}

net::awaitable<Resolution> Resolver::resolve(const CallContext& ctx, rapidjson::Document& bundle,
                                             std::string_view input_json) {
  Resolution out;
  std::map<std::string, std::string> replace;
  for (const auto& ref : conditional_refs(bundle)) {
    const bool by_mother = ref.system == kMotherNikSystem;
    const std::string key = cache_key(ctx.config, ref.system, ref.value);
    if (!by_mother) {
      // (co_await kept out of conditions: GCC 12 miscompiles some of those.)
      const std::optional<std::string> cached = co_await store_.cache_get(ref.type, key);
      if (cached && !cached->empty()) {
        replace.emplace(ref.reference, ref.type + "/" + *cached);
        ++out.from_cache;
        continue;
      }
    }
    const auto matches = co_await search(ctx, ref, ref.value, out);
    if (!matches) co_return out;
    std::optional<std::string> id;
    if (matches->size() == 1) {
      id = matches->front().id;
    } else if (matches->size() > 1) {
      // One NIK is one person in SATUSEHAT's MPI, so the first match is it; one mother's NIK
      // can be several babies.
      id = by_mother ? pick_newborn(*matches, input_json) : matches->front().id;
      if (!id) {
        out.kind = Resolution::Kind::kAmbiguousMatch;
        out.type = ref.type;
        out.by_mother_nik = true;
        co_return out;
      }
    }
    if (!id && ctx.config.delivery.legacy_identifier_fallback) {
      // Delivered before identifiers carried their kind: only an unambiguous old value will do
      // (that value was shared by every visit-like kind, so two matches prove nothing).
      if (const auto legacy = legacy_identifier_value(ref.type, ref.value)) {
        const auto old_matches = co_await search(ctx, ref, *legacy, out);
        if (!old_matches) co_return out;
        if (old_matches->size() == 1) id = old_matches->front().id;
      }
    }
    if (!id) {
      out.kind = Resolution::Kind::kNotFound;
      out.type = ref.type;
      out.system = ref.system;
      out.value = ref.value;
      out.by_mother_nik = by_mother;
      co_return out;
    }
    if (!by_mother) out.learned.push_back({ref.type, key, *id});
    replace.emplace(ref.reference, ref.type + "/" + *id);
  }
  if (!replace.empty()) rewrite_references(bundle, replace, bundle.GetAllocator());
  co_return out;
}

}  // namespace ilp::gateway::delivery
