#pragma once
// searchset Bundles shaped like SATUSEHAT's (reference §3.3): total, entry[].fullUrl,
// entry[].resource, and a self link.

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace ilp::sim {

// `fhir_base` = "http://host:port/fhir-r4/v1"; `self` = the URL that was searched.
std::string searchset_json(const std::vector<const rapidjson::Value*>& resources,
                           const std::string& fhir_base, const std::string& self);

}  // namespace ilp::sim
