// DirWatch (os/dir_watch.h): a write in the directory wakes the waiter; silence times out.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

#include "os/dir_watch.h"
#include "temp_dir.h"

using namespace std::chrono_literals;

TEST_CASE(
    "dir watch: a file written in the directory wakes wait(), once for any number of writes") {
  drover::test::TempDir dir;
  drover::os::DirWatch watch(dir.path);
  REQUIRE(watch.active());
  CHECK_FALSE(watch.wait(0ms));  // nothing yet
  for (int i = 0; i < 3; ++i) std::ofstream(dir.path / "db-wal", std::ios::app) << "commit\n";
  CHECK(watch.wait(10s));        // returns at once: the writes happened before the call
  CHECK_FALSE(watch.wait(0ms));  // coalesced: all three were drained by that one wake-up
}

TEST_CASE("dir watch: a directory that does not exist gives an inert watch that only sleeps") {
  drover::os::DirWatch watch("/nonexistent/drover-dir-watch");
  CHECK_FALSE(watch.active());
  CHECK_FALSE(watch.wait(1ms));
}
