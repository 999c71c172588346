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

TEST_CASE("wait watch: a failed turn with a retry ahead gets one line saying when and why") {
  RetryFacts f;
  f.between_turns = true;
  f.failed_turns = 1;
  f.max_failed_turns = 3;
  f.retry_in = std::chrono::milliseconds(4200);
  f.reason = "API Error: 529 Overloaded";
  CHECK(retry_line(f) == "retrying in 5 s (2/3): API Error: 529 Overloaded");
  f.failed_turns = 2;
  f.retry_in = std::chrono::milliseconds(10000);
  CHECK(retry_line(f) == "retrying in 10 s (3/3): API Error: 529 Overloaded");
  f.retry_in = std::chrono::milliseconds(-20);  // the deadline already passed
  CHECK(retry_line(f) == "retrying now (3/3): API Error: 529 Overloaded");
  f.retry_in.reset();
  f.reason.clear();
  CHECK(retry_line(f) == "retrying now (3/3)");
}

TEST_CASE("wait watch: no retry line without a failure, past the last attempt, or in a turn") {
  RetryFacts f;
  f.between_turns = true;
  f.failed_turns = 0;  // idle after a clean turn
  CHECK_FALSE(retry_line(f));
  f.failed_turns = 3;  // the last attempt failed: the agent is a zombie, not retried
  f.max_failed_turns = 3;
  CHECK_FALSE(retry_line(f));
  f.failed_turns = 1;
  f.between_turns = false;  // already in its next turn
  CHECK_FALSE(retry_line(f));
}
