#pragma once
// A throwaway PostgreSQL 15 cluster for tests (Debian's postgresql package): initdb into a fresh
// temporary directory, started with pg_ctl listening on a Unix socket in that directory only
// (no TCP port to collide with anything: tests on one machine never share a cluster), stopped
// and deleted when the object goes. initdb refuses to run as root, so as root the cluster runs
// as the `postgres` system user the package creates (runuser).

#include <string>

namespace ilp::testing {

class PgTestCluster {
 public:
  // Throws std::runtime_error (with the server log's tail) when the cluster cannot start.
  // Not durable by default (fsync and synchronous_commit off: a test cluster is thrown away);
  // `durable` keeps PostgreSQL's defaults, for benchmarks that compare with SQLite's fsync.
  explicit PgTestCluster(bool durable = false);
  ~PgTestCluster();
  PgTestCluster(const PgTestCluster&) = delete;
  PgTestCluster& operator=(const PgTestCluster&) = delete;

  // libpq connection string for the `postgres` database as the cluster's superuser.
  std::string conninfo() const;
  // A new, empty database; returns its connection string.
  std::string create_database(const std::string& name) const;
  // Runs a psql command against the cluster (e.g. pg_terminate_backend); returns its exit code.
  int psql(const std::string& sql) const;

 private:
  int run(const std::string& command) const;
  std::string dir_;
  std::string user_;
  std::string as_user_;  // "runuser -u postgres -- " when root, else ""
};

}  // namespace ilp::testing
