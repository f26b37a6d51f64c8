#pragma once
// A child process for loopback tests: the simulator, the gateway, or any other binary.
//
// stdout is piped and read line by line on a background thread (so a chatty child never blocks
// on a full pipe); stderr goes to a temporary log file so a failing test can show its tail.
// The child is killed with SIGKILL when this object is destroyed and, on Linux, when the thread
// that started it exits (PR_SET_PDEATHSIG), so a crashed test run leaves no stray servers.
// Thread-safety: every member may be called from any thread, but start/destroy on one thread.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace ilp::testing {

class ChildProcess {
 public:
  // fork/exec argv (argv[0] = path); env entries are added to (or replace entries of) the current
  // environment. Throws std::runtime_error when the process cannot be started.
  static std::unique_ptr<ChildProcess> start(
      std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> env = {});

  // Waits for a stdout line starting with `prefix` and returns the rest of the line, trimmed:
  // wait_for_line("listening on ") -> "127.0.0.1:41234". Lines seen earlier count too.
  // Throws std::runtime_error (with the stderr tail) on timeout or when stdout closes first.
  std::string wait_for_line(std::string_view prefix,
                            std::chrono::milliseconds timeout = std::chrono::seconds(20));

  std::vector<std::string> stdout_lines() const;
  std::string stderr_text() const;
  // The last `max_bytes` of stderr, for error messages.
  std::string stderr_tail(std::size_t max_bytes = 4000) const;

  void signal(int sig);
  // Exit code, or 128 + signal number when killed by a signal; nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void kill();  // SIGKILL + reap
  pid_t pid() const { return pid_; }

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

 private:
  ChildProcess() = default;
  void read_stdout();
  std::optional<int> try_reap();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::string name_;  // argv[0], for messages

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;  // guarded by mu_
  std::string partial_;             // reader thread only
  bool stdout_closed_ = false;      // guarded by mu_
  bool stop_reader_ = false;        // guarded by mu_
  std::optional<int> exit_code_;    // guarded by mu_
  std::thread reader_;
};

}  // namespace ilp::testing
