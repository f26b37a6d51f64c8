// /readyz tells a load balancer or a monitor whether records are accepted AND delivered
// (issue 14, defect 3): a store that commits is not enough when delivery has stopped.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "delivery_fakes.hpp"
#include "gateway/api/admin_api.hpp"

using namespace ilp::gateway;
using namespace ilp::gateway::delivery::testing;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;

namespace {
struct AdminFixture {
  config::Holder holder{test_config()};
  MemoryStore store;
  ManualClock clock;
  Metrics metrics;
  net::io_context ioc;
  api::AdminApi admin{
      holder, store, clock, metrics, ioc.get_executor(), [] { return std::vector<std::string>{}; },
      [] {}};

  http::Response get(const std::string& target) {
    http::Request req{bhttp::verb::get, target, 11};
    std::optional<http::Response> out;
    admin.handle(std::move(req), [&](http::Response&& r) { out = std::move(r); });
    ioc.run();
    ioc.restart();
    REQUIRE(out);
    return std::move(*out);
  }
};
}  // namespace

TEST_CASE("readyz is 200 while the store commits and delivery runs", "[unit]") {
  AdminFixture f;
  f.admin.set_delivery_alive([] { return true; });
  CHECK(f.get("/readyz").result_int() == 200);
}

TEST_CASE("readyz is 503 naming the reason once delivery has stopped for good", "[unit]") {
  AdminFixture f;
  f.admin.set_delivery_alive([] { return false; });
  const auto res = f.get("/readyz");
  CHECK(res.result_int() == 503);
  CHECK(res.body().find("delivery stopped") != std::string::npos);
  CHECK(res[bhttp::field::retry_after] == "5");
}
