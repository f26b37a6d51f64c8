// The files `serve` keeps patient data in (issue 14): the store and the pseudonym key are the
// gateway user's alone whatever the umask, and a key others can read stops the start.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE(
    "serve under umask 022 keeps the store and a new pseudonym key 0600, reuses the key "
    "and refuses one that others can read",
    "[integration]") {
  const mode_t old_umask = ::umask(022);
  // Nothing is delivered: the platform address is never called.
  GatewayFixture gw(GatewayOptions("http://127.0.0.1:9", {"delivery.enabled=false"}));
  gw.start();
  REQUIRE(gw.post_record(visit_envelope("PERM-1")).response.result_int() == 202);
  const auto key_path = (fs::path(gw.store_path()).parent_path() / "pseudonym.key").string();
  CHECK(mode_of(key_path) == 0600);
  CHECK(fs::file_size(key_path) == 32);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    INFO("file " << gw.store_path() << suffix);
    CHECK(mode_of(gw.store_path() + suffix) == 0600);
  }
  const auto key = contents(key_path);
  CHECK(gw.stop() == 0);

  gw.start();  // the same key: the stored pseudonyms stay valid
  CHECK(contents(key_path) == key);
  CHECK(gw.stop() == 0);

  REQUIRE(::chmod(key_path.c_str(), 0644) == 0);
  CHECK_THROWS(gw.start());
  const auto code = gw.process().wait(std::chrono::seconds(15));
  CHECK(code.value_or(0) != 0);
  CHECK_THAT(gw.process().stderr_text(), Catch::Contains(key_path) && Catch::Contains("chmod 600"));
  ::umask(old_umask);
}

TEST_CASE(
    "a lost pseudonym key of a store that holds records stops serve and queue naming the key, "
    "instead of silently starting over with a new one",
    "[integration]") {
  GatewayFixture gw(GatewayOptions("http://127.0.0.1:9", {"delivery.enabled=false"}));
  gw.start();
  REQUIRE(gw.post_record(visit_envelope("LOST-1")).response.result_int() == 202);
  CHECK(gw.stop() == 0);
  const auto key_path = (fs::path(gw.store_path()).parent_path() / "pseudonym.key").string();
  REQUIRE(fs::remove(key_path));

  const auto queue = gw.cli({"queue", "stats"});
  CHECK(queue.first == 3);
  CHECK_FALSE(fs::exists(key_path));

  CHECK_THROWS(gw.start());
  const auto code = gw.process().wait(std::chrono::seconds(15));
  CHECK(code.value_or(0) != 0);
  CHECK_THAT(gw.process().stderr_text(),
             Catch::Contains(key_path) && Catch::Contains("Restore the key from the backup"));
  CHECK_FALSE(fs::exists(key_path));  // nothing was made in its place
}
