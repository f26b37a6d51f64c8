#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace ilp::testing {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Decodes a waitpid status the way shells do.
int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::start(
    std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> env) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess::start: empty argv");
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->name_ = argv[0];

  // Everything the child needs is prepared before fork: after fork only async-signal-safe
  // calls are allowed, because the test process has other threads.
  std::map<std::string, std::string> env_map;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env_map[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  for (auto& [k, v] : env) env_map[k] = v;
  std::vector<std::string> env_strings;
  env_strings.reserve(env_map.size());
  for (const auto& [k, v] : env_map) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  char tmpl[] = "/tmp/ilp-child-XXXXXX.log";
  const int err_fd = ::mkstemps(tmpl, 4);
  if (err_fd < 0) throw std::runtime_error(errno_text("mkstemps"));
  child->stderr_path_ = tmpl;
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out_pipe[2];
  if (null_fd < 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(err_fd);
    if (null_fd >= 0) ::close(null_fd);
    throw std::runtime_error(errno_text("pipe"));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(err_fd);
    ::close(null_fd);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error(errno_text("fork"));
  }
  if (pid == 0) {
    // Child: die with the parent so an aborted test run leaves no server behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execve(args[0], args.data(), envp.data());
    static constexpr char kMsg[] = "ChildProcess: execve failed\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    ::_exit(127);
  }
  ::close(err_fd);
  ::close(null_fd);
  ::close(out_pipe[1]);
  child->pid_ = pid;
  child->stdout_fd_ = out_pipe[0];
  child->reader_ = std::thread([c = child.get()] { c->read_stdout(); });
  return child;
}

void ChildProcess::read_stdout() {
  char buf[4096];
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_reader_) break;
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    const int r = ::poll(&pfd, 1, 100);  // wakes up to notice stop_reader_
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    const auto n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial_.append(buf, static_cast<std::size_t>(n));
    std::vector<std::string> complete;
    std::size_t nl;
    while ((nl = partial_.find('\n')) != std::string::npos) {
      complete.push_back(partial_.substr(0, nl));
      partial_.erase(0, nl + 1);
    }
    if (!complete.empty()) {
      std::lock_guard lock(mu_);
      for (auto& l : complete) lines_.push_back(std::move(l));
      cv_.notify_all();
    }
  }
  std::lock_guard lock(mu_);
  if (!partial_.empty()) lines_.push_back(std::move(partial_));
  stdout_closed_ = true;
  cv_.notify_all();
}

std::string ChildProcess::wait_for_line(std::string_view prefix,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  std::size_t checked = 0;
  for (;;) {
    for (; checked < lines_.size(); ++checked) {
      if (lines_[checked].rfind(prefix, 0) == 0) {
        return trim(std::string_view(lines_[checked]).substr(prefix.size()));
      }
    }
    if (stdout_closed_) break;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
  }
  const bool closed = stdout_closed_;
  lock.unlock();
  throw std::runtime_error(name_ + ": no stdout line starting with \"" + std::string(prefix) +
                           "\" (" + (closed ? "stdout closed" : "timed out") + "); stderr tail:\n" +
                           stderr_tail());
}

std::vector<std::string> ChildProcess::stdout_lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

std::string ChildProcess::stderr_text() const {
  std::ifstream in(stderr_path_, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ChildProcess::stderr_tail(std::size_t max_bytes) const {
  auto text = stderr_text();
  if (text.size() > max_bytes) text.erase(0, text.size() - max_bytes);
  return text;
}

void ChildProcess::signal(int sig) {
  std::lock_guard lock(mu_);
  if (!exit_code_ && pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::try_reap() {
  std::lock_guard lock(mu_);
  if (exit_code_) return exit_code_;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) exit_code_ = exit_code_of(status);
  return exit_code_;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto code = try_reap()) {
      // The child is gone, but its last output may still sit in the pipe: let the reader reach
      // end-of-file so stdout_lines() is complete when wait() returns.
      std::unique_lock lock(mu_);
      cv_.wait_until(lock,
                     std::max(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)),
                     [this] { return stdout_closed_; });
      return code;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void ChildProcess::kill() {
  {
    std::lock_guard lock(mu_);
    if (exit_code_ || pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exit_code_ = exit_code_of(status);
  }
}

ChildProcess::~ChildProcess() {
  kill();
  {
    std::lock_guard lock(mu_);
    stop_reader_ = true;
  }
  if (reader_.joinable()) reader_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (std::getenv("ILP_KEEP_CHILD_LOGS") == nullptr) ::unlink(stderr_path_.c_str());
}

}  // namespace ilp::testing
