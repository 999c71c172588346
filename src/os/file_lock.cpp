#include "os/file_lock.h"

#include "core/resource_errors.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

namespace drover::os {
namespace {

int flock_retrying(int fd, int op) {
  int rc;
  do {
    rc = ::flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

Error conflict_error(const std::filesystem::path& path) {
  return make_error(Errc::conflict, path.string() + " is locked by another process");
}

// True when `fd` still refers to the file at `path`: someone may have removed (and
// recreated) the lock file between our open() and flock(), leaving us a lock nobody sees.
bool still_linked(int fd, const std::filesystem::path& path) {
  struct stat by_fd {};
  struct stat by_path {};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0) return false;
  return by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

}  // namespace

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() { release(); }

void FileLock::release() {
  if (fd_ < 0) return;
  // Unlock explicitly: a forked copy of the fd must not keep the lock alive.
  flock_retrying(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

Result<FileLock> FileLock::try_acquire(const std::filesystem::path& path) {
  for (int attempt = 0;; ++attempt) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      int err = errno;
      return make_error(errc_of_errno(err),
                        "cannot open lock file " + path.string() + ": " + std::strerror(err));
    }
    if (flock_retrying(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return conflict_error(path);
      return make_error(Errc::failed, "cannot lock " + path.string() + ": " + std::strerror(err));
    }
    if (still_linked(fd, path) || attempt >= 10) return FileLock(fd);
    ::close(fd);  // locked a file that was just replaced; lock the new one
  }
}

Result<FileLock> FileLock::acquire(const std::filesystem::path& path,
                                   std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  auto backoff = std::chrono::milliseconds(1);
  for (;;) {
    auto lock = try_acquire(path);
    if (lock.ok() || lock.error().code != Errc::conflict) return lock;
    auto now = Clock::now();
    if (now >= deadline) return lock;
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    std::this_thread::sleep_for(std::min(backoff, remaining + std::chrono::milliseconds(1)));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(50));
  }
}

bool is_locked(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool locked = flock_retrying(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // drops the probe's shared lock, if it got one
  return locked;
}

}  // namespace drover::os
