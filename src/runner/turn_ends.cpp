#include "runner/turn_ends.h"

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/failure_kind.h"
#include "core/interruptions.h"
#include "core/worker_died.h"
#include "store/events.h"
#include "store/gates.h"
#include "store/hosts.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::runner {

namespace {

// The one place a worker_died mail is composed and sent: to the parent, or to `operator`
// when the agent has none (SPEC §5.5).
void tell_parent_worker_died(store::Tx& tx, const Session& s, const std::string& reason,
                             const std::string& by, std::optional<std::int64_t> turn) {
  Session to = s;
  if (to.parent && to.parent->empty()) to.parent.reset();
  tx.mail().insert(make_worker_died(to, reason, by, turn));
}

bool clean_end(TurnOutcome o) {
  return o == TurnOutcome::completed || o == TurnOutcome::waiting || o == TurnOutcome::violation;
}

// Did the agent send one of its terminal mail types in a turn since its last clean one
// (the turns that led to this death, the current one included)? Then its parent has its
// report and no worker_died is due (SPEC §5.5).
bool terminal_mail_observed(store::Tx& tx, const std::string& agent,
                            const std::vector<std::string>& types) {
  constexpr int kLookBack = 100;  // more turns than any failure streak
  std::optional<std::int64_t> mark;
  for (const auto& t : tx.turns().recent(agent, kLookBack)) {
    if (t.outcome && clean_end(*t.outcome)) break;
    mark = t.mail_mark;
  }
  return mark && tx.mail().sent_since(agent, types, *mark);
}

// A death no settle decision covered: reported unless the terminal mail was observed.
void report_death(store::Tx& tx, const Session& s, const std::string& reason, const std::string& by,
                  std::optional<std::int64_t> turn, const TerminalMailOf& terminal_mail) {
  if (terminal_mail_observed(tx, s.name, terminal_mail(s.capability))) return;
  tell_parent_worker_died(tx, s, reason, by, turn);
}

// Ends one turn row that carried mail: the row records how, the mail goes back.
void end_turn_releasing_mail(store::Tx& tx, std::int64_t turn_id, TurnOutcome outcome,
                             const std::string& detail, const std::string& now) {
  tx.mail().release_turn(turn_id);
  TurnRecord end;
  end.id = turn_id;
  end.ended_at = now;
  end.outcome = outcome;
  end.detail = detail;
  tx.turns().finish(end);
}

// "End the agent's unfinished turns and release their mail"; returns how many.
int end_unfinished_turns(store::Tx& tx, const std::string& agent, TurnOutcome outcome,
                         const std::string& detail) {
  std::string now = now_timestamp();
  int n = 0;
  for (const auto& t : tx.turns().unfinished()) {
    if (t.agent != agent) continue;
    end_turn_releasing_mail(tx, t.id, outcome, detail, now);
    ++n;
  }
  return n;
}

void set_worktree(store::StateUpdate& u, const std::optional<WorktreeSnapshot>& worktree) {
  if (worktree && worktree->head_sha) u.head_sha = worktree->head_sha;
  if (worktree && worktree->dirty_summary) u.dirty_summary = worktree->dirty_summary;
}

TurnRecord finished_row(const RunEnd& e, const SettleDecision& d, const std::string& now) {
  TurnRecord end;
  end.id = e.turn_id;
  end.ended_at = now;
  end.outcome = d.outcome;
  if (e.how.exit_code) end.exit_code = *e.how.exit_code;
  if (e.how.signal) end.signal = *e.how.signal;
  end.duration_ms = e.duration_ms;
  end.cost_usd = e.cost_usd;
  end.input_tokens = e.input_tokens;
  end.output_tokens = e.output_tokens;
  end.session_id = e.session_id;
  end.detail = e.how.has_result ? e.how.result_text : d.reason;
  return end;
}

// The events that explain an outcome beyond turn_end.
void add_outcome_events(store::Tx& tx, const RunEnd& e, const SettleDecision& d) {
  auto add = [&](const char* kind, const char* level, const nlohmann::json& data) {
    tx.events().add(e.agent, e.turn_id, kind, level, data.dump());
  };
  if (d.outcome == TurnOutcome::violation)
    add("contract_violation", "error", {{"reason", d.reason}, {"expected", e.terminal_mail}});
  if (d.outcome == TurnOutcome::stalled) add("stalled", "error", {{"reason", e.how.stall_reason}});
  if (d.outcome == TurnOutcome::lost_session)
    add("resume_failed", "warn",
        {{"requested_session_id", e.resume_id.value_or("")}, {"result", e.how.result_text}});
}

}  // namespace

std::optional<Error> lease_lost(store::Tx& tx, const TurnRecord& t) {
  auto held = tx.hosts().fenced(t.agent, t.host, t.token);
  if (!held) return std::nullopt;
  return make_error(Errc::conflict,
                    std::string(kLeaseLost) + "turn " + std::to_string(t.id) + " of '" + t.agent +
                        "' ran on host " + *t.host + " under lease " + std::to_string(*t.token) +
                        ", and host " + held->host + " holds the agent now (lease " +
                        std::to_string(held->token) + "); nothing more of that turn is written");
}

Result<RunSettled> settle_run(store::Store& store, const SettlePolicy& policy, const RunEnd& e) {
  return store.write<RunSettled>([&](store::Tx& tx) -> Result<RunSettled> {
    if (e.first) e.first(tx);
    auto s = tx.sessions().get(e.agent);
    if (!s) return make_error(Errc::not_found, "agent '" + e.agent + "' vanished during its turn");
    auto turn = tx.turns().get(e.turn_id);
    if (turn)
      if (auto lost = lease_lost(tx, *turn)) return *lost;
    std::int64_t mark = turn ? turn->mail_mark : 0;
    // Before mail_arrived is counted: released live mail is work for the next turn.
    if (!e.unanswered_live_mail.empty()) tx.mail().release(e.unanswered_live_mail);
    SettleContext sc;
    sc.terminal_mail_sent = tx.mail().sent_since(e.agent, e.terminal_mail, mark);
    sc.persistent = e.terminal_mail.empty();
    sc.live_children = static_cast<int>(tx.sessions().live_children(e.agent).size());
    sc.mail_arrived = tx.mail().arrived_since(e.agent, mark);
    sc.open_gate = !tx.gates().undecided_of(e.agent).empty();
    sc.failed_turns = s->failed_turns;
    sc.max_failed_turns = policy.max_failed_turns;
    sc.retry_backoff = policy.retry_backoff;
    sc.terminal_mail_before = terminal_mail_observed(tx, e.agent, e.terminal_mail);
    TurnObservation how = e.how;
    how.stop_requested = how.stop_requested || s->stop_requested;
    how.stop_quiet = s->stop_quiet;
    if (s->pause_now) {  // `pause --now`: unless the turn got to a clean end first
      tx.sessions().clear_pause_now(e.agent);
      bool clean = how.has_result && !how.result_is_error && !how.signal &&
                   (!how.exit_code || *how.exit_code == 0);
      if (!clean && !how.stop_requested) {
        how.interrupted = true;
        how.interrupted_by = "pause --now";
      }
    }
    RunSettled out;
    SettleDecision& d = out.decision;
    d = decide_settle(how, sc);

    std::string now = now_timestamp();
    tx.turns().finish(finished_row(e, d, now));
    if (d.mail_read) tx.mail().mark_turn_read(e.turn_id, now);
    else tx.mail().release_turn(e.turn_id);

    store::StateUpdate u;
    u.reason = d.reason;
    u.last_activity = now;
    u.failed_turns = d.failed_turns;
    u.current_turn = std::optional<std::int64_t>();
    u.retry_after = d.backoff && d.backoff->count() > 0
                        ? std::optional<std::string>(
                              format_timestamp(SystemClock::instance().now() + *d.backoff))
                        : std::optional<std::string>();
    if (d.clear_session_id) u.runtime_session_id = std::optional<std::string>();
    set_worktree(u, e.worktree);
    auto moved = tx.sessions().transition(e.agent, d.event, u);
    nlohmann::json data = {{"outcome", to_string(d.outcome)},
                           {"reason", d.reason},
                           {"exit", describe_exit(how)},
                           {"duration_ms", e.duration_ms}};
    if (!moved) {
      // Someone else settled the session (it should not happen while the runner holds the
      // lock): the turn and its mail are still recorded, and no second worker_died is sent.
      out.transition_error = moved.error().message;
      data["transition_error"] = moved.error().message;
      tx.events().add(e.agent, e.turn_id, "turn_end", "error", data.dump());
      return out;
    }
    out.state = *moved;
    tx.events().add(e.agent, e.turn_id, "turn_end", "info", data.dump());
    add_outcome_events(tx, e, d);
    if (d.worker_died) tell_parent_worker_died(tx, *s, d.reason, d.terminated_by, e.turn_id);
    return out;
  });
}

Status abandon_turn(store::Store& store, std::int64_t turn_id, TurnOutcome outcome,
                    const std::string& detail) {
  auto r = store.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    if (auto turn = tx.turns().get(turn_id))
      if (auto lost = lease_lost(tx, *turn)) return *lost;
    end_turn_releasing_mail(tx, turn_id, outcome, detail, now_timestamp());
    return Unit{};
  });
  if (!r) return r.error();
  return ok_status();
}

Status fail_agent_start(store::Store& store, const std::string& agent, const std::string& why,
                        std::optional<std::int64_t> turn, const TerminalMailOf& terminal_mail) {
  auto r = store.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    auto s = tx.sessions().get(agent);
    if (!s) return Unit{};
    store::StateUpdate u;
    FailureFacts facts;  // a missing command gets its hint (core/failure_kind.h)
    facts.spawn_error = why;
    u.reason = "could not start: " + failure_reason(classify_failure(facts));
    if (tx.sessions().transition(agent, SessionEvent::spawn_failed, u))
      report_death(tx, *s, *u.reason, "supervisor", turn, terminal_mail);
    return Unit{};
  });
  if (!r) return r.error();
  return ok_status();
}

Status settle_operator_stop(store::Store& store, const std::string& agent,
                            const std::optional<WorktreeSnapshot>& worktree,
                            const TerminalMailOf& terminal_mail) {
  auto r = store.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    auto s = tx.sessions().get(agent);
    if (!s) return make_error(Errc::not_found, "no agent named '" + agent + "'");
    end_unfinished_turns(tx, agent, TurnOutcome::stopped, "stopped by the operator (no runner)");
    store::StateUpdate u;
    u.reason = "stopped by the operator";
    u.current_turn = std::optional<std::int64_t>();
    set_worktree(u, worktree);
    auto moved = tx.sessions().transition(agent, SessionEvent::stop, u);
    if (!moved) return moved.error();
    if (!s->stop_quiet)  // stop --tree: the top's worker_died speaks for the tree
      report_death(tx, *s, "stopped by the operator", "operator", s->current_turn, terminal_mail);
    return Unit{};
  });
  if (!r) return r.error();
  return ok_status();
}

namespace {

bool too_old(const Session& s, Millis max_age) {
  auto t = parse_timestamp(s.last_activity);
  return t && SystemClock::instance().now() - *t > max_age;
}

MailMessage recovery_note(const std::string& agent, const RecoveryCause& why) {
  MailMessage note;
  note.from = "supervisor";
  note.to = agent;
  note.type = "status";
  note.priority = "high";
  note.subject = why.subject;
  note.body = why.note;
  return note;
}

// An interruption that counts as a failed turn (core/interruptions.h): the agent resumes
// after the backoff, or becomes a zombie and its parent is told.
Recovered count_interruption(store::Tx& tx, const Session& s, const RecoveryCause& why,
                             const InterruptionVerdict& v, const TerminalMailOf& terminal_mail,
                             Recovered out) {
  store::StateUpdate u;
  u.current_turn = std::optional<std::int64_t>();
  u.failed_turns = v.failed_turns;
  u.reason = v.reason;
  out.counted = v;
  if (v.zombie) {
    if (!tx.sessions().transition(s.name, SessionEvent::turn_zombie, u)) return out;
    report_death(tx, s, v.reason, "runner", s.current_turn, terminal_mail);
    out.zombie = v.reason;
    return out;
  }
  u.retry_after = format_timestamp(SystemClock::instance().now() + v.backoff.value_or(Millis(0)));
  if (!tx.sessions().transition(s.name, SessionEvent::turn_interrupted, u)) return out;
  tx.mail().insert(recovery_note(s.name, why));
  out.resumed = true;
  return out;
}

}  // namespace

Result<Recovered> settle_recovered(store::Store& store, const std::string& agent,
                                   const RecoveryCause& why, bool idle_too, Millis resume_max_age,
                                   const TerminalMailOf& terminal_mail, const SettlePolicy& policy,
                                   std::string_view host) {
  return store.write<Recovered>([&](store::Tx& tx) -> Result<Recovered> {
    Recovered out;
    if (!host.empty())
      if (auto held = tx.hosts().lease_of(agent); held && held->host != host)
        return make_error(Errc::conflict, "agent '" + agent + "' is host " + held->host +
                                              "'s (lease " + std::to_string(held->token) +
                                              "): not recovered by " + std::string(host));
    out.turns_interrupted = end_unfinished_turns(tx, agent, TurnOutcome::interrupted, why.detail);
    auto s = tx.sessions().get(agent);
    if (!s || is_terminal(s->state)) return out;
    out.interrupted_turn = s->current_turn;
    out.last_activity = s->last_activity;
    bool interrupted = s->state == SessionState::in_turn;
    bool idle_with_mail = idle_too && !interrupted && !tx.mail().pending_for(agent).empty();
    if (!interrupted && !idle_with_mail) return out;
    store::StateUpdate u;
    u.current_turn = std::optional<std::int64_t>();
    if (too_old(*s, resume_max_age)) {
      u.reason = "not resumed: last activity " + s->last_activity + " is older than " +
                 format_duration(resume_max_age);
      if (!tx.sessions().transition(agent, SessionEvent::went_stale, u)) return out;
      report_death(tx, *s, *u.reason, "supervisor", s->current_turn, terminal_mail);
      out.stale = *u.reason;
      return out;
    }
    if (!interrupted) return out;
    constexpr int kLookBack = 100;  // more turns than any streak that still resumes
    auto verdict = decide_interruption(interruption_streak(tx.turns().recent(agent, kLookBack)),
                                       s->failed_turns, policy.max_failed_turns,
                                       policy.retry_backoff, why.detail);
    if (verdict.counts) return count_interruption(tx, *s, why, verdict, terminal_mail, out);
    u.reason = why.reason;
    if (!tx.sessions().transition(agent, SessionEvent::turn_interrupted, u)) return out;
    tx.mail().insert(recovery_note(agent, why));
    out.resumed = true;
    return out;
  });
}

}  // namespace drover::runner
