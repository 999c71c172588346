// FileWatch (os/file_watch.h): touching the file wakes the waiter; silence times out.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

#include "os/file_watch.h"
#include "os/files.h"
#include "temp_dir.h"

using namespace std::chrono_literals;

TEST_CASE("file watch: touching the file wakes wait(), once for any number of touches") {
  drover::test::TempDir dir;
  auto file = dir.path / "drover.db-changed";
  drover::os::FileWatch watch(file);
  REQUIRE(watch.active());
  CHECK(std::filesystem::exists(file));  // created by the watch: nobody had touched it yet
  CHECK_FALSE(watch.wait(0ms));          // nothing yet
  for (int i = 0; i < 3; ++i) CHECK(drover::os::touch(file));
  CHECK(watch.wait(10s));        // returns at once: the touches happened before the call
  CHECK_FALSE(watch.wait(0ms));  // coalesced: all three were drained by that one wake-up
}

TEST_CASE("file watch: writes to other files in the directory do not wake it") {
  drover::test::TempDir dir;
  drover::os::FileWatch watch(dir.path / "drover.db-changed");
  REQUIRE(watch.active());
  std::ofstream(dir.path / "drover.db-wal", std::ios::app) << "frame\n";
  CHECK_FALSE(watch.wait(0ms));
}

TEST_CASE("file watch: touch creates a missing file, mode 0600") {
  drover::test::TempDir dir;
  auto file = dir.path / "signal";
  CHECK(drover::os::touch(file));
  auto perms = std::filesystem::status(file).permissions();
  CHECK((perms & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}

TEST_CASE("file watch: a file that cannot be created gives an inert watch that only sleeps") {
  drover::os::FileWatch watch("/nonexistent/drover-dir/signal");
  CHECK_FALSE(watch.active());
  CHECK_FALSE(watch.wait(1ms));
}
