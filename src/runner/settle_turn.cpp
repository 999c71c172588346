// The runner's settle of the turn it ran (SPEC §5.4–§5.6); the transaction itself is
// settle_run in turn_ends.cpp.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include "core/text.h"
#include "runner/prepared_turn.h"
#include "runner/terminal_mail.h"
#include "runner/turn_ends.h"

namespace drover::runner {

OwnedFd& OwnedFd::operator=(OwnedFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

OwnedFd::~OwnedFd() {
  if (fd_ >= 0) ::close(fd_);
}

TurnReport settle_turn(RunnerContext& ctx, const PreparedTurn& t, const Streamed& s,
                       std::function<void(store::Tx&)> first) {
  RunEnd end;
  end.agent = t.agent;
  end.turn_id = t.turn_id;
  end.terminal_mail = t.capability.terminal_mail;
  end.resume_id = t.resume_id;
  end.how = s.how;
  end.duration_ms = std::chrono::duration_cast<Millis>(ctx.clock->now() - t.spawned_at).count();
  end.cost_usd = s.cost_usd;
  end.input_tokens = s.input_tokens;
  end.output_tokens = s.output_tokens;
  end.session_id = s.session_id;
  end.unanswered_live_mail = s.unanswered_live_mail;
  end.first = std::move(first);
  // The worktree is observed before the settle transaction: git never runs inside it.
  if (t.session.worktree) {
    end.worktree = snapshot_worktree(*t.session.worktree);
    if (!end.worktree->error.empty())
      ctx.log->warn("{}: cannot observe the worktree after turn {}: {}", t.agent, t.turn_id,
                    end.worktree->error);
  }
  TurnReport report;
  report.agent = t.agent;
  report.turn_id = t.turn_id;
  report.exit_code = s.how.exit_code;
  report.signal = s.how.signal;
  auto r = settle_run(*ctx.store, t.settle_policy, end);
  if (!r) {
    ctx.log->error("{}: could not settle turn {}: {}", t.agent, t.turn_id,
                   escape_control(r.error().message));
    report.reason = r.error().message;
    return report;
  }
  const SettleDecision& d = r->decision;
  if (!r->state)
    ctx.log->error("{}: settle of turn {} lost: {}", t.agent, t.turn_id, r->transition_error);
  report.settled = true;
  report.state = r->state;
  report.outcome = d.outcome;
  report.reason = d.reason;
  if (d.outcome == TurnOutcome::violation)
    ctx.log->error("{}: contract violation: turn {} ended cleanly without terminal mail ({})",
                   t.agent, t.turn_id, fmt::join(t.capability.terminal_mail, ", "));
  else if (d.outcome == TurnOutcome::stalled)
    ctx.log->error("{}: stalled: {}", t.agent, escape_control(s.how.stall_reason));
  ctx.log->info("{}: turn {} settled: {} -> {}{}", t.agent, t.turn_id, to_string(d.outcome),
                report.state ? std::string(to_string(*report.state)) : std::string("(unchanged)"),
                d.reason.empty() ? "" : " (" + escape_control(d.reason) + ")");
  return report;
}

void fail_start(RunnerContext& ctx, const std::string& agent, const std::string& why,
                std::int64_t turn) {
  ctx.log->error("{}: failed: {}", agent, escape_control(why));
  auto st = fail_agent_start(
      *ctx.store, agent, why, turn ? std::optional<std::int64_t>(turn) : std::nullopt,
      [&ctx](const std::string& cap) { return terminal_mail_of(ctx.paths, cap); });
  if (!st) ctx.log->error("{}: {}", agent, st.error().message);
}

void end_turn_processes(RunnerContext& ctx, PreparedTurn& t) {
  if (!t.cgroup) return;
  t.cgroup.reset();
  auto end = end_turn_cgroup(ctx.paths, t.agent);
  if (end.populated)
    ctx.log->warn("{}: turn {} left processes in its cgroup; killed them (cgroup.kill)", t.agent,
                  t.turn_id);
  if (!end.problem.empty()) ctx.log->error("{}: turn {}: {}", t.agent, t.turn_id, end.problem);
}

void cleanup_turn_files(RunnerContext& ctx, PreparedTurn& t) {
  end_turn_processes(ctx, t);
  if (auto st = t.lease.unpublish(); !st)
    ctx.log->error("{}: cannot remove turn.pid: {}", t.agent, st.error().message);
  t.lease.release();
}

}  // namespace drover::runner
