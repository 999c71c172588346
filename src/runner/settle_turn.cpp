// Settling a turn in one transaction (SPEC §5.4–§5.6).
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/worker_died.h"
#include "os/files.h"
#include "runner/prepared_turn.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::runner {

TurnReport settle_turn(RunnerContext& ctx, const PreparedTurn& t, TurnObservation obs,
                       std::int64_t duration_ms, const std::optional<double>& cost,
                       const std::optional<std::int64_t>& input_tokens,
                       const std::optional<std::int64_t>& output_tokens,
                       const std::optional<std::string>& observed_session_id,
                       const std::optional<WorktreeSnapshot>& worktree) {
  TurnReport report;
  report.agent = t.agent;
  report.turn_id = t.turn_id;
  report.exit_code = obs.exit_code;
  report.signal = obs.signal;
  auto r = ctx.store->write<SettleDecision>([&](store::Tx& tx) -> Result<SettleDecision> {
    auto s = tx.sessions().get(t.agent);
    if (!s) return make_error(Errc::not_found, "agent '" + t.agent + "' vanished during its turn");
    auto turn = tx.turns().get(t.turn_id);
    std::int64_t mark = turn ? turn->mail_mark : 0;
    SettleContext sc;
    sc.terminal_mail_sent = tx.mail().sent_since(t.agent, t.capability.terminal_mail, mark);
    sc.persistent = t.capability.terminal_mail.empty();
    sc.live_children = static_cast<int>(tx.sessions().live_children(t.agent).size());
    sc.mail_arrived = tx.mail().arrived_since(t.agent, mark);
    sc.failed_turns = s->failed_turns;
    sc.max_failed_turns = ctx.config.supervisor.max_failed_turns;
    sc.retry_backoff = ctx.config.supervisor.retry_backoff;
    sc.has_parent = s->parent.has_value() && !s->parent->empty();
    obs.stop_requested = obs.stop_requested || s->stop_requested;
    SettleDecision d = decide_settle(obs, sc);

    std::string now = now_timestamp();
    store::TurnRecord end;
    end.id = t.turn_id;
    end.ended_at = now;
    end.outcome = std::string(to_string(d.outcome));
    if (obs.exit_code) end.exit_code = *obs.exit_code;
    if (obs.signal) end.signal = *obs.signal;
    end.duration_ms = duration_ms;
    end.cost_usd = cost;
    end.input_tokens = input_tokens;
    end.output_tokens = output_tokens;
    end.session_id = observed_session_id;
    end.detail = obs.has_result ? obs.result_text : d.reason;
    tx.turns().finish(end);
    if (d.mail_read) tx.mail().mark_turn_read(t.turn_id, now);
    else tx.mail().release_turn(t.turn_id);

    store::StateUpdate u;
    u.reason = d.reason;
    u.last_activity = now;
    u.failed_turns = d.failed_turns;
    u.current_turn = std::optional<std::int64_t>();
    u.retry_after = d.backoff && d.backoff->count() > 0
                        ? std::optional<std::string>(format_timestamp(SystemClock::instance().now() + *d.backoff))
                        : std::optional<std::string>();
    if (d.clear_session_id) u.runtime_session_id = std::optional<std::string>();
    if (worktree && worktree->head_sha) u.head_sha = worktree->head_sha;
    if (worktree && worktree->dirty_summary) u.dirty_summary = worktree->dirty_summary;
    auto moved = tx.sessions().transition(t.agent, d.event, u);
    nlohmann::json data = {{"outcome", to_string(d.outcome)}, {"reason", d.reason},
                           {"exit", describe_exit(obs)}, {"duration_ms", duration_ms}};
    if (!moved) {
      // Someone else settled the session (it should not happen while we hold the lock):
      // the turn and its mail are still recorded, and no second worker_died is sent.
      ctx.log->error("{}: settle of turn {} lost: {}", t.agent, t.turn_id, moved.error().message);
      data["transition_error"] = moved.error().message;
      tx.events().add(t.agent, t.turn_id, "turn_end", "error", data.dump());
      report.state.reset();
      return d;
    }
    report.state = *moved;
    tx.events().add(t.agent, t.turn_id, "turn_end", "info", data.dump());
    if (d.outcome == TurnOutcome::violation)
      tx.events().add(t.agent, t.turn_id, "contract_violation", "error",
                      nlohmann::json({{"reason", d.reason}, {"expected", t.capability.terminal_mail}}).dump());
    if (d.outcome == TurnOutcome::stalled)
      tx.events().add(t.agent, t.turn_id, "stalled", "error", nlohmann::json({{"reason", obs.stall_reason}}).dump());
    if (d.outcome == TurnOutcome::lost_session)
      tx.events().add(t.agent, t.turn_id, "resume_failed", "warn",
                      nlohmann::json({{"requested_session_id", t.resume_id.value_or("")},
                                      {"result", obs.result_text}}).dump());
    if (d.worker_died && sc.has_parent)
      tx.mail().insert(make_worker_died(*s, d.reason, d.terminated_by, t.turn_id));
    return d;
  });
  if (!r) {
    ctx.log->error("{}: could not settle turn {}: {}", t.agent, t.turn_id, r.error().message);
    report.reason = r.error().message;
    return report;
  }
  report.settled = true;
  report.outcome = r->outcome;
  report.reason = r->reason;
  if (r->outcome == TurnOutcome::violation)
    ctx.log->error("{}: contract violation: turn {} ended cleanly without terminal mail ({})",
                   t.agent, t.turn_id, fmt::join(t.capability.terminal_mail, ", "));
  else if (r->outcome == TurnOutcome::stalled)
    ctx.log->error("{}: stalled: {}", t.agent, obs.stall_reason);
  ctx.log->info("{}: turn {} settled: {} -> {}{}", t.agent, t.turn_id, to_string(r->outcome),
                report.state ? std::string(to_string(*report.state)) : std::string("(unchanged)"),
                r->reason.empty() ? "" : " (" + r->reason + ")");
  return report;
}

void cleanup_turn_files(RunnerContext& ctx, PreparedTurn& t) {
  if (auto st = os::remove_file(ctx.paths.turn_pid(t.agent)); !st)
    ctx.log->error("{}: cannot remove turn.pid: {}", t.agent, st.error().message);
  t.lock.release();
}

}  // namespace drover::runner
