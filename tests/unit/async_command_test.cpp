// A command run beside the loop (runner/async_command.h), with real processes: its output
// and exit code, its deadline, and a spawn failure reported from the loop.
#include <doctest/doctest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "runner/async_command.h"
#include "temp_dir.h"
#include "wait_for.h"

using namespace drover;

namespace {

// Runs `argv` on a fresh loop to its end; what done() got, and whether it was called
// before the loop ran.
struct AsyncRun {
  std::optional<Result<os::CommandOutput>> got;
  bool called_inline = false;
};

AsyncRun async_run(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  boost::asio::io_context io;
  AsyncRun r;
  os::SpawnRequest req;
  req.argv = std::move(argv);
  runner::run_command_async(io.get_executor(), req, timeout,
                            [&](Result<os::CommandOutput> out) { r.got.emplace(std::move(out)); });
  r.called_inline = r.got.has_value();
  io.run();
  return r;
}

// The process whose pid the command wrote to `pid_file` ends: gone, or a zombie waiting
// for init to reap it.
void check_child_dies(const std::filesystem::path& pid_file) {
  std::ifstream in(pid_file);
  pid_t child = 0;
  REQUIRE(static_cast<bool>(in >> child));
  auto dead = [&] {
    if (::kill(child, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid, comm, state;
    return !(stat >> pid >> comm >> state) || state == "Z";
  };
  CHECK(test::wait_until(dead, std::chrono::seconds(10)));
}

}  // namespace

TEST_CASE("async command: output, error output and exit code are collected") {
  auto r = async_run({"sh", "-c", "echo out; echo err >&2; exit 3"}, std::chrono::seconds(10));
  CHECK_FALSE(r.called_inline);
  REQUIRE(r.got.has_value());
  REQUIRE(r.got->ok());
  CHECK((*r.got)->exit_code == 3);
  CHECK((*r.got)->out == "out\n");
  CHECK((*r.got)->err == "err\n");
}

TEST_CASE("async command: past its deadline its whole group is killed and it is a failure") {
  // The shell's child is in its group: it is killed too, not left holding the pipes.
  test::TempDir dir;
  const auto pid_file = dir.path / "child.pid";
  auto r = async_run({"sh", "-c", "sleep 30 & echo $! > " + pid_file.string() + "; sleep 30"},
                     std::chrono::milliseconds(100));
  REQUIRE(r.got.has_value());
  REQUIRE_FALSE(r.got->ok());
  CHECK(r.got->error().code == Errc::failed);
  CHECK(r.got->error().message == "timed out after 100ms");
  check_child_dies(pid_file);
}

TEST_CASE("async command: a command that cannot start is reported from the loop") {
  auto r = async_run({"/nonexistent/drover-no-such-command"}, std::chrono::seconds(10));
  CHECK_FALSE(r.called_inline);
  REQUIRE(r.got.has_value());
  REQUIRE_FALSE(r.got->ok());
  CHECK(r.got->error().code == Errc::not_found);
}

TEST_CASE("async command: pipes held open by a process outside its group are not waited for") {
  // The command exits at once; the daemon it leaves (a session of its own) keeps stdout.
  auto r = async_run({"sh", "-c", "setsid sleep 30 & echo $!"}, std::chrono::milliseconds(200));
  REQUIRE(r.got.has_value());
  REQUIRE(r.got->ok());
  CHECK((*r.got)->exit_code == 0);
  const pid_t daemon = static_cast<pid_t>(std::stol((*r.got)->out));
  REQUIRE(daemon > 0);
  // It was not waited for: it still runs.
  CHECK(::kill(daemon, 0) == 0);
  ::kill(daemon, SIGKILL);
}

TEST_CASE(
    "async command: a cancel kills its group at once and says why, and after the end it does "
    "nothing") {
  test::TempDir dir;
  const auto pid_file = dir.path / "child.pid";
  boost::asio::io_context io;
  std::optional<Result<os::CommandOutput>> got;
  os::SpawnRequest req;
  req.argv = {"sh", "-c", "sleep 30 & echo $! > " + pid_file.string() + "; sleep 30"};
  auto handle = runner::run_command_async(
      io.get_executor(), req, std::chrono::seconds(60),
      [&](Result<os::CommandOutput> out) { got.emplace(std::move(out)); });
  REQUIRE(handle);
  // Cancelled once the shell has started its child, long before the 60 s deadline.
  boost::asio::steady_timer poll(io);
  std::function<void()> wait_for_child = [&] {
    if (std::filesystem::exists(pid_file) && std::filesystem::file_size(pid_file) > 0)
      return handle->cancel("the test is done with it");
    poll.expires_after(std::chrono::milliseconds(5));
    poll.async_wait([&](boost::system::error_code) { wait_for_child(); });
  };
  wait_for_child();
  io.run();
  REQUIRE(got.has_value());
  REQUIRE_FALSE(got->ok());
  CHECK(got->error().code == Errc::failed);
  CHECK(got->error().message == "stopped: the test is done with it");
  check_child_dies(pid_file);
  // After done(): nothing more happens.
  handle->cancel("again");
  io.restart();
  io.run();
  CHECK(got->error().message == "stopped: the test is done with it");
}
