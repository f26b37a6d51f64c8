// The HTTP server out of file descriptors (issue 14, defect 4): accept() failing with EMFILE
// must not become a busy loop; the server sheds the pending connection with its reserve
// descriptor, pauses, and serves again once descriptors are free.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "gateway/http/client.hpp"
#include "gateway/http/server.hpp"

using namespace ilp::gateway;
namespace net = boost::asio;

namespace {

int highest_fd() {
  int high = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    high = std::max(high, std::stoi(e.path().filename().string()));
  }
  return high;
}

// In a child (only async-signal-safe calls after fork): `n` connections that each send a request
// and stay open for `hold_ms`, then close.
pid_t clients(unsigned short port, int n, int hold_ms, const rlimit& limit) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setrlimit(RLIMIT_NOFILE, &limit);  // the tight limit is the server's, not ours
  int fds[256];
  const int count = std::min(n, 256);
  static const char kReq[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < count; ++i) {
    fds[i] = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fds[i], reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      (void)!::write(fds[i], kReq, sizeof kReq - 1);
    }
  }
  timespec ts{hold_ms / 1000, (hold_ms % 1000) * 1'000'000L};
  ::nanosleep(&ts, nullptr);
  for (int i = 0; i < count; ++i) ::close(fds[i]);
  ::_exit(0);
}

}  // namespace

TEST_CASE(
    "out of descriptors the accept loop sheds and pauses instead of spinning, then serves "
    "again",
    "[unit][http][slow]") {
  net::io_context ioc;
  http::ServerLimits limits;
  limits.connections = 10'000;
  limits.connections_per_ip = 10'000;
  http::Server server(
      ioc, "test", limits,
      [](http::Request&&, http::Respond respond) {
        http::Response res{boost::beast::http::status::ok, 11};
        res.body() = "ok";
        respond(std::move(res));
      },
      [](boost::beast::http::status s, const http::Request&) {
        return http::Response{s, 11};
      });
  const auto ep = server.listen("127.0.0.1:0");
  std::thread io([&] { ioc.run(); });

  rlimit saved{};
  ::getrlimit(RLIMIT_NOFILE, &saved);
  // Fill the holes below the highest descriptor, so that the limit leaves exactly a few free.
  const int high = highest_fd();
  std::vector<int> fillers;
  for (int fd = ::open("/dev/null", O_RDONLY); fd >= 0; fd = ::open("/dev/null", O_RDONLY)) {
    fillers.push_back(fd);
    if (fd >= high) break;
  }
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(high + 1 + 6);  // room for a few connections
  ::setrlimit(RLIMIT_NOFILE, &tight);
  const pid_t child = clients(ep.port(), 60, 1500, saved);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::setrlimit(RLIMIT_NOFILE, &saved);
  for (int fd : fillers) ::close(fd);

  const auto& c = server.counters();
  CHECK(c.fd_exhausted.load() >= 1);
  // 1.5 s at EMFILE: a spinning loop fails accept() hundreds of thousands of times; pausing
  // 100 ms between tries, a few dozen at most.
  CHECK(c.accept_errors.load() < 200);
  // Descriptors are free again: the next client is served.
  http::ClientResult r;
  for (int i = 0; i < 50; ++i) {
    r = http::fetch("GET", "http://127.0.0.1:" + std::to_string(ep.port()) + "/", {}, {},
                    std::chrono::seconds(2));
    if (r.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(r.ok());
  CHECK(r.response.body() == "ok");
  server.stop();
  ioc.stop();
  io.join();
}
