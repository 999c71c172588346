#include "supervisor/recovery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/clock.h"
#include "core/json_text.h"
#include "core/settle.h"
#include "core/text.h"
#include "runner/terminal_mail.h"
#include "runner/turn_ends.h"
#include "runner/turn_lease.h"
#include "store/events.h"
#include "store/hosts.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::supervisor {

namespace {

using runner::RecoveryCause;

constexpr RecoveryCause kRestart{
    "supervisor restart", "the runner died (supervisor restart)",
    "resumed after a supervisor restart",
    "Your previous turn was interrupted by a supervisor restart; continue your task."};
constexpr RecoveryCause kRunnerDied{
    "runner died", "the runner died (found by the running supervisor)",
    "resumed after its runner died",
    "Your previous turn was interrupted: the process running it died. Continue your task."};

constexpr RecoveryCause kHostLost{
    "host lost", "its host stopped renewing its lease (host lost); another host took it over",
    "resumed on another host after its host was lost",
    "Your previous turn was interrupted: the machine running it stopped answering, and this "
    "turn runs on another host. Check what your worktree holds, then continue your task."};

void add_event(runner::RunnerContext& ctx, const std::string& agent, const std::string& kind,
               const nlohmann::json& data) {
  auto r = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    tx.events().add(agent, std::nullopt, kind, "warn", dump_json(data));
    return Unit{};
  });
  if (!r) ctx.log->error("{}: {}", agent, r.error().message);
}

// A turn cgroup a dead runner left (cgroup mode): whatever is in it is killed, setsid
// daemons included, and it is removed.
void reconcile_turn_cgroup(runner::RunnerContext& ctx, const std::string& agent,
                           RecoveryReport& rep) {
  auto end = runner::end_turn_cgroup(ctx.paths, agent);
  if (!end.problem.empty()) ctx.log->error("{}: {}", agent, end.problem);
  if (!end.populated) return;
  ctx.log->warn("{}: killed the processes left in its turn cgroup", agent);
  add_event(ctx, agent, "orphan_killed", {{"cgroup", true}, {"killed", end.problem.empty()}});
  ++rep.orphans_killed;
}

// What turn.pid says for an agent no runner holds: stop a verified orphan — the leader, or
// what is left of its turn once the leader is gone — with the configured stop policy, drop
// a stale file; either way an event records it.
void reconcile_turn_pid(runner::RunnerContext& ctx, const std::string& agent, RecoveryReport& rep) {
  auto pid = runner::read_turn_pid(ctx.paths, agent);
  if (!pid.readable) return;
  std::string kind;
  nlohmann::json data;
  if (pid.has_processes()) {
    auto stopped =
        runner::stop_turn_group(*pid.identity, default_stop_policy(ctx.config.turn.kill_grace));
    bool dead = stopped.kind == runner::GroupStop::Kind::gone;
    if (stopped.kind == runner::GroupStop::Kind::survived)
      ctx.log->error("{}: orphan group {} survived SIGKILL", agent, pid.identity->pgid);
    if (stopped.kind == runner::GroupStop::Kind::not_ours)
      ctx.log->warn("{}: process {} left group {}; not signalled", agent, pid.identity->pid,
                    pid.identity->pgid);
    kind = "orphan_killed";
    data = {{"pid", pid.identity->pid}, {"pgid", pid.identity->pgid}, {"killed", dead}};
    if (!pid.alive()) data["leftovers"] = pid.leftovers;
    ctx.log->warn("{}: killed orphan turn process {} (group {}{})", agent, pid.identity->pid,
                  pid.identity->pgid,
                  pid.alive() ? "" : ", leader gone, " + std::to_string(pid.leftovers) + " left");
    ++rep.orphans_killed;
  } else {
    // Never signal a pid whose identity does not match: it is somebody else's process.
    kind = "stale_turn_pid";
    std::string problem = pid.identity ? "process gone or pid reused" : pid.problem;
    data = {{"content", pid.text.substr(0, 200)}, {"problem", problem}};
    ctx.log->info("{}: removed stale turn.pid ({})", agent, problem);
  }
  (void)runner::remove_turn_pid(ctx.paths, agent);
  add_event(ctx, agent, kind, data);
}

// The session side of recovering `name` (runner/turn_ends.h), logged as it happened.
void settle_agent(runner::RunnerContext& ctx, const std::string& name, const RecoveryCause& why,
                  bool idle_too, RecoveryReport& rep) {
  Millis max_age = ctx.config.supervisor.resume_max_age;
  auto r = runner::settle_recovered(
      *ctx.store, name, why, idle_too, max_age,
      [&ctx](const std::string& cap) { return runner::terminal_mail_of(ctx.paths, cap); },
      {ctx.config.supervisor.max_failed_turns, ctx.config.supervisor.retry_backoff}, ctx.host);
  if (!r) {
    ctx.log->error("recovery of {}: {}", name, r.error().message);
    ++rep.failed;
    rep.failure = r.error().message;
    return;
  }
  rep.turns_interrupted += r->turns_interrupted;
  if (r->stale) {
    ctx.log->warn("not resuming {}: last activity {} is older than {}", name,
                  escape_control(r->last_activity), format_duration(max_age));
    ++rep.stale;
  }
  if (r->zombie) {
    ctx.log->warn("not resuming {}: {}", name, escape_control(*r->zombie));
    ++rep.zombies;
  }
  if (r->resumed) {
    std::string turn =
        r->interrupted_turn ? std::to_string(*r->interrupted_turn) : std::string("?");
    if (r->counted)
      ctx.log->warn(
          "resuming {} (interrupted turn {}) after {}: {}, counted as failed turn {} of {}", name,
          turn, format_duration(r->counted->backoff.value_or(Millis(0))), r->counted->reason,
          r->counted->failed_turns, ctx.config.supervisor.max_failed_turns);
    else ctx.log->info("resuming {} (interrupted turn {})", name, turn);
    ++rep.resumed;
  }
}

// Recovers one agent if nobody holds its turn lock, holding that lock throughout so that a
// `drover turn` or `stop` starting meanwhile waits instead of racing the repair.
bool recover_agent(runner::RunnerContext& ctx, const std::string& name, const RecoveryCause& why,
                   bool idle_too, RecoveryReport& rep) {
  auto lease = runner::TurnLease::take(ctx.paths, name);
  // Held: a live runner owns the agent. Any other failure means there is no lock file to
  // hold (the agent never ran, so it has no directory): no runner can exist either.
  if (!lease && lease.error().code == Errc::conflict) return false;
  reconcile_turn_pid(ctx, name, rep);
  reconcile_turn_cgroup(ctx, name, rep);
  settle_agent(ctx, name, why, idle_too, rep);
  return true;
}

// An agent another host holds: its local turn.pid or cgroup (left by this host before it
// lost the lease) is reconciled under the turn lock, and nothing is settled.
void kill_leftovers(runner::RunnerContext& ctx, const std::string& name, RecoveryReport& rep) {
  auto lease = runner::TurnLease::take(ctx.paths, name);
  if (!lease) return;
  reconcile_turn_pid(ctx, name, rep);
  reconcile_turn_cgroup(ctx, name, rep);
}

}  // namespace

std::string summary(const RecoveryReport& rep) {
  std::string out = std::to_string(rep.turns_interrupted) + " interrupted turn(s) settled, " +
                    std::to_string(rep.orphans_killed) + " orphan(s) killed, " +
                    std::to_string(rep.resumed) + " agent(s) resumed, " +
                    std::to_string(rep.stale) + " stale";
  if (rep.zombies > 0)
    out += ", " + std::to_string(rep.zombies) + " made zombie (interrupted too often)";
  if (rep.failed > 0)
    out += ", " + std::to_string(rep.failed) + " not recovered (" + rep.failure + ")";
  return out;
}

bool any(const RecoveryReport& rep) {
  return rep.turns_interrupted + rep.orphans_killed + rep.resumed + rep.stale + rep.zombies +
             rep.failed >
         0;
}

RecoveryReport recover(runner::RunnerContext& ctx) {
  RecoveryReport rep;
  std::set<std::string> elsewhere;  // agents another host holds (docs/hosts.md)
  auto sessions =
      ctx.store->read<std::vector<Session>>([&](store::Tx& tx) -> Result<std::vector<Session>> {
        if (!ctx.host.empty())
          for (auto& a : tx.hosts().held_elsewhere(ctx.host)) elsewhere.insert(std::move(a));
        return tx.sessions().list();
      });
  if (!sessions) {
    ctx.log->error("recovery: {}", sessions.error().message);
    return rep;
  }
  std::set<std::string> seen;
  for (const auto& s : *sessions) {
    seen.insert(s.name);
    if (elsewhere.count(s.name)) {
      // Another host took it while this one was away: what this host left of its turn is
      // killed here, and the turn is the other host's to settle.
      kill_leftovers(ctx, s.name, rep);
      continue;
    }
    (void)recover_agent(ctx, s.name, kRestart, true, rep);
  }
  // Turns of agents without a session row (removed by hand) still hold mail.
  auto open = ctx.store->read<std::vector<std::string>>(
      [&](store::Tx& tx) -> Result<std::vector<std::string>> {
        return tx.sessions().needing_runner(ctx.host);
      });
  if (open)
    for (const auto& name : *open)
      if (!seen.count(name)) (void)recover_agent(ctx, name, kRestart, true, rep);
  return rep;
}

RecoveryReport recover_taken_over(runner::RunnerContext& ctx,
                                  const std::vector<std::string>& agents) {
  RecoveryReport rep;
  for (const auto& name : agents) (void)recover_agent(ctx, name, kHostLost, false, rep);
  return rep;
}

RecoveryReport recover_if_runner_died(runner::RunnerContext& ctx, const std::string& agent) {
  RecoveryReport rep;
  if (runner::lease_held(ctx.paths, agent)) return rep;
  auto names = ctx.store->read<std::vector<std::string>>(
      [&](store::Tx& tx) -> Result<std::vector<std::string>> {
        return tx.sessions().needing_runner(ctx.host);
      });
  if (!names || std::find(names->begin(), names->end(), agent) == names->end()) return rep;
  ctx.log->warn("{}: its turn never ended and no runner holds it; recovering it", agent);
  (void)recover_agent(ctx, agent, kRunnerDied, false, rep);
  return rep;
}

bool RecoveryRetries::due(const std::string& agent, SteadyPoint now) const {
  auto it = waiting_.find(agent);
  return it == waiting_.end() || now >= it->second.next;
}

void RecoveryRetries::failed(const std::string& agent, SteadyPoint now) {
  constexpr Millis kCap{30 * 1000};
  Waiting& w = waiting_[agent];
  ++w.failures;
  w.next = now + std::min(backoff_for(w.failures, Millis(1000)), kCap);
}

RecoveryReport adopt_dead_runners(runner::RunnerContext& ctx, const std::set<std::string>& own,
                                  RecoveryRetries* retries) {
  RecoveryReport rep;
  auto names = ctx.store->read<std::vector<std::string>>(
      [&](store::Tx& tx) -> Result<std::vector<std::string>> {
        return tx.sessions().needing_runner(ctx.host);
      });
  if (!names) {
    ctx.log->error("looking for dead runners: {}", names.error().message);
    return rep;
  }
  auto now = ctx.clock->now();
  for (const auto& name : *names) {
    if (own.count(name) || runner::lease_held(ctx.paths, name)) continue;
    if (retries && !retries->due(name, now)) continue;
    ctx.log->warn("{}: its turn never ended and no runner holds it; recovering it", name);
    int failed_before = rep.failed;
    (void)recover_agent(ctx, name, kRunnerDied, false, rep);
    if (retries && rep.failed > failed_before) retries->failed(name, now);
    else if (retries) retries->succeeded(name);
  }
  return rep;
}

}  // namespace drover::supervisor
