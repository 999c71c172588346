// The commit signal (issue 18 "no missed wake-up"): a shell following the database wakes
// after every commit, when the commit is visible, not only when the WAL file is written.
#include <doctest/doctest.h>

#include <thread>

#include "os/file_watch.h"
#include "store/settings.h"
#include "store_test_support.h"
#include "wal_pause_vfs.h"

using namespace std::chrono_literals;

namespace {

std::optional<std::string> read_flag(drover::store::Store& db) {
  return drover::test::must_read(db,
                                 [](drover::store::Tx& tx) { return tx.settings().get("flag"); });
}

}  // namespace

TEST_CASE(
    "commit signal: a follower that read between the WAL write and the commit becoming "
    "visible is woken again" *
    drover::test::sqlite_only()) {
  drover::test::StoreFixture f;
  drover::os::FileWatch watch(drover::store::commit_signal_path(f.db_path));
  REQUIRE(watch.active());
  drover::test::WalPauseVfs vfs;
  // The writer's connection stays open, as a runner's does: closing it would write too.
  auto w = drover::test::open_store(f.db_path, drover::store::OpenMode::existing);
  std::thread writer([&] {
    vfs.arm_this_thread();
    drover::test::must_write(
        *w, [](drover::store::Tx& tx) { return tx.settings().set_if_absent("flag", "set"); });
  });
  // The writer has written its commit frame to the WAL and not yet published it: a
  // follower woken by that write reads now and sees nothing new.
  bool paused = vfs.wait_paused(10s);
  if (paused) {
    watch.drain();
    CHECK_FALSE(read_flag(*f.db).has_value());
  }
  vfs.release();
  writer.join();
  REQUIRE(paused);
  // The commit is visible now; the follower must hear about it rather than sleep out its
  // fallback poll (this wait returned false, after the full timeout, before the fix).
  CHECK(watch.wait(3s));
  CHECK(read_flag(*f.db) == std::optional<std::string>("set"));
}

TEST_CASE("commit signal: every commit through a Store touches it, a read does not" *
          drover::test::sqlite_only()) {
  drover::test::StoreFixture f;
  drover::os::FileWatch watch(drover::store::commit_signal_path(f.db_path));
  REQUIRE(watch.active());
  (void)read_flag(*f.db);
  CHECK_FALSE(watch.wait(0ms));
  drover::test::must_write(
      *f.db, [](drover::store::Tx& tx) { return tx.settings().set_if_absent("flag", "set"); });
  CHECK(watch.wait(0ms));
}

TEST_CASE("commit signal: the WAL is still checkpointed (the hook replaces SQLite's own)" *
          drover::test::sqlite_only()) {
  drover::test::StoreFixture f;
  for (int i = 0; i < 3000; ++i)
    drover::test::must_write(*f.db, [&](drover::store::Tx& tx) {
      return tx.settings().set_if_absent("key" + std::to_string(i), "value");
    });
  // Each commit writes at least one 4 KiB page; unchecked, 3,000 of them would leave a WAL
  // of 12 MB or more. Checkpointed at 1,000 frames, it is reused from its start.
  auto wal = std::filesystem::file_size(f.db_path.string() + "-wal");
  CHECK(wal <= 1100u * (4096 + 24));
}
