#include <doctest/doctest.h>

#include "core/settle.h"

using namespace drover;

namespace {
TurnObservation clean_result() {
  TurnObservation o;
  o.has_result = true;
  o.exit_code = 0;
  o.result_text = "ok";
  return o;
}
// Whether the agent has a parent does not matter to the decision: its worker_died goes to
// the operator otherwise (SPEC §5.5).
SettleContext base_ctx() { return SettleContext{}; }
}  // namespace

TEST_CASE("settle: terminal mail during the turn completes the agent, no worker_died") {
  auto c = base_ctx();
  c.terminal_mail_sent = true;
  auto d = decide_settle(clean_result(), c);
  CHECK(d.outcome == TurnOutcome::completed);
  CHECK(d.event == SessionEvent::turn_completed);
  CHECK(d.mail_read);
  CHECK_FALSE(d.worker_died);
  CHECK(d.failed_turns == 0);
}

TEST_CASE(
    "settle: clean end without terminal mail and nothing to wait for is a contract violation") {
  auto d = decide_settle(clean_result(), base_ctx());
  CHECK(d.outcome == TurnOutcome::violation);
  CHECK(d.event == SessionEvent::turn_completed);
  CHECK(d.reason == "ended without terminal mail");
  CHECK(d.worker_died);
  CHECK(d.terminated_by == "runner");
}

TEST_CASE(
    "settle: a clean turn waits when the agent is persistent, has live children or new mail") {
  for (int which = 0; which < 3; ++which) {
    auto c = base_ctx();
    if (which == 0) c.persistent = true;
    if (which == 1) c.live_children = 2;
    if (which == 2) c.mail_arrived = 1;
    auto d = decide_settle(clean_result(), c);
    CHECK(d.outcome == TurnOutcome::waiting);
    CHECK(d.event == SessionEvent::turn_waiting);
    CHECK(d.mail_read);
    CHECK_FALSE(d.worker_died);
  }
}

TEST_CASE("settle: operator stop wins over everything and names the operator") {
  auto o = clean_result();
  o.stop_requested = true;
  o.stalled = true;
  auto c = base_ctx();
  auto d = decide_settle(o, c);
  CHECK(d.outcome == TurnOutcome::stopped);
  CHECK(d.event == SessionEvent::stop);
  CHECK(d.worker_died);
  CHECK(d.terminated_by == "operator");
  c.terminal_mail_sent = true;  // it reported before the stop: no death notice
  CHECK_FALSE(decide_settle(o, c).worker_died);
}

TEST_CASE(
    "settle: a stop keeps the mail read only if the agent had given a clean result and exited 0") {
  // SPEC §4: mail is read when the turn that carried it ended with a clean result, and a
  // stop that lands after the agent finished does not undo that; a killed agent releases it.
  auto o = clean_result();
  o.stop_requested = true;
  auto d = decide_settle(o, base_ctx());
  CHECK(d.outcome == TurnOutcome::stopped);
  CHECK(d.mail_read);
  o.signal = 15;
  CHECK_FALSE(decide_settle(o, base_ctx()).mail_read);
  o.signal.reset();
  o.exit_code = 1;
  CHECK_FALSE(decide_settle(o, base_ctx()).mail_read);
  TurnObservation none;
  none.stop_requested = true;
  CHECK_FALSE(decide_settle(none, base_ctx()).mail_read);
}

TEST_CASE("settle: a stall makes a zombie, releases mail and tells the parent") {
  TurnObservation o;
  o.stalled = true;
  o.stall_reason = "no output for 10m";
  o.signal = 15;
  auto d = decide_settle(o, base_ctx());
  CHECK(d.outcome == TurnOutcome::stalled);
  CHECK(d.event == SessionEvent::turn_zombie);
  CHECK_FALSE(d.mail_read);
  CHECK(d.worker_died);
  CHECK(d.reason.find("stalled: no output for 10m") == 0);
}

TEST_CASE("settle: shutdown interruption is resumable and silent") {
  TurnObservation o;
  o.interrupted = true;
  auto d = decide_settle(o, base_ctx());
  CHECK(d.outcome == TurnOutcome::interrupted);
  CHECK(d.event == SessionEvent::turn_interrupted);
  CHECK_FALSE(d.mail_read);
  CHECK_FALSE(d.worker_died);
}

TEST_CASE("settle: error result, no result and non-zero exit are failed turns with backoff") {
  TurnObservation err = clean_result();
  err.result_is_error = true;
  err.result_text = "API Error: 529 Overloaded";
  TurnObservation none;
  none.exit_code = 0;
  none.last_stderr_line = "boom";
  TurnObservation crash;
  crash.exit_code = 3;
  for (const auto& o : {err, none, crash}) {
    SettleContext c = base_ctx();
    c.failed_turns = 0;
    c.retry_backoff = Millis(5000);
    auto d = decide_settle(o, c);
    CHECK(d.outcome == TurnOutcome::failed);
    CHECK(d.event == SessionEvent::turn_failed);
    CHECK(d.failed_turns == 1);
    CHECK_FALSE(d.mail_read);
    REQUIRE(d.backoff);
    CHECK(d.backoff->count() == 5000);
    CHECK_FALSE(d.worker_died);
  }
  // The runtime's own words: the result's error text, else the last stderr line.
  CHECK(decide_settle(err, base_ctx()).reason == "API Error: 529 Overloaded");
  CHECK(decide_settle(none, base_ctx()).reason == "boom");
  CHECK(decide_settle(crash, base_ctx()).reason == "no result (exit status 3)");
}

TEST_CASE("settle: reaching max_failed_turns makes a zombie with one worker_died") {
  TurnObservation o;
  o.exit_code = 1;
  auto c = base_ctx();
  c.failed_turns = 2;
  c.max_failed_turns = 3;
  auto d = decide_settle(o, c);
  CHECK(d.event == SessionEvent::turn_zombie);
  CHECK(d.failed_turns == 3);
  CHECK(d.worker_died);
  CHECK(d.terminated_by == "runner");
  CHECK(d.reason.find("failed 3 turns in a row") == 0);
}

TEST_CASE("settle: a failure no retry fixes fails the agent at once with one worker_died") {
  TurnObservation login = clean_result();  // Claude Code not logged in, first turn
  login.result_is_error = true;
  login.result_text = "Not logged in · Please run /login";
  login.api_error = "authentication_failed";
  login.exit_code = 1;
  TurnObservation root;  // Claude Code as root with bypassPermissions: nothing on stdout
  root.exit_code = 1;
  root.last_stderr_line =
      "--dangerously-skip-permissions cannot be used with root/sudo privileges for security "
      "reasons";
  for (const auto& o : {login, root}) {
    auto c = base_ctx();
    c.failed_turns = 0;
    auto d = decide_settle(o, c);
    CHECK(d.outcome == TurnOutcome::failed);
    CHECK(d.event == SessionEvent::turn_fatal);
    CHECK(transition(SessionState::in_turn, d.event) == SessionState::failed);
    CHECK(d.worker_died);
    CHECK(d.terminated_by == "runner");
    CHECK_FALSE(d.backoff);
    CHECK_FALSE(d.mail_read);
    CHECK(d.clear_session_id);  // a fresh session that never ran: nothing to resume
  }
  CHECK(decide_settle(login, base_ctx()).reason.rfind("Not logged in · Please run /login — ", 0) ==
        0);
  CHECK(decide_settle(root, base_ctx()).reason.find("run drover as a normal user") !=
        std::string::npos);
  // A resumed session that fails so keeps its id: the conversation exists.
  login.resumed = true;
  CHECK_FALSE(decide_settle(login, base_ctx()).clear_session_id);
  // The parent already has the report: no second word.
  auto c = base_ctx();
  c.terminal_mail_before = true;
  CHECK_FALSE(decide_settle(login, c).worker_died);
}

TEST_CASE("settle: a lost runtime session clears the id without counting a failure") {
  TurnObservation o;
  o.has_result = true;
  o.result_is_error = true;
  o.lost_session = true;
  auto c = base_ctx();
  c.failed_turns = 1;
  auto d = decide_settle(o, c);
  CHECK(d.outcome == TurnOutcome::lost_session);
  CHECK(d.event == SessionEvent::turn_failed);
  CHECK(d.clear_session_id);
  CHECK(d.failed_turns == 1);
  CHECK_FALSE(d.backoff);
  // The reason keeps the runtime's words.
  o.result_text = "No conversation found with session ID: 1234";
  CHECK(decide_settle(o, c).reason.rfind("No conversation found with session ID: 1234 (", 0) == 0);
}

TEST_CASE("settle: backoff doubles per failure and is capped at five minutes") {
  CHECK(backoff_for(0, Millis(5000)).count() == 0);
  CHECK(backoff_for(1, Millis(5000)).count() == 5000);
  CHECK(backoff_for(2, Millis(5000)).count() == 10000);
  CHECK(backoff_for(3, Millis(5000)).count() == 20000);
  CHECK(backoff_for(10, Millis(5000)).count() == 300000);
  CHECK(backoff_for(1000, Millis(5000)).count() == 300000);
}

TEST_CASE("settle: exits are described for humans") {
  TurnObservation o;
  o.signal = 9;
  CHECK(describe_exit(o) == "killed by SIGKILL");
  o.signal.reset();
  o.exit_code = 2;
  CHECK(describe_exit(o) == "exit status 2");
}

TEST_CASE(
    "settle: a clean result followed by a non-zero exit is a failed turn, unless terminal mail was "
    "sent") {
  TurnObservation o = clean_result();
  o.exit_code = 3;
  auto d = decide_settle(o, base_ctx());
  CHECK(d.outcome == TurnOutcome::failed);
  CHECK_FALSE(d.mail_read);
  CHECK(d.reason == "exit status 3 after its result");
  auto c = base_ctx();
  c.terminal_mail_sent = true;
  CHECK(decide_settle(o, c).outcome == TurnOutcome::completed);
}

TEST_CASE("settle: no worker_died once the terminal mail was observed, however the agent dies") {
  // SPEC §5.5: the parent already has the agent's report; a later stall or failure streak
  // ends it as a zombie without a death notice.
  TurnObservation stall;
  stall.stalled = true;
  stall.stall_reason = "no output for 10m";
  stall.signal = 15;
  TurnObservation failing;  // an error result: no completion even with terminal mail
  failing.has_result = true;
  failing.result_is_error = true;
  failing.result_text = "boom";
  failing.exit_code = 1;
  for (int when = 0; when < 2; ++when) {
    SettleContext c;
    (when == 0 ? c.terminal_mail_sent : c.terminal_mail_before) = true;
    auto d = decide_settle(stall, c);
    CHECK(d.event == SessionEvent::turn_zombie);
    CHECK_FALSE(d.worker_died);
    c.failed_turns = 2;
    d = decide_settle(failing, c);
    CHECK(d.event == SessionEvent::turn_zombie);
    CHECK_FALSE(d.worker_died);
    TurnObservation stop;
    stop.stop_requested = true;
    CHECK_FALSE(decide_settle(stop, c).worker_died);
  }
  SettleContext before;  // reported in an earlier failed turn, then ended cleanly silent
  before.terminal_mail_before = true;
  auto d = decide_settle(clean_result(), before);
  CHECK(d.outcome == TurnOutcome::violation);
  CHECK_FALSE(d.worker_died);
}

TEST_CASE("settle: an agent without a parent that dies is reported (to the operator)") {
  // SPEC §5.5 amended: the worker_died goes to `operator` when there is no parent.
  SettleContext orphan;
  TurnObservation stall;
  stall.stalled = true;
  CHECK(decide_settle(stall, orphan).worker_died);
  CHECK(decide_settle(clean_result(), orphan).worker_died);  // violation
  TurnObservation stop;
  stop.stop_requested = true;
  CHECK(decide_settle(stop, orphan).worker_died);
  TurnObservation crash;
  crash.exit_code = 3;
  orphan.failed_turns = 2;
  CHECK(decide_settle(crash, orphan).worker_died);
}
