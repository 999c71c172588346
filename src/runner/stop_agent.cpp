#include "runner/stop_agent.h"

#include <chrono>
#include <thread>

#include "core/watchdog.h"
#include "os/files.h"
#include "runner/terminal_mail.h"
#include "runner/turn_ends.h"
#include "runner/turn_lease.h"
#include "runner/worktree.h"
#include "store/hosts.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::runner {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(2);
constexpr auto kRunnerSettleWait = std::chrono::seconds(15);

Result<Session> current(store::Store& st, const std::string& agent) {
  return st.read<Session>([&](store::Tx& tx) -> Result<Session> {
    auto s = tx.sessions().get(agent);
    if (!s)
      return make_error(Errc::not_found, "no agent named '" + agent + "' (see 'drover status')");
    return *s;
  });
}

// Runs the stop policy on the group turn.pid names, when that group is the turn's (its
// leader, or what is left of the turn once the leader is gone). Returns whether one was
// stopped; a stale turn.pid no runner holds is removed.
Result<bool> stop_published_turn(const ProjectPaths& paths, const std::string& agent,
                                 const StopPolicy& policy, bool runner_holds, StopReport& rep) {
  auto pid = read_turn_pid(paths, agent);
  if (pid.has_processes()) {
    auto stopped = stop_turn_group(*pid.identity, policy);
    if (stopped.kind == GroupStop::Kind::survived)
      return make_error(Errc::failed, "the turn of '" + agent + "' (group " +
                                          std::to_string(pid.identity->pgid) +
                                          ") survived SIGKILL");
    if (stopped.kind == GroupStop::Kind::gone) {
      rep.signalled = true;
      return true;
    }
  }
  if (pid.readable && !runner_holds) {
    rep.stale_turn_pid = true;  // never signal a pid whose identity does not match
    (void)remove_turn_pid(paths, agent);
  }
  return false;
}

enum class RunnerWait { settled, runner_gone, timed_out };

// A runner holds the lock: it settles its turn as stopped once the group is gone.
Result<RunnerWait> wait_for_runner(const ProjectPaths& paths, store::Store& st,
                                   const std::string& agent, const StopPolicy& policy,
                                   StopReport& rep) {
  auto deadline = std::chrono::steady_clock::now() + kRunnerSettleWait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto s = current(st, agent);
    if (!s) return s.error();
    if (is_terminal(s->state)) {
      rep.settled_by_runner = true;
      rep.state = std::string(to_string(s->state));
      return RunnerWait::settled;
    }
    if (!lease_held(paths, agent)) return RunnerWait::runner_gone;
    // A runner between spawn and turn.pid: its group is stopped as soon as it is published.
    if (auto r = stop_published_turn(paths, agent, policy, true, rep); !r) return r.error();
    std::this_thread::sleep_for(kPoll);  // waiting for the runner's settle transaction
  }
  return lease_held(paths, agent) ? RunnerWait::timed_out : RunnerWait::runner_gone;
}

// No runner holds the lock and we hold it: we are the one writer.
Result<StopReport> settle_without_runner(const ProjectPaths& paths, store::Store& st,
                                         const std::string& agent, StopReport rep) {
  // A turn cgroup its dead runner left: setsid daemons die with it.
  if (auto cg = end_turn_cgroup(paths, agent); cg.populated) rep.signalled = true;
  auto s = current(st, agent);
  if (!s) return s.error();
  if (!is_terminal(s->state)) {
    // The worktree is observed before the transaction: git never runs inside it.
    std::optional<WorktreeSnapshot> worktree;
    if (s->worktree) worktree = snapshot_worktree(*s->worktree);
    DROVER_TRY(settle_operator_stop(st, agent, worktree, [&paths](const std::string& cap) {
      return terminal_mail_of(paths, cap);
    }));
  }
  (void)remove_turn_pid(paths, agent);
  auto after = current(st, agent);
  if (!after) return after.error();
  rep.state = std::string(to_string(after->state));
  return rep;
}

// Another host runs the agent's turn (docs/hosts.md): the stop is in the session, and that
// host ends the turn at its next tick and settles it as stopped — or, when that host is
// lost, the host that takes its agents over recovers it. Waits until the agent is no
// longer in a turn there. True: it ended up terminal (rep says how); false: it is idle
// now and the caller settles it here.
Result<bool> wait_for_other_host(const Config& config, store::Store& st, const std::string& agent,
                                 std::string_view host, StopReport& rep) {
  auto limit = config.supervisor.lease + 2 * config.supervisor.poll_interval +
               config.turn.kill_grace + kRunnerSettleWait;
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    struct Seen {
      Session s;
      std::optional<store::Lease> lease;
    };
    auto seen = st.read<Seen>([&](store::Tx& tx) -> Result<Seen> {
      auto s = tx.sessions().get(agent);
      if (!s) return make_error(Errc::not_found, "no agent named '" + agent + "'");
      return Seen{*s, tx.hosts().lease_of(agent)};
    });
    if (!seen) return seen.error();
    if (is_terminal(seen->s.state)) {
      rep.settled_by_runner = true;
      rep.state = std::string(to_string(seen->s.state));
      return true;
    }
    bool elsewhere = seen->lease && seen->lease->host != host;
    if (seen->s.state != SessionState::in_turn || !elsewhere) return false;
    if (std::chrono::steady_clock::now() >= deadline)
      return make_error(Errc::failed, "host " + seen->lease->host + " has not ended the turn of '" +
                                          agent +
                                          "' in time; the stop stays requested and is "
                                          "carried out by that host, or by the host that takes "
                                          "its agents over");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the other host's settle
  }
}

}  // namespace

Result<InterruptReport> interrupt_turn(const ProjectPaths& paths, const std::string& agent,
                                       std::chrono::milliseconds grace) {
  InterruptReport out;
  StopPolicy policy = default_stop_policy(grace);
  auto deadline = std::chrono::steady_clock::now() + kRunnerSettleWait;
  while (lease_held(paths, agent)) {
    if (std::chrono::steady_clock::now() >= deadline)
      return make_error(Errc::failed,
                        "the runner of '" + agent + "' did not settle its turn in time");
    StopReport rep;
    if (auto r = stop_published_turn(paths, agent, policy, true, rep); !r) return r.error();
    out.signalled = out.signalled || rep.signalled;
    std::this_thread::sleep_for(kPoll);  // waiting for the runner's settle transaction
  }
  return out;
}

Result<StopReport> stop_agent(const ProjectPaths& paths, const Config& config, store::Store& st,
                              const std::string& agent, std::chrono::milliseconds grace, bool quiet,
                              std::string_view host) {
  StopReport rep;
  rep.agent = agent;
  auto before = current(st, agent);
  if (!before) return before.error();
  if (is_terminal(before->state))
    return make_error(Errc::conflict,
                      "agent '" + agent + "' is already " + std::string(to_string(before->state)) +
                          " (nothing to stop; 'drover resume " + agent + "' continues it)");
  // The intent first: no runner starts a new turn for this agent from now on.
  auto marked = st.write<bool>(
      [&](store::Tx& tx) -> Result<bool> { return tx.sessions().request_stop(agent, quiet); });
  if (!marked) return marked.error();
  if (!*marked)
    return make_error(Errc::conflict, "agent '" + agent + "' finished while stopping it");
  if (!host.empty()) {
    auto remote = wait_for_other_host(config, st, agent, host, rep);
    if (!remote) return remote.error();
    if (*remote) return rep;
  }

  StopPolicy policy = default_stop_policy(grace);
  // An agent that never ran a turn (e.g. slung with --no-start) has no directory yet, and
  // its turn lock cannot be taken without one.
  DROVER_TRY(os::make_private_dirs(paths.agent_dir(agent)));
  for (int attempt = 0; attempt < 50; ++attempt) {
    bool runner_holds = lease_held(paths, agent);
    if (auto r = stop_published_turn(paths, agent, policy, runner_holds, rep); !r) return r.error();
    if (runner_holds) {
      auto waited = wait_for_runner(paths, st, agent, policy, rep);
      if (!waited) return waited.error();
      if (*waited == RunnerWait::settled) return rep;
      if (*waited == RunnerWait::timed_out)
        return make_error(Errc::failed,
                          "the runner of '" + agent + "' did not settle its turn in time");
    }
    auto lease = TurnLease::take(paths, agent);
    if (!lease && lease.error().code != Errc::conflict) return lease.error();
    if (!lease) continue;  // a runner took it meanwhile: signal its turn on the next pass
    return settle_without_runner(paths, st, agent, rep);
  }
  return make_error(Errc::failed,
                    "could not stop '" + agent + "': its turn lock kept changing hands");
}

}  // namespace drover::runner
