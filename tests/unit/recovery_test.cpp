// Spacing out the recovery of agents whose recovery keeps failing (supervisor/recovery.h).
#include <doctest/doctest.h>

#include "supervisor/recovery.h"

using namespace drover;
using drover::supervisor::RecoveryRetries;

TEST_CASE("recovery retries: a failed recovery waits 1 s, doubling to 30 s, success forgets it") {
  RecoveryRetries r;
  SteadyPoint t0{};
  CHECK(r.due("flo", t0));
  r.failed("flo", t0);
  CHECK_FALSE(r.due("flo", t0 + std::chrono::milliseconds(999)));
  CHECK(r.due("flo", t0 + std::chrono::seconds(1)));
  CHECK(r.due("other", t0));  // per agent
  r.failed("flo", t0);
  CHECK_FALSE(r.due("flo", t0 + std::chrono::milliseconds(1999)));
  CHECK(r.due("flo", t0 + std::chrono::seconds(2)));
  for (int i = 0; i < 10; ++i) r.failed("flo", t0);
  CHECK(r.due("flo", t0 + std::chrono::seconds(30)));  // capped
  r.succeeded("flo");
  CHECK(r.due("flo", t0));
}
