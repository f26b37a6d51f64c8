// The store holds patient data (issue 14): its SQLite files are the gateway user's alone,
// whatever the umask the service starts under.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "store_test_support.hpp"

namespace ilp::gateway::store {
namespace {

using testing::make_item;
using testing::options;
using testing::Sync;
using testing::TempDir;

// Sets the umask for one scope (process-wide: the store tests run one at a time).
class Umask {
 public:
  explicit Umask(mode_t m) : old_(::umask(m)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("a new store's .db, -wal and -shm files are created 0600 under umask 022", "[unit]") {
  Umask umask(022);
  TempDir dir;
  SqliteStore store(options(dir));
  Sync s(store);
  s.ingest(make_item("R1"));  // the WAL has content, the -shm its index
  for (const char* suffix : {"", "-wal", "-shm"}) {
    INFO("file " << dir.db() << suffix);
    CHECK(mode_of(dir.db() + suffix) == 0600);
  }
}

TEST_CASE("an existing store with files readable by others is tightened to 0600 at open",
          "[unit]") {
  Umask umask(022);
  TempDir dir;
  {
    SqliteStore store(options(dir));
    Sync(store).ingest(make_item("R1"));
  }
  // As an older gateway left them (or a restore from a backup that lost the modes).
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string p = dir.db() + suffix;
    if (!std::filesystem::exists(p)) std::ofstream(p).flush();
    REQUIRE(::chmod(p.c_str(), 0644) == 0);
  }
  SqliteStore store(options(dir));
  Sync s(store);
  s.ingest(make_item("R2"));
  for (const char* suffix : {"", "-wal", "-shm"}) {
    INFO("file " << dir.db() << suffix);
    CHECK(mode_of(dir.db() + suffix) == 0600);
  }
}

}  // namespace
}  // namespace ilp::gateway::store
