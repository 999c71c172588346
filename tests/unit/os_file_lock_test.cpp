#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <thread>

#include "os/file_lock.h"
#include "temp_dir.h"
#include "wait_for.h"

using namespace drover;
using namespace drover::os;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

namespace {

using drover::test::TempDir;

using drover::test::wait_until;

// Reaps `pid`, killing it if it has not exited within `limit` (then nullopt).
std::optional<int> reap_or_kill(pid_t pid, seconds limit) {
  if (auto status = drover::test::wait_exit(pid, limit)) return status;
  int status = 0;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return std::nullopt;
}

// Runs `body` in a forked child and returns its exit code (-1 if it did not exit).
int in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(body());
  auto status = reap_or_kill(pid, seconds(20));
  if (!status || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

}  // namespace

TEST_CASE("try_acquire creates the file with mode 0600 and holds it") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  auto lock = FileLock::try_acquire(path);
  REQUIRE(lock.ok());
  CHECK(lock->held());
  CHECK(lock->fd() >= 0);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("the lock fd is close-on-exec") {
  TempDir dir;
  auto lock = FileLock::try_acquire(dir.path / "turn.lock");
  REQUIRE(lock.ok());
  int flags = ::fcntl(lock->fd(), F_GETFD);
  REQUIRE(flags >= 0);
  CHECK((flags & FD_CLOEXEC) != 0);
}

TEST_CASE("a second FileLock in the same process conflicts") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  auto first = FileLock::try_acquire(path);
  REQUIRE(first.ok());
  auto second = FileLock::try_acquire(path);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == Errc::conflict);
  CHECK(second.error().message == path.string() + " is locked by another process");
}

TEST_CASE("another process conflicts while we hold the lock") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  auto lock = FileLock::try_acquire(path);
  REQUIRE(lock.ok());
  int code = in_child([&] {
    auto other = FileLock::try_acquire(path);
    if (other.ok()) return 1;
    return other.error().code == Errc::conflict ? 0 : 2;
  });
  CHECK(code == 0);
  // The child's exit (and its copy of our fd) did not drop our lock.
  CHECK(lock->held());
  CHECK(is_locked(path));
}

TEST_CASE("release() and destruction free the lock") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  {
    auto lock = FileLock::try_acquire(path);
    REQUIRE(lock.ok());
    lock->release();
    CHECK_FALSE(lock->held());
    CHECK(lock->fd() == -1);
    lock->release();  // twice is harmless
    auto again = FileLock::try_acquire(path);
    REQUIRE(again.ok());
  }  // `again` destroyed here
  auto after = FileLock::try_acquire(path);
  CHECK(after.ok());
}

TEST_CASE("release() frees the lock even when a forked child still has the fd") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  auto lock = FileLock::try_acquire(path);
  REQUIRE(lock.ok());
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // keeps its inherited copy of the lock fd open until killed
    for (;;) ::pause();
  }
  lock->release();
  CHECK_FALSE(is_locked(path));
  CHECK(FileLock::try_acquire(path).ok());
  ::kill(pid, SIGKILL);
  (void)reap_or_kill(pid, seconds(10));
}

TEST_CASE("the kernel drops the lock when the holder dies") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  int ready[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    auto lock = FileLock::try_acquire(path);
    char c = lock.ok() ? 'y' : 'n';
    (void)::write(ready[1], &c, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  REQUIRE(c == 'y');
  CHECK(is_locked(path));
  CHECK_FALSE(FileLock::try_acquire(path).ok());
  ::kill(pid, SIGKILL);
  REQUIRE(reap_or_kill(pid, seconds(10)).has_value());
  CHECK_FALSE(is_locked(path));
  CHECK(FileLock::try_acquire(path).ok());
}

TEST_CASE("move construction and assignment transfer the lock") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  auto lock = FileLock::try_acquire(path);
  REQUIRE(lock.ok());
  FileLock moved(std::move(lock.value()));
  CHECK(moved.held());
  CHECK_FALSE(lock->held());
  FileLock assigned;
  CHECK_FALSE(assigned.held());
  assigned = std::move(moved);
  CHECK(assigned.held());
  CHECK_FALSE(moved.held());
  CHECK(is_locked(path));
  assigned = FileLock();  // assigning over a held lock releases it
  CHECK_FALSE(is_locked(path));
}

TEST_CASE("acquire() times out with conflict while the lock stays held") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  auto holder = FileLock::try_acquire(path);
  REQUIRE(holder.ok());
  auto start = Clock::now();
  auto waited = FileLock::acquire(path, milliseconds(200));
  auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(waited.ok());
  CHECK(waited.error().code == Errc::conflict);
  CHECK(waited.error().message == path.string() + " is locked by another process");
  CHECK(elapsed >= milliseconds(200));

  auto zero = FileLock::acquire(path, milliseconds(0));
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().code == Errc::conflict);
}

TEST_CASE("acquire() succeeds when another thread releases the lock meanwhile") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  auto holder = FileLock::try_acquire(path);
  REQUIRE(holder.ok());
  std::atomic<bool> released{false};
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(100));
    holder->release();
    released = true;
  });
  auto waited = FileLock::acquire(path, milliseconds(20000));
  releaser.join();
  REQUIRE(waited.ok());
  CHECK(released.load());
  CHECK(waited->held());
}

TEST_CASE("acquire() of a free lock succeeds at once") {
  TempDir dir;
  auto lock = FileLock::acquire(dir.path / "turn.lock", milliseconds(0));
  CHECK(lock.ok());
}

TEST_CASE("is_locked: missing, free, held, released") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  CHECK_FALSE(is_locked(path));
  CHECK_FALSE(fs::exists(path));  // probing does not create the file
  {
    auto lock = FileLock::try_acquire(path);
    REQUIRE(lock.ok());
    CHECK(is_locked(path));
    CHECK(is_locked(path));  // probing does not disturb the holder
    CHECK(lock->held());
  }
  CHECK(fs::exists(path));
  CHECK_FALSE(is_locked(path));
  // The probe's own shared lock is gone afterwards.
  CHECK(FileLock::try_acquire(path).ok());
}

TEST_CASE("try_acquire in a missing directory fails with the path") {
  TempDir dir;
  auto path = dir.path / "missing" / "turn.lock";
  auto lock = FileLock::try_acquire(path);
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.error().code == Errc::failed);
  CHECK(lock.error().message.find(path.string()) != std::string::npos);
  auto waited = FileLock::acquire(path, milliseconds(1000));
  REQUIRE_FALSE(waited.ok());
  CHECK(waited.error().code == Errc::failed);
}

TEST_CASE("a lock file replaced while held is not shared") {
  TempDir dir;
  auto path = dir.path / "turn.lock";
  auto first = FileLock::try_acquire(path);
  REQUIRE(first.ok());
  REQUIRE(fs::remove(path));
  auto second = FileLock::try_acquire(path);  // a new file: a new, free lock
  REQUIRE(second.ok());
  CHECK(is_locked(path));
}
