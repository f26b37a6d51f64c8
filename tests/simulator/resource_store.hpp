#pragma once
// Everything the simulator holds as FHIR resources: the seeded master data (Organization,
// Location, Patient, Practitioner) and what clients created. In memory only; a restart or
// POST /_sim/reset brings back the seed. Not thread-safe (one io_context thread owns it).

#include <rapidjson/document.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ilp::sim {

struct StoredResource {
  std::string type;
  std::string id;
  std::string version_id;
  std::string last_updated;
  rapidjson::Document doc;  // the resource as served, meta included
  bool seed = false;        // part of the seed, not counted as "stored by clients"
};

class ResourceStore {
 public:
  // Drops everything and loads `seeds` (marked seed = true).
  void reset(std::vector<StoredResource> seeds);

  const StoredResource* find(std::string_view type, std::string_view id) const;
  bool exists(std::string_view type, std::string_view id) const {
    return find(type, id) != nullptr;
  }
  // Inserts or replaces by (type, id).
  const StoredResource& put(StoredResource r);

  // Resources of `type` carrying identifier system|value; an empty system matches any system.
  std::vector<const StoredResource*> by_identifier(std::string_view type, std::string_view system,
                                                   std::string_view value) const;
  // Another resource of `type` (not `except_id`) with the same duplicate_key.
  const StoredResource* duplicate_of(std::string_view type, const std::string& key,
                                     std::string_view except_id) const;
  std::vector<const StoredResource*> all_of_type(std::string_view type) const;
  std::vector<const StoredResource*> created_of_type(std::string_view type) const;
  std::map<std::string, std::size_t> created_counts() const;

 private:
  void index(const StoredResource& r);
  void unindex(const StoredResource& r);

  std::map<std::string, std::map<std::string, StoredResource, std::less<>>, std::less<>> by_type_;
  // "type\nsystem|value" and "type\n|value" -> ids
  std::unordered_map<std::string, std::vector<std::string>> identifier_index_;
  // "type\n" + duplicate_key -> id
  std::unordered_map<std::string, std::string> duplicate_index_;
};

}  // namespace ilp::sim
