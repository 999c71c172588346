#pragma once
// A Spawner (runner/spawner.h) whose child is not a process: its stdin, stdout and stderr
// are pipes the test holds the other ends of, its "pidfd" an eventfd the test makes
// readable when the child "exits", and its process group a flag that reacts to signals as
// the test says. Nothing is forked; the runner under test cannot tell.
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "runner/spawner.h"

namespace drover::test {

class FakeMonotonicClock final : public MonotonicClock {
 public:
  SteadyPoint now() const override { return t; }
  SteadyPoint t{};
};

class FakeSpawner final : public runner::Spawner {
 public:
  static constexpr pid_t kPid = 4'000'000;  // above pid_max: never a real process

  std::optional<Error> spawn_error;    // the next spawn fails with this
  bool identity_fails = false;         // turn.pid cannot be published
  std::optional<pid_t> identity_pgid;  // the group /proc shows for the child (default: its own)
  std::function<void(int)> on_signal;  // how the "group" reacts to a signal
  std::vector<os::SpawnRequest> spawned;
  std::vector<int> signals;  // sent to the group, in order
  int kills = 0;             // kill_and_reap calls
  bool alive = false;
  // The test's ends: what the runner wrote to stdin, and where the child's output goes.
  int child_stdin = -1, child_stdout = -1, child_stderr = -1;

  ~FakeSpawner() override {
    for (int* fd : {&child_stdin, &child_stdout, &child_stderr, &exit_fd_})
      if (*fd >= 0) ::close(*fd);
  }

  Result<os::SpawnedChild> spawn(const os::SpawnRequest& request) override {
    spawned.push_back(request);
    if (spawn_error) return *spawn_error;
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      return make_error(Errc::failed, "pipe2 failed");
    exit_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int runner_exit_fd = ::dup(exit_fd_);
    child_stdin = in[0];
    child_stdout = out[1];
    child_stderr = err[1];
    alive = true;
    return os::SpawnedChild{kPid, in[1], out[0], err[0], runner_exit_fd};
  }
  Result<os::ProcessIdentity> identity(pid_t pid) override {
    if (identity_fails) return make_error(Errc::failed, "no such process (fake)");
    return os::ProcessIdentity{pid, identity_pgid.value_or(pid), 12345, "fake-boot-id"};
  }
  std::optional<os::ExitStatus> reap(int) override { return status_; }
  void signal_group(pid_t pgid, int sig) override {
    if (pgid == kPid) signals.push_back(sig);
    if (on_signal) on_signal(sig);
  }
  bool group_alive(pid_t) override { return alive; }
  void kill_and_reap(os::SpawnedChild& child) override {
    ++kills;
    alive = false;
    os::close_child_fds(child);
  }

  void write_stdout(const std::string& text) const {
    REQUIRE(::write(child_stdout, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  // The child ends: its group is gone, its pipes close, its exit becomes visible.
  void exit(os::ExitStatus status) {
    status_ = status;
    alive = false;
    for (int* fd : {&child_stdout, &child_stderr})
      if (*fd >= 0) ::close(std::exchange(*fd, -1));
    std::uint64_t one = 1;
    REQUIRE(::write(exit_fd_, &one, sizeof one) == static_cast<ssize_t>(sizeof one));
  }
  std::string read_stdin() const {
    std::string all;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(child_stdin, buf, sizeof buf)) > 0)
      all.append(buf, static_cast<std::size_t>(n));
    return all;
  }

 private:
  int exit_fd_ = -1;
  std::optional<os::ExitStatus> status_;
};

}  // namespace drover::test
