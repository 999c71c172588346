#include <doctest/doctest.h>

#include "core/wait_watch.h"

using namespace drover;
using WaitKind = WaitVerdict::Kind;

TEST_CASE("wait watch: a running supervisor or a runner holding the agent keeps the wait going") {
  CHECK(judge_wait({true, false, false, false, 0}).kind == WaitKind::keep_waiting);
  CHECK(judge_wait({false, true, true, false, 0}).kind == WaitKind::keep_waiting);
}

TEST_CASE("wait watch: a dead supervisor is restarted under autostart, a few times at most") {
  auto v = judge_wait({false, false, true, true, 0});
  CHECK(v.kind == WaitKind::restart_supervisor);
  CHECK(v.reason.find("the supervisor died") != std::string::npos);
  CHECK(judge_wait({false, false, true, true, kMaxWaitRestarts - 1}).kind ==
        WaitKind::restart_supervisor);
  v = judge_wait({false, false, true, true, kMaxWaitRestarts});
  CHECK(v.kind == WaitKind::give_up);
  CHECK(v.reason.find("died again") != std::string::npos);
}

TEST_CASE(
    "wait watch: without autostart, or after a clean shutdown, the wait gives up and says why") {
  auto died = judge_wait({false, false, true, false, 0});
  CHECK(died.kind == WaitKind::give_up);
  CHECK(died.reason.find("autostart is off") != std::string::npos);
  auto stopped = judge_wait({false, false, false, true, 0});
  CHECK(stopped.kind == WaitKind::give_up);
  CHECK(stopped.reason.find("no supervisor is running") != std::string::npos);
}
