// The record lists' query parameters are parsed strictly: a bad value is a 400 naming the
// parameter, never a silent default (issue 14).
#include <catch2/catch.hpp>

#include "gateway/api/list_query.hpp"

using namespace ilp::gateway;
using api::parse_list_query;
using api::QueryProblem;

namespace {

std::string refused(std::map<std::string, std::string> query) {
  auto r = parse_list_query(query);
  auto* p = std::get_if<QueryProblem>(&r);
  return p == nullptr ? std::string("(accepted)") : p->parameter;
}

store::ListQuery accepted(std::map<std::string, std::string> query) {
  auto r = parse_list_query(query);
  if (auto* p = std::get_if<QueryProblem>(&r))
    FAIL("refused " << p->parameter << ": " << p->text.en);
  return std::get<store::ListQuery>(r);
}

}  // namespace

TEST_CASE("list query: every parameter read exactly", "[unit][list-query]") {
  const auto q = accepted({{"facility", "pkm-a"},
                           {"status", "needs_correction"},
                           {"kind", "visit"},
                           {"since", "1750000000000"},
                           {"limit", "25"},
                           {"cursor", "1750000000000.01ARZ3NDEKTSV4RRFFQ69G5FAV"},
                           {"unrelated", "x"}});
  CHECK(q.facility == "pkm-a");
  CHECK(q.status == store::Status::kNeedsCorrection);
  CHECK(q.kind == "visit");
  CHECK(q.since_ms == 1750000000000);
  CHECK(q.limit == 25);
  CHECK(q.cursor == "1750000000000.01ARZ3NDEKTSV4RRFFQ69G5FAV");
}

TEST_CASE("list query: absent or empty parameters take the defaults", "[unit][list-query]") {
  const auto q = accepted({{"limit", ""}, {"status", ""}, {"cursor", ""}, {"since", ""}});
  CHECK(q.limit == 100);
  CHECK_FALSE(q.status);
  CHECK(q.cursor.empty());
  CHECK_FALSE(q.since_ms);
  CHECK(accepted({{"limit", "1"}}).limit == 1);
  CHECK(accepted({{"limit", "1000"}}).limit == 1000);
}

TEST_CASE("list query: a limit that is not a whole number from 1 to 1000 is refused",
          "[unit][list-query]") {
  for (const char* bad :
       {"5abc", "-1", "0", "1001", "abc", " 5", "5 ", "+5", "1e3", "5.0", "99999999999999999999"}) {
    INFO(bad);
    CHECK(refused({{"limit", bad}}) == "limit");
  }
}

TEST_CASE("list query: garbage since, cursor and status are refused, naming the parameter",
          "[unit][list-query]") {
  CHECK(refused({{"since", "yesterday"}}) == "since");
  CHECK(refused({{"since", "-5"}}) == "since");
  CHECK(refused({{"since", "17500000000001x"}}) == "since");
  CHECK(refused({{"cursor", "garbage"}}) == "cursor");
  CHECK(refused({{"cursor", "1750000000000.x"}}) == "cursor");
  CHECK(refused({{"status", "lost"}}) == "status");
  auto r = parse_list_query({{"status", "lost"}});
  const auto& p = std::get<QueryProblem>(r);
  CHECK(p.text.en.find("needs_correction") != std::string::npos);  // lists the known ones
  CHECK(p.text.id.find("Status tidak dikenal") != std::string::npos);
}
