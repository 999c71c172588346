#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "os/clone_vfork.h"

using namespace drover;

namespace {

// What the child saw, written into the parent's memory (the child shares it).
struct Seen {
  bool ran = false;
  bool all_blocked = false;
  pid_t pid = 0;
};

__attribute__((no_sanitize_address)) void record_and_exit(void* p) {
  auto* seen = static_cast<Seen*>(p);
  sigset_t mask;
  ::sigprocmask(SIG_SETMASK, nullptr, &mask);
  seen->all_blocked = sigismember(&mask, SIGTERM) == 1 && sigismember(&mask, SIGCHLD) == 1 &&
                      sigismember(&mask, SIGUSR1) == 1;
  seen->pid = ::getpid();
  seen->ran = true;
  ::_exit(7);
}

}  // namespace

TEST_CASE(
    "clone3_vfork: the child shares our memory and we resume only after it has exited, with "
    "our signal mask as it was") {
  sigset_t before, after, one;
  sigemptyset(&one);
  sigaddset(&one, SIGUSR2);
  ::sigprocmask(SIG_BLOCK, &one, &before);
  ::sigprocmask(SIG_SETMASK, nullptr, &before);
  Seen seen;
  clone_args args{};
  args.exit_signal = SIGCHLD;
  long pid = os::clone3_vfork(args, record_and_exit, &seen);
  REQUIRE(pid > 0);
  // A copy of us (fork) would have written these into its own memory, not ours.
  CHECK(seen.ran);
  CHECK(seen.pid == pid);
  CHECK(seen.all_blocked);
  int status = 0;
  REQUIRE(::waitpid(static_cast<pid_t>(pid), &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
  ::sigprocmask(SIG_SETMASK, nullptr, &after);
  CHECK(sigismember(&after, SIGUSR2) == 1);
  CHECK(sigismember(&after, SIGTERM) == sigismember(&before, SIGTERM));
  CHECK(sigismember(&after, SIGCHLD) == sigismember(&before, SIGCHLD));
  ::sigprocmask(SIG_UNBLOCK, &one, nullptr);
}

TEST_CASE("clone3_vfork: a refused clone creates nothing and says why in errno") {
  clone_args args{};
  args.exit_signal = SIGCHLD;
  args.flags = CLONE_INTO_CGROUP;
  args.cgroup = 1U << 20;  // no such descriptor
  Seen seen;
  errno = 0;
  CHECK(os::clone3_vfork(args, record_and_exit, &seen) == -1);
  CHECK(errno == EBADF);
  CHECK_FALSE(seen.ran);
}
