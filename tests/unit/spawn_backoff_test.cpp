// core/spawn_backoff.h and core/resource_errors.h: waiting out a passing shortage.
#include <doctest/doctest.h>

#include <cerrno>

#include "core/resource_errors.h"
#include "core/spawn_backoff.h"

using namespace drover;
using std::chrono::milliseconds;

TEST_CASE("resource errors: EAGAIN, EMFILE, ENFILE and ENOMEM are shortages, nothing else") {
  for (int e : {EAGAIN, EWOULDBLOCK, EMFILE, ENFILE, ENOMEM}) {
    CHECK(is_resource_shortage(e));
    CHECK(errc_of_errno(e) == Errc::resource);
  }
  for (int e : {0, ENOENT, EACCES, EPERM, ENOEXEC, ENOTDIR, EINVAL, ENOSPC, EIO, E2BIG}) {
    CHECK_FALSE(is_resource_shortage(e));
    CHECK(errc_of_errno(e) == Errc::failed);
  }
  CHECK(errc_of_errno(EACCES, Errc::project) == Errc::project);
  CHECK(errc_of_errno(EMFILE, Errc::project) == Errc::resource);
}

TEST_CASE("spawn backoff: without a shortage starts run at the configured limit") {
  SpawnBackoff b(8);
  SteadyPoint t0{};
  CHECK(b.limit() == 8);
  CHECK(b.may_start(t0));
  CHECK_FALSE(b.retry_at());
  CHECK_FALSE(b.episode());
  CHECK_FALSE(b.on_started(8));
  CHECK_FALSE(b.on_round(t0, 3));
  CHECK(b.limit() == 8);
}

TEST_CASE("spawn backoff: a shortage lowers the limit to the turns running and holds starts") {
  SpawnBackoff b(8);
  SteadyPoint t0{};
  CHECK(b.on_shortage(t0, 3, "cannot run 'agent': Too many open files"));
  CHECK(b.limit() == 3);
  REQUIRE(b.retry_at());
  CHECK(*b.retry_at() == t0 + milliseconds(500));
  CHECK_FALSE(b.may_start(t0 + milliseconds(499)));
  CHECK(b.may_start(t0 + milliseconds(500)));
  REQUIRE(b.episode());
  CHECK(b.episode()->cause == "cannot run 'agent': Too many open files");
  CHECK(b.episode()->shortages == 1);
  // Nothing running: one turn may still be tried (never zero).
  SpawnBackoff idle(8);
  idle.on_shortage(t0, 0, "x");
  CHECK(idle.limit() == 1);
}

TEST_CASE("spawn backoff: the wait doubles with each shortage in a row, capped at 30 s") {
  SpawnBackoff b(4);
  SteadyPoint t{};
  std::vector<long long> waits;
  for (int i = 0; i < 9; ++i) {
    bool begins = b.on_shortage(t, 0, "EAGAIN");
    CHECK(begins == (i == 0));  // one episode, logged once
    waits.push_back((*b.retry_at() - t) / milliseconds(1));
    t = *b.retry_at();
  }
  CHECK(waits == std::vector<long long>{500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000});
  CHECK(b.episode()->shortages == 9);
}

TEST_CASE("spawn backoff: each start raises the limit by one, the full concurrency ends it") {
  SpawnBackoff b(3);
  SteadyPoint t0{};
  b.on_shortage(t0, 1, "EMFILE");
  b.on_shortage(t0 + milliseconds(500), 1, "EMFILE");  // the wait is now 1 s
  CHECK(b.limit() == 1);
  CHECK_FALSE(b.on_started(1));  // limit 2 of 3
  CHECK(b.limit() == 2);
  CHECK(b.may_start(t0));  // a success resets the wait
  b.on_shortage(t0 + milliseconds(2000), 1, "EMFILE");
  CHECK(*b.retry_at() == t0 + milliseconds(2500));  // from the first delay again
  CHECK(b.limit() == 1);
  CHECK_FALSE(b.on_started(1));
  CHECK_FALSE(b.on_started(2));
  CHECK(b.limit() == 3);
  // Turns ended meanwhile: a start with 2 running proves nothing about 3.
  CHECK_FALSE(b.on_started(2));
  CHECK(b.episode());
  CHECK(b.on_started(3));  // 3 of 3 run: the episode ends
  CHECK_FALSE(b.episode());
  CHECK(b.limit() == 3);
  REQUIRE(b.last_episode());
  CHECK(b.last_episode()->shortages == 3);
  CHECK(b.last_episode()->started == 5);
}

TEST_CASE("spawn backoff: a round that leaves nobody waiting after a success ends the episode") {
  SpawnBackoff b(8);
  SteadyPoint t0{};
  b.on_shortage(t0, 2, "EAGAIN");
  CHECK_FALSE(b.on_round(t0 + milliseconds(100), 0));  // still holding starts
  CHECK_FALSE(b.on_round(t0 + milliseconds(600), 0));  // no start has succeeded yet
  b.on_started(3);
  CHECK_FALSE(b.on_round(t0 + milliseconds(600), 2));  // agents wait for the low limit
  CHECK(b.limit() == 3);
  CHECK(b.on_round(t0 + milliseconds(600), 0));
  CHECK(b.limit() == 8);
  CHECK_FALSE(b.episode());
}

TEST_CASE("spawn backoff: a config reload moves the maximum, never above it") {
  SpawnBackoff b(8);
  b.set_max(4);
  CHECK(b.limit() == 4);
  b.on_shortage(SteadyPoint{}, 3, "EAGAIN");
  CHECK(b.limit() == 3);
  b.set_max(2);
  CHECK(b.limit() == 2);
  b.set_max(16);
  CHECK(b.limit() == 2);  // still in the episode: raised by starts, not by the reload
  CHECK(b.episode());
}
