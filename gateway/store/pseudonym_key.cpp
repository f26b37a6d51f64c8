#include "gateway/store/pseudonym_key.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "gateway/store/sqlite_schema.hpp"

namespace ilp::gateway::store {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw std::runtime_error("store: pseudonym key '" + path + "': " + why);
}

std::string errno_text() { return std::strerror(errno); }

mappers::PseudonymKey random_key(const std::string& path) {
  mappers::PseudonymKey k{};
  if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) {
    fail(path, "no random bytes from OpenSSL");
  }
  return k;
}

// nullopt: there is no file at `path`.
std::optional<mappers::PseudonymKey> read_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail(path, "cannot be read: " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const auto why = errno_text();
    ::close(fd);
    fail(path, "cannot be read: " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    fail(path, "is readable by other users (mode " + std::to_string((st.st_mode >> 6) & 7) +
                   std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) +
                   "); only the gateway's user may read it: chmod 600 '" + path + "'");
  }
  if (st.st_size != static_cast<off_t>(mappers::kPseudonymKeyBytes)) {
    ::close(fd);
    fail(path, "must be exactly " + std::to_string(mappers::kPseudonymKeyBytes) + " bytes, found " +
                   std::to_string(st.st_size) +
                   " (damaged? restore it from the backup of the store)");
  }
  mappers::PseudonymKey k{};
  std::size_t got = 0;
  while (got < k.size()) {
    const auto n = ::read(fd, k.data() + got, k.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const auto why = n < 0 ? errno_text() : std::string("short read");
      ::close(fd);
      fail(path, "cannot be read: " + why);
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return k;
}

void write_all(int fd, const unsigned char* p, std::size_t n) {
  while (n > 0) {
    const auto w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw std::system_error(errno, std::generic_category());
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// false: another process created the file first.
bool create_key(const std::string& path, const mappers::PseudonymKey& k) {
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail(path, "cannot create folder '" + dir.string() + "': " + ec.message());
  }
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // mode 0600 whatever the umask
  if (fd < 0) fail(path, "cannot be created: " + errno_text());
  try {
    if (::fchmod(fd, 0600) != 0) throw std::system_error(errno, std::generic_category());
    write_all(fd, k.data(), k.size());
    if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category());
  } catch (const std::system_error& e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, std::string("cannot be written: ") + e.code().message());
  }
  ::close(fd);
  // link(), not rename(): it never replaces a key another process has just put there.
  const int rc = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (link_errno == EEXIST) return false;
    errno = link_errno;
    fail(path, "cannot be created: " + errno_text());
  }
  const int dfd =
      ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);  // the name
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace

PseudonymKeyFile open_pseudonym_key(const std::string& path) {
  PseudonymKeyFile out;
  if (path.empty()) {
    out.key = random_key("(in memory)");
    out.created = true;
    return out;
  }
  if (auto k = read_key(path)) {
    out.key = *k;
    return out;
  }
  const auto fresh = random_key(path);
  if (create_key(path, fresh)) {
    out.key = fresh;
    out.created = true;
    return out;
  }
  if (auto k = read_key(path)) {
    out.key = *k;
    return out;
  }
  fail(path, "vanished while it was being created");
}

PseudonymKeyFile open_store_pseudonym_key(const std::string& key_path,
                                          const std::string& sqlite_path) {
  if (!key_path.empty() && sqlite_path != ":memory:") {
    struct stat st {};
    const bool key_missing = ::stat(key_path.c_str(), &st) != 0 && errno == ENOENT;
    if (key_missing && holds_pseudonymised_records(sqlite_path)) {
      fail(key_path,
           "is missing, but the store '" + sqlite_path +
               "' holds records pseudonymised with it. Restore the key from the backup of the "
               "store. Only if no backup exists, create a new key on purpose (per-patient order "
               "of queued records and the NIK to IHS cache start over): umask 077 && head -c 32 "
               "/dev/urandom > '" +
               key_path + "'");
    }
  }
  return open_pseudonym_key(key_path);
}

}  // namespace ilp::gateway::store
