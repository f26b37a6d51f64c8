#include "tests/simulator/resource_store.hpp"

#include <algorithm>

#include "tests/simulator/fhir_json.hpp"

namespace ilp::sim {
namespace {

std::string id_key(std::string_view type, std::string_view system, std::string_view value) {
  std::string k(type);
  k += '\n';
  k += system;
  k += '|';
  k += value;
  return k;
}

}  // namespace

void ResourceStore::reset(std::vector<StoredResource> seeds) {
  by_type_.clear();
  identifier_index_.clear();
  duplicate_index_.clear();
  for (auto& s : seeds) {
    s.seed = true;
    put(std::move(s));
  }
}

const StoredResource* ResourceStore::find(std::string_view type, std::string_view id) const {
  auto t = by_type_.find(type);
  if (t == by_type_.end()) return nullptr;
  auto r = t->second.find(id);
  return r == t->second.end() ? nullptr : &r->second;
}

void ResourceStore::index(const StoredResource& r) {
  for (const auto& id : identifiers(r.doc)) {
    identifier_index_[id_key(r.type, id.system, id.value)].push_back(r.id);
    identifier_index_[id_key(r.type, "", id.value)].push_back(r.id);
  }
  if (auto key = duplicate_key(r.doc); !key.empty()) {
    duplicate_index_[r.type + "\n" + key] = r.id;
  }
}

void ResourceStore::unindex(const StoredResource& r) {
  auto drop = [&](const std::string& k) {
    auto it = identifier_index_.find(k);
    if (it == identifier_index_.end()) return;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), r.id), v.end());
    if (v.empty()) identifier_index_.erase(it);
  };
  for (const auto& id : identifiers(r.doc)) {
    drop(id_key(r.type, id.system, id.value));
    drop(id_key(r.type, "", id.value));
  }
  if (auto key = duplicate_key(r.doc); !key.empty()) {
    auto it = duplicate_index_.find(r.type + "\n" + key);
    if (it != duplicate_index_.end() && it->second == r.id) duplicate_index_.erase(it);
  }
}

const StoredResource& ResourceStore::put(StoredResource r) {
  auto& of_type = by_type_[r.type];
  auto it = of_type.find(r.id);
  if (it != of_type.end()) {
    unindex(it->second);
    r.seed = it->second.seed && r.seed;
    it->second = std::move(r);
  } else {
    auto key = r.id;
    it = of_type.emplace(std::move(key), std::move(r)).first;
  }
  index(it->second);
  return it->second;
}

std::vector<const StoredResource*> ResourceStore::by_identifier(std::string_view type,
                                                                std::string_view system,
                                                                std::string_view value) const {
  std::vector<const StoredResource*> out;
  auto it = identifier_index_.find(id_key(type, system, value));
  if (it == identifier_index_.end()) return out;
  for (const auto& id : it->second) {
    const auto* r = find(type, id);
    if (r != nullptr && std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

const StoredResource* ResourceStore::duplicate_of(std::string_view type, const std::string& key,
                                                  std::string_view except_id) const {
  if (key.empty()) return nullptr;
  auto it = duplicate_index_.find(std::string(type) + "\n" + key);
  if (it == duplicate_index_.end() || it->second == except_id) return nullptr;
  return find(type, it->second);
}

std::vector<const StoredResource*> ResourceStore::all_of_type(std::string_view type) const {
  std::vector<const StoredResource*> out;
  auto t = by_type_.find(type);
  if (t == by_type_.end()) return out;
  for (const auto& [id, r] : t->second) out.push_back(&r);
  return out;
}

std::vector<const StoredResource*> ResourceStore::created_of_type(std::string_view type) const {
  auto all = all_of_type(type);
  all.erase(std::remove_if(all.begin(), all.end(), [](const auto* r) { return r->seed; }),
            all.end());
  return all;
}

std::map<std::string, std::size_t> ResourceStore::created_counts() const {
  std::map<std::string, std::size_t> out;
  for (const auto& [type, rs] : by_type_) {
    for (const auto& [id, r] : rs) {
      if (!r.seed) out[type]++;
    }
  }
  return out;
}

}  // namespace ilp::sim
