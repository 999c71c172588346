#include "runner/turn_lifecycle.h"

namespace drover::runner {

TurnLifecycle::TurnLifecycle(StallBudgets budgets, StopPolicy policy, SteadyPoint spawned_at,
                             Millis eof_wait, Millis group_poll)
    : budgets_(budgets),
      policy_(std::move(policy)),
      spawned_at_(spawned_at),
      eof_wait_(eof_wait),
      group_poll_(group_poll) {}

void TurnLifecycle::move(PhaseStep step) {
  // Callers only ask for steps the table allows from the phase they checked; a refusal
  // would be a bug here, and keeping the phase is the safe answer.
  if (auto to = next_phase(phase_, step)) phase_ = *to;
}

LifecycleAction TurnLifecycle::start() {
  LifecycleAction a;
  a.wake_at = next_deadline(budgets_, spawned_at_, last_event_).at;
  return a;
}

LifecycleAction TurnLifecycle::on_event(SteadyPoint now) {
  LifecycleAction a;
  bool first = !last_event_;
  last_event_ = now;
  // The deadline only moves later with each event, so the timer is left alone (it re-arms
  // itself when it fires early), except at the first event: the budget switches from
  // first_output_timeout to stall_timeout, which may be shorter.
  if (first && phase_ == TurnPhase::running)
    a.wake_at = next_deadline(budgets_, spawned_at_, last_event_).at;
  return a;
}

LifecycleAction TurnLifecycle::on_exit(SteadyPoint now, bool group_alive) {
  LifecycleAction a;
  exited_ = true;
  switch (phase_) {
    case TurnPhase::running:
      // Nothing of the turn's process group may outlive it (SPEC §7).
      if (group_alive) {
        begin_stop(now, "leftover processes after the agent exited", a);
        break;
      }
      move(PhaseStep::group_empty);
      begin_drain(now, a);
      break;
    case TurnPhase::stopping:
      if (group_alive) break;  // the stop policy's next poll sees the group go
      move(PhaseStep::group_empty);
      begin_drain(now, a);
      break;
    case TurnPhase::draining: maybe_settle(now, a); break;
    case TurnPhase::settled: break;
  }
  return a;
}

LifecycleAction TurnLifecycle::on_pipe_closed(Pipe which, SteadyPoint now) {
  LifecycleAction a;
  (which == Pipe::stdout_ ? stdout_closed_ : stderr_closed_) = true;
  if (phase_ == TurnPhase::draining) maybe_settle(now, a);
  return a;
}

LifecycleAction TurnLifecycle::on_timer(SteadyPoint now, const std::function<bool()>& group_alive) {
  LifecycleAction a;
  switch (phase_) {
    case TurnPhase::running: {
      Deadline d = next_deadline(budgets_, spawned_at_, last_event_);
      if (now < d.at) {
        a.wake_at = d.at;  // an event moved the deadline since the timer was armed
        break;
      }
      a.stalled = d.reason;
      a.stalled_late = now - d.at;
      begin_stop(now, "stalled", a);
      break;
    }
    case TurnPhase::stopping: step_stop(now, group_alive(), a); break;
    case TurnPhase::draining: maybe_settle(now, a); break;
    case TurnPhase::settled: break;
  }
  return a;
}

LifecycleAction TurnLifecycle::stop(SteadyPoint now, const std::string& why) {
  LifecycleAction a;
  if (phase_ == TurnPhase::running) begin_stop(now, why, a);
  return a;
}

void TurnLifecycle::begin_stop(SteadyPoint now, const std::string& why, LifecycleAction& a) {
  move(PhaseStep::stop);
  a.stopping = why;
  stop_.emplace(policy_, group_poll_);
  step_stop(now, true, a);
}

void TurnLifecycle::step_stop(SteadyPoint now, bool group_alive, LifecycleAction& a) {
  using Kind = StopSequence::Next::Kind;
  for (;;) {
    auto n = stop_->next(now, group_alive);
    switch (n.kind) {
      case Kind::send:
        a.signals.push_back(n.signal);
        continue;  // then ask again: a zero grace sends the next step at once
      case Kind::wait: a.wake_at = n.until; return;
      case Kind::gone: move(PhaseStep::group_empty); return begin_drain(now, a);
      case Kind::survived:
        a.gave_up = true;
        move(PhaseStep::gave_up);
        return begin_drain(now, a);
    }
  }
}

void TurnLifecycle::begin_drain(SteadyPoint now, LifecycleAction& a) {
  eof_deadline_ = now + eof_wait_;
  a.wake_at = eof_deadline_;
  maybe_settle(now, a);
}

void TurnLifecycle::maybe_settle(SteadyPoint now, LifecycleAction& a) {
  if (phase_ != TurnPhase::draining || !exited_) return;
  if (!(stdout_closed_ && stderr_closed_) && now < eof_deadline_) return;
  move(PhaseStep::settle);
  a.settle = true;
  a.wake_at.reset();
}

}  // namespace drover::runner
