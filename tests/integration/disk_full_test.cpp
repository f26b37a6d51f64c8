// Disk full (issue 7, graceful degradation): the store's disk fills up → ingest answers 503 with
// Retry-After and nothing half-written, /readyz fails; space comes back → the gateway accepts
// again by itself, without a restart. The store lives on a small tmpfs made for the test (the
// suite runs as root on the project's machines; mounting needs it).
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;

namespace {

namespace fs = std::filesystem;

// A 8 MiB tmpfs, unmounted with the object.
struct SmallDisk {
  fs::path dir;
  SmallDisk() {
    dir = fs::temp_directory_path() / ("ilp-small-disk-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const int rc = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=8m");
    INFO("mounting a tmpfs needs root: run the suite as root (scripts/test does on CI)");
    REQUIRE(rc == 0);
  }
  ~SmallDisk() {
    ::umount2(dir.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  // Fills the disk but `leave` bytes with a ballast file; returns its path.
  fs::path fill(std::uintmax_t leave) const {
    const auto ballast = dir / "ballast";
    const auto free = fs::space(dir).available;
    std::ofstream f(ballast, std::ios::binary);
    const std::string chunk(64 * 1024, 'x');
    for (std::uintmax_t written = 0; written + leave < free; written += chunk.size()) {
      f.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      if (!f) break;
    }
    return ballast;
  }
};

}  // namespace

TEST_CASE("a full disk answers 503 with Retry-After, fails /readyz, and recovers by itself",
          "[integration][diskfull]") {
  SmallDisk disk;
  SimFixture sim;
  GatewayOptions opts(sim.base_url(), {"delivery.enabled=false"});
  opts.store_dir = disk.dir.string();
  GatewayFixture gw(opts);
  REQUIRE(accepted_id(gw.post_record(visit_envelope("DF-0"))).size() > 0);

  const auto ballast = disk.fill(256 * 1024);
  std::vector<std::string> acknowledged;
  int first_refusal = -1;
  for (int i = 1; i <= 2000 && first_refusal < 0; ++i) {
    const auto r = gw.post_record(visit_envelope("DF-" + std::to_string(i)));
    const int code = r.response.result_int();
    if (code == 202) {
      acknowledged.push_back(parse_json(r.response.body())["id"].GetString());
    } else {
      REQUIRE(code == 503);
      CHECK(r.response[boost::beast::http::field::retry_after] != "");
      CHECK(r.response.body().find("OperationOutcome") != std::string::npos);
      first_refusal = i;
    }
  }
  REQUIRE(first_refusal > 0);  // the disk did fill up
  CHECK(gw.admin("GET", "/readyz").response.result_int() == 503);
  // Every acknowledged record is intact; the refused one is not half there.
  for (const auto& id : acknowledged) {
    CHECK(gw.get_record(id).response.result_int() == 200);
  }

  // Space comes back: no restart, the next record is accepted.
  std::filesystem::remove(ballast);
  const auto again = gw.post_record(visit_envelope("DF-" + std::to_string(first_refusal)));
  CHECK(again.response.result_int() == 202);
  CHECK(gw.admin("GET", "/readyz").response.result_int() == 200);
}

// Defect 5 of issue 14: after the first recovery /readyz said 200 on a full disk (its probe
// rewrote a row whose room the file already had). It must follow the disk every time.
TEST_CASE("readyz follows the disk each time: full 503, freed 200, full again 503",
          "[integration][diskfull]") {
  SmallDisk disk;
  SimFixture sim;
  GatewayOptions opts(sim.base_url(), {"delivery.enabled=false"});
  opts.store_dir = disk.dir.string();
  GatewayFixture gw(opts);
  int next = 0;
  // Fills the disk, then sends records until one is refused (bounded); true if one was.
  auto fill_until_refused = [&] {
    const auto ballast = disk.fill(256 * 1024);
    for (int i = 0; i < 2000; ++i) {
      const auto r = gw.post_record(visit_envelope("RZ-" + std::to_string(next++)));
      if (r.response.result_int() == 503) return ballast;
      REQUIRE(r.response.result_int() == 202);
    }
    FAIL("the disk never filled up");
    return ballast;
  };
  REQUIRE(gw.admin("GET", "/readyz").response.result_int() == 200);

  for (int round = 1; round <= 2; ++round) {
    INFO("round " << round);
    const auto ballast = fill_until_refused();
    const auto full = gw.admin("GET", "/readyz");
    CHECK(full.response.result_int() == 503);
    CHECK(full.response.body().find("store not writable") != std::string::npos);
    std::filesystem::remove(ballast);
    // Freed: ready again before any record arrives (a balancer sends none while it is 503).
    CHECK(gw.admin("GET", "/readyz").response.result_int() == 200);
    CHECK(gw.post_record(visit_envelope("RZ-" + std::to_string(next++))).response.result_int() ==
          202);
  }
  // Probing writes next to nothing: a hundred probes leave the free space where it was, give or
  // take a few pages (the old probe rewrote 256 KiB each time).
  const auto before = std::filesystem::space(disk.dir).available;
  for (int i = 0; i < 100; ++i) REQUIRE(gw.admin("GET", "/readyz").response.result_int() == 200);
  const auto after = std::filesystem::space(disk.dir).available;
  CHECK(before - std::min(before, after) <= 64 * 1024);
}
