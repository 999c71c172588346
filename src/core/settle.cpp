#include "core/settle.h"

#include <string.h>

#include <algorithm>

namespace drover {

Millis backoff_for(int failed_turns, Millis base) {
  constexpr Millis kCap{5 * 60 * 1000};
  if (failed_turns <= 0 || base.count() <= 0) return Millis(0);
  Millis d = base;
  for (int i = 1; i < failed_turns && d < kCap; ++i) d *= 2;
  return std::min(d, kCap);
}

std::string describe_exit(const TurnObservation& obs) {
  if (obs.signal) {
    const char* name = sigabbrev_np(*obs.signal);
    return "killed by " +
           (name ? "SIG" + std::string(name) : "signal " + std::to_string(*obs.signal));
  }
  if (obs.exit_code) return "exit status " + std::to_string(*obs.exit_code);
  return "unknown exit";
}

FailureFacts failure_facts(const TurnObservation& obs) {
  FailureFacts f;
  f.has_result = obs.has_result;
  f.result_is_error = obs.result_is_error;
  f.result_text = obs.result_text;
  f.api_error = obs.api_error;
  f.last_stderr_line = obs.last_stderr_line;
  f.exit_code = obs.exit_code;
  f.signal = obs.signal;
  return f;
}

SettleDecision decide_settle(const TurnObservation& obs, const SettleContext& ctx) {
  SettleDecision d;
  d.failed_turns = ctx.failed_turns;
  // A clean turn is a result with is_error=false from a child that then exited 0: a
  // non-zero exit (or a signal) after a good result is still a failed turn (rule 5).
  bool result_ok = obs.has_result && !obs.result_is_error;
  bool exit_ok = !obs.signal && (!obs.exit_code || *obs.exit_code == 0);
  bool clean = result_ok && exit_ok;
  d.mail_read = clean;
  // SPEC §5.5: every death is reported (to the operator when there is no parent), except
  // when the agent's terminal mail was observed: its parent already has its report.
  bool died_silently = !ctx.terminal_mail_sent && !ctx.terminal_mail_before;

  if (obs.stop_requested) {
    d.outcome = TurnOutcome::stopped;
    d.event = SessionEvent::stop;
    d.reason = "stopped by the operator";
    d.worker_died = died_silently && !obs.stop_quiet;
    d.terminated_by = "operator";
    return d;
  }
  if (obs.interrupted) {
    d.outcome = TurnOutcome::interrupted;
    d.event = SessionEvent::turn_interrupted;
    d.reason =
        "turn interrupted by " +
        (obs.interrupted_by.empty() ? std::string("supervisor shutdown") : obs.interrupted_by);
    d.mail_read = false;
    return d;
  }
  if (obs.stalled) {
    d.outcome = TurnOutcome::stalled;
    d.event = SessionEvent::turn_zombie;
    d.reason = "stalled: " + obs.stall_reason;
    d.mail_read = false;
    d.worker_died = died_silently;
    d.terminated_by = "runner";
    return d;
  }
  if (result_ok && ctx.terminal_mail_sent) {  // rule 3 only asks for is_error=false
    d.failed_turns = 0;
    d.mail_read = true;
    d.outcome = TurnOutcome::completed;
    d.event = SessionEvent::turn_completed;
    d.reason = "";
    return d;
  }
  if (clean) {
    d.failed_turns = 0;
    if (ctx.persistent || ctx.live_children > 0 || ctx.mail_arrived > 0 || ctx.open_gate) {
      d.outcome = TurnOutcome::waiting;
      d.event = SessionEvent::turn_waiting;
      d.reason = ctx.persistent          ? ""
                 : ctx.live_children > 0 ? "waiting for its children"
                 : ctx.open_gate         ? "waiting for a decision"
                                         : "";
      return d;
    }
    d.outcome = TurnOutcome::violation;
    d.event = SessionEvent::turn_completed;
    d.reason = "ended without terminal mail";
    d.worker_died = died_silently;
    d.terminated_by = "runner";
    return d;
  }
  d.mail_read = false;
  FailureVerdict why = classify_failure(failure_facts(obs));
  if (why.kind == FailureKind::permanent) {
    d.outcome = TurnOutcome::failed;
    d.event = SessionEvent::turn_fatal;
    d.failed_turns = ctx.failed_turns + 1;
    d.reason = failure_reason(why);
    d.worker_died = died_silently;
    d.terminated_by = "runner";
    d.clear_session_id = !obs.resumed;
    return d;
  }
  if (obs.lost_session) {
    // The runtime forgot the session: start a fresh one at once; not the agent's fault.
    d.outcome = TurnOutcome::lost_session;
    d.event = SessionEvent::turn_failed;
    d.reason = why.words + " (the runtime lost its session; the next turn starts a fresh one)";
    d.clear_session_id = true;
    return d;
  }
  const std::string& what = why.words;
  d.outcome = TurnOutcome::failed;
  d.failed_turns = ctx.failed_turns + 1;
  if (d.failed_turns >= ctx.max_failed_turns) {
    d.event = SessionEvent::turn_zombie;
    d.reason = "failed " + std::to_string(d.failed_turns) + " turns in a row; last: " + what;
    d.worker_died = died_silently;
    d.terminated_by = "runner";
    return d;
  }
  d.event = SessionEvent::turn_failed;
  d.reason = what;
  d.backoff = backoff_for(d.failed_turns, ctx.retry_backoff);
  return d;
}

}  // namespace drover
