// The one wording of a full disk (core/disk_full.h).
#include <doctest/doctest.h>

#include <cerrno>

#include "core/disk_full.h"

using namespace drover;

TEST_CASE("disk full: ENOSPC and EDQUOT are a full disk, other errors are not") {
  CHECK(is_disk_full_errno(ENOSPC));
  CHECK(is_disk_full_errno(EDQUOT));
  CHECK_FALSE(is_disk_full_errno(EIO));
  CHECK_FALSE(is_disk_full_errno(0));
}

TEST_CASE("disk full: one line naming the file, the free space and what to do") {
  auto e = disk_full_error("/p/.drover/drover.db", 4096);
  CHECK(e.code == Errc::failed);
  CHECK(e.message ==
        "the disk holding /p/.drover/drover.db is full (4096 bytes free): free space and retry");
  CHECK(disk_full_error("/x", std::nullopt).message ==
        "the disk holding /x is full (free space unknown): free space and retry");
  CHECK(is_disk_full_message("could not settle turn 3: " + e.message));
  CHECK_FALSE(is_disk_full_message("database /p/.drover/drover.db: disk I/O error"));
}
