#pragma once
// The query parameters of the record lists (GET /api/v1/records and GET /admin/queue/records):
// facility, status, kind, record_id, since, until, limit, cursor. Strict: a value that is not
// exactly what the parameter takes is refused, naming the parameter, instead of falling back to a
// default
// (`limit=5abc` listed 5, `limit=-1` listed 1, `cursor=garbage` an empty page). An empty value
// means the parameter is absent (HTML forms send empty fields). Other parameters are ignored.
// Pure.

#include <map>
#include <string>
#include <variant>

#include "gateway/store/store.hpp"
#include "mappers/outcome.hpp"

namespace ilp::gateway::api {

// One page holds at most this many records (the store's own cap); 1000 rows of a list stay
// well under a megabyte of JSON.
inline constexpr int kMaxListLimit = 1000;
// Longer than any facility's record id (envelope.cpp allows 64): a typo, not a search.
inline constexpr std::size_t kMaxRecordIdLength = 128;

struct QueryProblem {
  std::string parameter;  // the OperationOutcome's expression
  mappers::Text text;
};

std::variant<store::ListQuery, QueryProblem> parse_list_query(
    const std::map<std::string, std::string>& query);

}  // namespace ilp::gateway::api
