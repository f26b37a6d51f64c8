// tests/support/child_process: the launcher every loopback test relies on.

#include <catch2/catch.hpp>
#include <csignal>

#include "support/child_process.hpp"

namespace ilp::testing {

using Catch::Matchers::Contains;

TEST_CASE("ChildProcess captures stdout lines and stderr, and reports the exit code",
          "[integration][sim]") {
  auto p = ChildProcess::start(
      {"/bin/sh", "-c", "echo first; echo 'listening on  1.2.3.4:5 '; echo oops >&2; exit 3"});
  CHECK(p->wait_for_line("listening on ") == "1.2.3.4:5");
  CHECK(p->wait(std::chrono::seconds(10)) == 3);
  const auto lines = p->stdout_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "first");
  CHECK_THAT(p->stderr_text(), Contains("oops"));
  CHECK(p->wait(std::chrono::seconds(1)) == 3);  // reaped once, reported again
}

TEST_CASE("ChildProcess passes extra environment variables", "[integration][sim]") {
  auto p = ChildProcess::start({"/bin/sh", "-c", "echo value=$ILP_TEST_VAR"},
                               {{"ILP_TEST_VAR", "hello"}});
  CHECK(p->wait_for_line("value=") == "hello");
}

TEST_CASE("wait_for_line throws with the stderr tail when the child exits first",
          "[integration][sim]") {
  auto p = ChildProcess::start({"/bin/sh", "-c", "echo broken config >&2; exit 1"});
  CHECK_THROWS_WITH(p->wait_for_line("listening on ", std::chrono::seconds(10)),
                    Contains("broken config"));
}

TEST_CASE("wait_for_line times out, signals and kill stop the child", "[integration][sim]") {
  auto p = ChildProcess::start({"/bin/sleep", "30"});
  CHECK_THROWS_WITH(p->wait_for_line("never", std::chrono::milliseconds(200)),
                    Contains("timed out"));
  CHECK(!p->wait(std::chrono::milliseconds(50)).has_value());
  p->signal(SIGTERM);
  CHECK(p->wait(std::chrono::seconds(10)) == 128 + SIGTERM);

  auto q = ChildProcess::start({"/bin/sleep", "30"});
  q->kill();
  CHECK(q->wait(std::chrono::seconds(1)) == 128 + SIGKILL);
}

TEST_CASE("starting a missing binary fails visibly", "[integration][sim]") {
  auto p = ChildProcess::start({"/nonexistent/binary"});
  CHECK(p->wait(std::chrono::seconds(10)) == 127);
  CHECK_THAT(p->stderr_text(), Contains("execve failed"));
}

}  // namespace ilp::testing
