// The watchdog and the phases of a running turn, driven in milliseconds of test time: a
// fake clock (plain time points), a fake process group that reacts to signals as told, and
// the one timer the real driver (runner/turn_run.cpp) keeps.
#include <doctest/doctest.h>
#include <signal.h>

#include <functional>
#include <optional>
#include <vector>

#include "runner/turn_lifecycle.h"

using namespace drover;
using namespace drover::runner;
using std::chrono::milliseconds;

namespace {

const SteadyPoint kT0{};
SteadyPoint at(long ms) { return kT0 + milliseconds(ms); }

// A process group that obeys the signals it is sent (or not), and the driver's timer.
struct Turn {
  TurnLifecycle life;
  SteadyPoint now = kT0;
  std::optional<SteadyPoint> timer;
  std::vector<std::pair<long, int>> sent;  // (test ms, signal)
  bool group_alive = true;
  bool settled = false, gave_up = false;
  std::optional<std::string> stalled, stopping;
  std::function<bool(int)> dies_on = [](int) { return true; };  // does this signal end the group?

  explicit Turn(StallBudgets b, Millis kill_grace = milliseconds(2000))
      : life(b, default_stop_policy(kill_grace), kT0, milliseconds(1000), milliseconds(5)) {
    apply(life.start());
  }

  long ms() const { return std::chrono::duration_cast<milliseconds>(now - kT0).count(); }

  void apply(const LifecycleAction& a) {
    if (a.stalled) stalled = a.stalled;
    if (a.stopping) stopping = a.stopping;
    gave_up = gave_up || a.gave_up;
    for (int sig : a.signals) {
      sent.emplace_back(ms(), sig);
      if (dies_on(sig)) group_alive = false;
    }
    if (a.settle) {
      settled = true;
      timer.reset();
    } else if (a.wake_at) {
      timer = a.wake_at;
    }
  }

  // Moves test time to `t`, firing the timer each time it is due on the way.
  void advance_to(SteadyPoint t) {
    while (timer && *timer <= t && !settled) {
      now = *timer;
      timer.reset();
      apply(life.on_timer(now, [this] { return group_alive; }));
    }
    now = t;
  }
  void event_at(long t) {
    advance_to(at(t));
    apply(life.on_event(now));
  }
  void exit_at(long t) {
    advance_to(at(t));
    apply(life.on_exit(now, group_alive));
  }
  void pipes_closed_at(long t) {
    advance_to(at(t));
    apply(life.on_pipe_closed(Pipe::stdout_, now));
    apply(life.on_pipe_closed(Pipe::stderr_, now));
  }
  // The child dies once its group is gone: the pipes close and the exit is seen.
  void child_reaped_at(long t) {
    pipes_closed_at(t);
    apply(life.on_exit(now, group_alive));
  }
};

StallBudgets budgets(long first_output, long stall, long max_duration = 0) {
  return {milliseconds(first_output), milliseconds(stall), milliseconds(max_duration)};
}

}  // namespace

TEST_CASE("lifecycle watchdog: no first output within first_output_timeout stalls the turn") {
  Turn t(budgets(1000, 5000));
  CHECK(t.timer == at(1000));
  t.advance_to(at(999));
  CHECK_FALSE(t.stalled);
  CHECK(t.life.phase() == TurnPhase::running);
  t.advance_to(at(1000));
  REQUIRE(t.stalled);
  CHECK(*t.stalled == "no output for 1s after start");
  CHECK(t.stopping == "stalled");
  CHECK(t.life.phase() == TurnPhase::stopping);
  REQUIRE(t.sent.size() == 1);
  CHECK(t.sent[0] == std::pair<long, int>(1000, SIGTERM));
}

TEST_CASE(
    "lifecycle watchdog: the first event switches to stall_timeout, later events move it on") {
  Turn t(budgets(10'000, 1000));
  t.event_at(300);
  CHECK(t.timer == at(1300));  // re-armed: the stall budget ends before the first-output one
  t.event_at(1000);
  CHECK(t.timer == at(1300));  // later events leave the timer alone ...
  t.advance_to(at(1300));
  CHECK_FALSE(t.stalled);
  CHECK(t.timer == at(2000));  // ... and it re-arms itself when it fires early
  t.advance_to(at(1999));
  CHECK_FALSE(t.stalled);
  t.advance_to(at(2000));
  REQUIRE(t.stalled);
  CHECK(*t.stalled == "no output for 1s");
  CHECK(t.sent.front() == std::pair<long, int>(2000, SIGTERM));
}

TEST_CASE("lifecycle watchdog: max_duration ends a turn that keeps talking") {
  Turn t(budgets(1000, 1000, 3000));
  for (long ms = 100; ms < 3000; ms += 100) t.event_at(ms);
  CHECK_FALSE(t.stalled);
  t.advance_to(at(3000));
  REQUIRE(t.stalled);
  CHECK(*t.stalled == "turn exceeded max_duration 3s");
  CHECK(t.sent.front().first == 3000);
}

TEST_CASE("lifecycle watchdog: a late timer reports how late it fired") {
  Turn t(budgets(1000, 1000));
  t.now = at(1250);  // the loop was busy: the timer runs 250 ms after its deadline
  t.timer.reset();
  auto a = t.life.on_timer(t.now, [] { return true; });
  CHECK(a.stalled);
  CHECK(a.stalled_late.count() == doctest::Approx(250.0));
}

TEST_CASE(
    "lifecycle stop policy: SIGTERM, then SIGKILL after kill_grace for a group that ignores it") {
  Turn t(budgets(1000, 1000), milliseconds(2000));
  t.dies_on = [](int sig) { return sig == SIGKILL; };
  t.advance_to(at(1000));
  REQUIRE(t.sent.size() == 1);
  t.advance_to(at(2999));
  CHECK(t.sent.size() == 1);  // still within kill_grace
  CHECK(t.life.phase() == TurnPhase::stopping);
  t.advance_to(at(3000));
  REQUIRE(t.sent.size() == 2);
  CHECK(t.sent[1] == std::pair<long, int>(3000, SIGKILL));
  t.advance_to(at(3005));  // the next poll sees the group gone
  CHECK(t.life.phase() == TurnPhase::draining);
  CHECK_FALSE(t.settled);
  t.child_reaped_at(3006);
  CHECK(t.settled);
  CHECK(t.life.phase() == TurnPhase::settled);
  CHECK_FALSE(t.gave_up);
}

TEST_CASE("lifecycle stop policy: a group that obeys SIGTERM is not sent SIGKILL") {
  Turn t(budgets(1000, 1000));
  t.advance_to(at(1000));
  t.advance_to(at(1005));
  CHECK(t.life.phase() == TurnPhase::draining);
  t.advance_to(at(10'000));
  REQUIRE(t.sent.size() == 1);
  CHECK(t.sent[0].second == SIGTERM);
}

TEST_CASE(
    "lifecycle stop policy: a group that outlives SIGKILL is given up on, and the turn still "
    "settles") {
  Turn t(budgets(1000, 1000), milliseconds(2000));
  t.dies_on = [](int) { return false; };
  t.advance_to(at(1000));
  t.advance_to(at(7999));
  CHECK_FALSE(t.gave_up);
  t.advance_to(at(8000));  // SIGTERM + 2 s kill grace + 5 s after SIGKILL
  CHECK(t.gave_up);
  CHECK(t.life.phase() == TurnPhase::draining);
  t.exit_at(8100);  // the child itself did die; the pipes stay open (held by the survivors)
  CHECK_FALSE(t.settled);
  t.advance_to(at(9000));  // the EOF wait (1 s from the start of draining) runs out
  CHECK(t.settled);
}

TEST_CASE(
    "lifecycle phases: a clean exit settles once the exit and both EOFs are seen, without a "
    "signal") {
  Turn t(budgets(1000, 1000));
  t.event_at(10);
  t.group_alive = false;
  t.exit_at(50);
  CHECK(t.life.phase() == TurnPhase::draining);
  CHECK_FALSE(t.settled);
  t.pipes_closed_at(51);
  CHECK(t.settled);
  CHECK(t.sent.empty());
  CHECK_FALSE(t.stalled);
}

TEST_CASE("lifecycle phases: pipes closed before the exit settle at the exit") {
  Turn t(budgets(1000, 1000));
  t.pipes_closed_at(20);
  CHECK(t.life.phase() == TurnPhase::running);
  t.group_alive = false;
  t.exit_at(21);
  CHECK(t.settled);
}

TEST_CASE(
    "lifecycle phases: a process that escaped the group cannot hold the turn open past the EOF "
    "wait") {
  Turn t(budgets(600'000, 600'000));
  t.group_alive = false;
  t.exit_at(100);
  t.apply(t.life.on_pipe_closed(Pipe::stderr_, t.now));  // stdout stays open
  t.advance_to(at(1099));
  CHECK_FALSE(t.settled);
  t.advance_to(at(1100));
  CHECK(t.settled);
  CHECK(t.sent.empty());
}

TEST_CASE("lifecycle phases: leftovers in the group after the exit are stopped") {
  Turn t(budgets(600'000, 600'000));
  t.exit_at(100);  // the group is still alive
  CHECK(t.stopping == "leftover processes after the agent exited");
  CHECK(t.life.phase() == TurnPhase::stopping);
  REQUIRE(t.sent.size() == 1);
  CHECK(t.sent[0] == std::pair<long, int>(100, SIGTERM));
  t.advance_to(at(105));
  CHECK(t.life.phase() == TurnPhase::draining);
  t.pipes_closed_at(106);
  CHECK(t.settled);
}

TEST_CASE(
    "lifecycle phases: stop (shutdown) runs the policy once, and not after the group is gone") {
  Turn t(budgets(600'000, 600'000));
  t.apply(t.life.stop(at(0), "supervisor shutdown"));
  CHECK(t.stopping == "supervisor shutdown");
  CHECK(t.sent.size() == 1);
  t.apply(t.life.stop(at(1), "again"));
  CHECK(t.sent.size() == 1);  // already stopping
  t.child_reaped_at(2);
  t.advance_to(at(5));
  CHECK(t.settled);

  Turn gone(budgets(600'000, 600'000));
  gone.group_alive = false;
  gone.exit_at(10);
  gone.apply(gone.life.stop(at(11), "supervisor shutdown"));
  CHECK(gone.sent.empty());
  CHECK(gone.life.phase() == TurnPhase::draining);
}

TEST_CASE("lifecycle phases: an exit while stopping with the group gone drains at once") {
  Turn t(budgets(1000, 1000));
  t.dies_on = [](int) { return false; };
  t.advance_to(at(1000));
  t.group_alive = false;  // the group went between two polls
  t.child_reaped_at(1002);
  CHECK(t.settled);
  CHECK(t.sent.size() == 1);
}

TEST_CASE("lifecycle phases: events after the exit do not re-arm the watchdog") {
  Turn t(budgets(1000, 10));
  t.group_alive = false;
  t.exit_at(5);
  auto wake = t.timer;
  t.apply(t.life.on_event(at(6)));  // the first event, parsed from what was left in the pipe
  CHECK(t.timer == wake);
  t.advance_to(at(2000));
  CHECK(t.settled);
  CHECK_FALSE(t.stalled);
}
