// The report a detached supervisor sends back when it cannot start (cli/wake.h).
#include <doctest/doctest.h>

#include "cli/wake.h"

using namespace drover;

TEST_CASE("wake: a start failure travels as its code and message, and comes back the same") {
  Error e = make_error(Errc::conflict, "a supervisor is already running (pid 7)");
  Error back = cli::start_failure_from_report(cli::start_failure_report(e) + "\n", "", "/l/s.log");
  CHECK(back.code == Errc::conflict);
  CHECK(back.message == e.message);
  back = cli::start_failure_from_report(
      cli::start_failure_report(make_error(Errc::failed, "the disk holding /p is full")), "", "");
  CHECK(back.code == Errc::failed);
  CHECK(back.message == "the disk holding /p is full");
}

TEST_CASE("wake: a supervisor that exits without a word is reported with its exit status") {
  Error e =
      cli::start_failure_from_report("", "killed by SIGSEGV", "/p/.drover/logs/supervisor.log");
  CHECK(e.code == Errc::failed);
  CHECK(e.message ==
        "the supervisor exited at once (killed by SIGSEGV) without saying why (see "
        "/p/.drover/logs/supervisor.log)");
  CHECK(cli::start_failure_from_report("garbage", "exit status 1", "l").code == Errc::failed);
}
