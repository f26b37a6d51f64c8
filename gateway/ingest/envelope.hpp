#pragma once
// Step one of ingest, pure and synchronous: one envelope's text → either a parsed, checked
// envelope ready to map, or the precise rejection (status + OperationOutcome).

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/config/config.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::ingest {

struct Rejection {
  int status = 400;  // 400 malformed/envelope, 403 another facility, 422 unknown kind/facility
  mappers::Outcome outcome;
};

struct Envelope {
  std::shared_ptr<rapidjson::Document> doc;  // owns the JSON; `data` points into it
  const config::Facility* facility = nullptr;
  std::string kind;
  std::string record_id;
  std::string content_hash;
  const rapidjson::Value* data = nullptr;
  const mappers::Mapping* mapping = nullptr;  // of `kind`, from the config snapshot
};

// `caller` is the facility the API key belongs to; an envelope for another facility is 403.
// nullptr (the offline `map` command) skips that check.
std::variant<Envelope, Rejection> check_envelope(std::string_view text, const config::Config& cfg,
                                                 const config::Facility* caller);

}  // namespace ilp::gateway::ingest
