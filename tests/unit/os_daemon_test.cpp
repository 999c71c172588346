// raise_fd_limit (os/daemon.h): the supervisor's open-file limit.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <algorithm>

#include "os/daemon.h"

TEST_CASE("raise_fd_limit: the soft limit becomes the hard limit, and both are reported") {
  rlimit before{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
  REQUIRE(before.rlim_max != RLIM_INFINITY);  // Linux caps it at nr_open
  // Start below the hard limit, as a shell with `ulimit -Sn 64` would leave it.
  rlimit low = before;
  low.rlim_cur = std::min<rlim_t>(64, before.rlim_max);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  auto lim = drover::os::raise_fd_limit();
  rlimit after{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &after) == 0);
  CHECK(lim.before == static_cast<long>(low.rlim_cur));
  CHECK(lim.now == static_cast<long>(after.rlim_cur));
  CHECK(lim.hard == static_cast<long>(before.rlim_max));
  CHECK(after.rlim_cur == before.rlim_max);  // not capped below the hard limit
  CHECK(after.rlim_max == before.rlim_max);  // the hard limit is never touched
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &before) == 0);
}
