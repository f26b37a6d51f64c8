#include "tests/simulator/transaction.hpp"

#include <map>
#include <set>

#include "mappers/json.hpp"
#include "tests/simulator/episode_rules.hpp"
#include "tests/simulator/fhir_json.hpp"
#include "tests/simulator/resource_types.hpp"
#include "tests/simulator/rule_sink.hpp"

namespace ilp::sim {
namespace {

using mappers::member;

struct Entry {
  std::string type;
  std::string id;
  bool is_put = false;
  const Value* resource = nullptr;
  rapidjson::Document doc;  // the resource with references rewritten
};

void add_issue(mappers::Outcome& o, std::string code, std::string expression, std::string text) {
  mappers::Issue i;
  i.code = std::move(code);
  i.expression = std::move(expression);
  i.text = {text, text};
  o.issues.push_back(std::move(i));
}

}  // namespace

gateway::http::Response TransactionProcessor::reject(const mappers::Outcome& o) {
  stats_.bundles_rejected++;
  return outcome_response(is_forbidden(o) ? 403 : 400, o);
}

gateway::http::Response TransactionProcessor::process(const FhirRequest& r,
                                                      const rapidjson::Value& bundle) {
  mappers::Outcome problems;
  if (str_or(bundle, "resourceType") != "Bundle") {
    add_issue(problems, "value", "Bundle.resourceType",
              "only a Bundle can be posted to the FHIR base");
    return reject(problems);
  }
  if (str_or(bundle, "type") != "transaction") {
    add_issue(problems, "value", "Bundle.type", "Bundle.type must be transaction");
    return reject(problems);
  }
  const auto* list = member(bundle, "entry");
  if (list == nullptr || !list->IsArray() || list->Empty()) {
    add_issue(problems, "required", "Bundle.entry", "a transaction needs at least one entry");
    return reject(problems);
  }

  // Pass 1: shape of each entry, ids, and the fullUrl -> Type/id map.
  std::vector<Entry> entries(list->Size());
  std::map<std::string, std::string, std::less<>> targets;
  std::set<std::pair<std::string, std::string>, std::less<>> pending;
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const std::string at = "Bundle.entry[" + std::to_string(i) + "]";
    const auto& e = (*list)[i];
    auto& entry = entries[i];
    const auto* res = member(e, "resource");
    if (res == nullptr || !res->IsObject()) {
      add_issue(problems, "required", at + ".resource", "entry.resource is mandatory");
      continue;
    }
    entry.resource = res;
    entry.type = std::string(str_or(*res, "resourceType"));
    if (!is_generic_type(entry.type)) {
      add_issue(problems, "not-supported", at + ".resource.resourceType",
                "resource type \"" + entry.type + "\" is not accepted in a transaction");
      continue;
    }
    const auto* req = member(e, "request");
    const auto method = req != nullptr ? str_or(*req, "method") : std::string_view();
    std::string_view url = req != nullptr ? str_or(*req, "url") : std::string_view();
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    if (method == "POST") {
      if (url != entry.type) {
        add_issue(problems, "value", at + ".request.url",
                  "request.url must be \"" + entry.type + "\" for a POST");
        continue;
      }
      entry.id = ids_.uuid();
    } else if (method == "PUT") {
      entry.is_put = true;
      std::string t, id;
      const auto body_id = str_or(*res, "id");
      if (!split_reference(url, t, id) || t != entry.type ||
          url.find("/_history/") != std::string_view::npos) {
        add_issue(problems, "value", at + ".request.url",
                  "request.url must be \"" + entry.type + "/<id>\" for a PUT");
        continue;
      }
      if (body_id.empty()) {
        add_issue(problems, "value", at + ".resource.id", "id is required");
        continue;
      }
      if (body_id != id) {
        add_issue(problems, "value", at + ".resource.id", "resource.id does not match request.url");
        continue;
      }
      if (!store_.exists(t, id)) {
        add_issue(problems, "not-found", at + ".request.url", t + "/" + id + " is not found");
        continue;
      }
      entry.id = id;
    } else {
      add_issue(problems, "value", at + ".request.method", "request.method must be POST or PUT");
      continue;
    }
    if (const auto full = str_or(e, "fullUrl"); !full.empty()) {
      if (!targets.emplace(std::string(full), entry.type + "/" + entry.id).second) {
        add_issue(problems, "value", at + ".fullUrl", "fullUrl is used by two entries");
      }
    }
    pending.emplace(entry.type, entry.id);
  }
  if (!problems.empty()) return reject(problems);

  // Pass 2: resolve references and check every entry against the store plus this bundle.
  RuleContext ctx = r.rules;
  ctx.exists = [&](std::string_view t, std::string_view id) {
    return store_.exists(t, id) || pending.count(std::make_pair(std::string(t), std::string(id)));
  };
  const Validator validator(ctx);
  std::map<std::string, std::size_t> keys_in_bundle;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& entry = entries[i];
    const std::string at = "Bundle.entry[" + std::to_string(i) + "].resource";
    entry.doc.CopyFrom(*entry.resource, entry.doc.GetAllocator());
    rewrite_references(entry.doc, targets, entry.doc.GetAllocator());
    set_member(entry.doc, "id", json_str(entry.id, entry.doc.GetAllocator()),
               entry.doc.GetAllocator());
    problems.append(validator.check(entry.doc, entry.type, at));
    const auto key = duplicate_key(entry.doc);
    if (key.empty()) continue;
    RuleSink dup(at);
    if (const auto* other = store_.duplicate_of(entry.type, key, entry.is_put ? entry.id : "")) {
      dup.add(family::kDuplicate, 0, "identifier",
              "identifier already registered for " + entry.type + "/" + other->id);
    } else if (auto [it, fresh] = keys_in_bundle.emplace(entry.type + "\n" + key, i); !fresh) {
      dup.add(family::kDuplicate, 0, "identifier",
              "same identifier as Bundle.entry[" + std::to_string(it->second) + "]");
    }
    problems.append(dup.outcome());
  }
  {
    std::vector<const rapidjson::Value*> docs;
    std::vector<std::string> ids;
    for (const auto& entry : entries) {
      docs.push_back(&entry.doc);
      ids.push_back(entry.id);
    }
    const auto conflicts = active_episode_conflicts(store_, docs, ids);
    for (std::size_t i = 0; i < conflicts.size(); ++i) {
      if (conflicts[i].empty()) continue;
      RuleSink sink("Bundle.entry[" + std::to_string(i) + "].resource");
      sink.add(kActiveEpisodeText, 0, "status", "EpisodeOfCare/" + conflicts[i] + " is active");
      problems.append(sink.outcome());
    }
  }
  if (!problems.empty()) return reject(problems);

  // Pass 3: store, in order.
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  out.AddMember("resourceType", "Bundle", a);
  out.AddMember("id", json_str(ids_.uuid(), a), a);
  out.AddMember("type", "transaction-response", a);
  rapidjson::Value response_entries(rapidjson::kArrayType);
  for (auto& entry : entries) {
    const auto v = ids_.next_version();
    stamp(entry.doc, entry.id, v.id, v.last_updated);
    StoredResource rec;
    rec.type = entry.type;
    rec.id = entry.id;
    rec.version_id = v.id;
    rec.last_updated = v.last_updated;
    rec.doc.Swap(entry.doc);
    store_.put(std::move(rec));

    rapidjson::Value resp(rapidjson::kObjectType);
    resp.AddMember("status", rapidjson::StringRef(entry.is_put ? "200 OK" : "201 Created"), a);
    resp.AddMember("location", json_str(entry.type + "/" + entry.id + "/_history/" + v.id, a), a);
    resp.AddMember("etag", json_str("W/\"" + v.id + "\"", a), a);
    resp.AddMember("lastModified", json_str(v.last_updated, a), a);
    resp.AddMember("resourceType", json_str(entry.type, a), a);
    resp.AddMember("resourceID", json_str(entry.id, a), a);
    rapidjson::Value e(rapidjson::kObjectType);
    e.AddMember("response", resp, a);
    response_entries.PushBack(e, a);
  }
  out.AddMember("entry", response_entries, a);
  stats_.bundles_accepted++;
  return json_response(200, mappers::to_json(out));
}

}  // namespace ilp::sim
