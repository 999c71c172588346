// raise_fd_limit (os/daemon.h): the supervisor's open-file limit.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <algorithm>

#include "os/daemon.h"

TEST_CASE(
    "raise_fd_limit: the soft limit becomes the hard limit, capped at 65536, and is reported") {
  rlimit before{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
  long now = drover::os::raise_fd_limit();
  rlimit after{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &after) == 0);
  CHECK(now == static_cast<long>(after.rlim_cur));
  rlim_t want = before.rlim_max == RLIM_INFINITY ? 65536 : std::min<rlim_t>(before.rlim_max, 65536);
  CHECK(after.rlim_cur == std::max(before.rlim_cur, want));
  CHECK(after.rlim_max == before.rlim_max);  // the hard limit is never touched
}
