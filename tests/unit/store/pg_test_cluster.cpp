#include "pg_test_cluster.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ilp::testing {
namespace {

namespace fs = std::filesystem;

// Debian keeps the server binaries out of PATH.
std::string bin(const std::string& name) {
  const fs::path debian = fs::path("/usr/lib/postgresql/15/bin") / name;
  return fs::exists(debian) ? debian.string() : name;
}

std::string tail(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  const auto t = s.str();
  return t.size() > 2000 ? t.substr(t.size() - 2000) : t;
}

}  // namespace

PgTestCluster::PgTestCluster(bool durable) {
  char tmpl[] = "/tmp/ilp-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("running as root and there is no postgres user");
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + dir_ + " to the postgres user");
    }
    as_user_ = "runuser -u postgres -- ";
    user_ = "postgres";
  } else {
    const passwd* pw = getpwuid(geteuid());
    user_ = pw != nullptr ? pw->pw_name : "postgres";
  }
  const std::string data = dir_ + "/data";
  if (run(bin("initdb") + " -D " + data + " -U " + user_ +
          " -A trust -E UTF8 --no-locale --no-sync > " + dir_ + "/initdb.log 2>&1") != 0) {
    throw std::runtime_error("initdb failed:\n" + tail(dir_ + "/initdb.log"));
  }
  // Unix socket only, fsync off unless durable (a test cluster is thrown away), small and quick
  // to stop.
  const std::string opts =
      "-c listen_addresses='' -c unix_socket_directories=" + dir_ +
      (durable ? std::string()
               : std::string(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off")) +
      " -c max_connections=50";
  if (run(bin("pg_ctl") + " -D " + data + " -l " + dir_ + "/server.log -w -t 30 -o \"" + opts +
          "\" start > /dev/null 2>&1") != 0) {
    throw std::runtime_error("pg_ctl start failed:\n" + tail(dir_ + "/server.log"));
  }
}

PgTestCluster::~PgTestCluster() {
  run(bin("pg_ctl") + " -D " + dir_ + "/data -m immediate -w stop > /dev/null 2>&1");
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PgTestCluster::conninfo() const {
  return "host=" + dir_ + " user=" + user_ + " dbname=postgres";
}

std::string PgTestCluster::create_database(const std::string& name) const {
  if (psql("CREATE DATABASE " + name) != 0) {
    throw std::runtime_error("CREATE DATABASE " + name + " failed");
  }
  return "host=" + dir_ + " user=" + user_ + " dbname=" + name;
}

int PgTestCluster::psql(const std::string& sql) const {
  return run("psql -X -q -v ON_ERROR_STOP=1 -h " + dir_ + " -U " + user_ + " -d postgres -c \"" +
             sql + "\" > /dev/null 2>&1");
}

int PgTestCluster::run(const std::string& command) const {
  return std::system((as_user_ + command).c_str());
}

}  // namespace ilp::testing
