// End-to-end: `drover down` is never lost (SPEC §6.8), even when the supervisor's wake
// queue is full and the datagram poke cannot be delivered.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <future>

#include "os/file_lock.h"
#include "support/command.h"
#include "support/processes.h"
#include "support/project.h"

using e2e::TempProject;

namespace {

// Sends wake datagrams to the (stopped) supervisor until its socket queue refuses more.
int fill_wake_queue(const TempProject& p) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = (p.root() / ".drover/supervisor.sock").string();
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  REQUIRE(fd >= 0);
  int sent = 0;
  while (sent < 100000 &&
         ::sendto(fd, "w", 1, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 1)
    ++sent;
  int err = errno;
  ::close(fd);
  CHECK(err == EAGAIN);
  return sent;
}

}  // namespace

TEST_CASE("drover down is not lost when the supervisor's wake queue is full") {
  TempProject p;
  p.init_scripted("supervisor.shutdown_grace = \"0s\"\n");
  e2e::ok(p, {"up"});
  pid_t sup = e2e::supervisor_pid(p);
  REQUIRE(sup > 0);
  REQUIRE(::kill(sup, SIGSTOP) == 0);
  CHECK(fill_wake_queue(p) > 0);
  auto down = std::async(std::launch::async, [&p] {
    return e2e::command({"timeout", "60", e2e::drover_bin(), "down"}, e2e::with_cwd(p.root()));
  });
  bool requested = e2e::wait_until(
      [&] { return std::filesystem::exists(p.root() / ".drover/supervisor.down"); });
  REQUIRE(::kill(sup, SIGCONT) == 0);
  CHECK(requested);
  auto r = down.get();
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(e2e::contains(r.out, "supervisor stopped"));
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/supervisor.down"));  // handled, gone
}

TEST_CASE("a shutdown request left for an earlier supervisor does not stop the next one") {
  TempProject p;
  p.init_scripted();
  e2e::write_text(p.root() / ".drover/supervisor.down", "999999 now\n");
  e2e::ok(p, {"up"});
  // The supervisor drops the stale request at its first wake-up or poll, and keeps running.
  CHECK(e2e::wait_until(
      [&] { return !std::filesystem::exists(p.root() / ".drover/supervisor.down"); }));
  CHECK(e2e::ok(p, {"status", "--json"}).json()["supervisor"]["running"] == true);
}

TEST_CASE("a supervisor whose database is deleted under it stops, saying why") {
  if (e2e::skip_on_postgresql("about deleting the SQLite file drover.db")) return;
  TempProject p;
  p.init_scripted("supervisor.poll_interval = \"100ms\"\n");
  e2e::ok(p, {"up"});
  REQUIRE(e2e::supervisor_pid(p) > 0);
  std::filesystem::remove(p.root() / ".drover/drover.db");
  CHECK(e2e::wait_until([&] { return !drover::os::is_locked(e2e::supervisor_lock(p)); }));
  CHECK(e2e::contains(e2e::read_text(p.root() / ".drover/logs/supervisor.log"),
                      "was removed or replaced while the supervisor ran"));
}
