#include "runner/stop_agent.h"

#include <chrono>
#include <thread>

#include "core/clock.h"
#include "core/watchdog.h"
#include "core/worker_died.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "os/process.h"
#include "runner/worktree.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "os/stop_group.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::runner {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(2);
constexpr auto kRunnerSettleWait = std::chrono::seconds(15);

Result<Session> current(store::Store& st, const std::string& agent) {
  return st.read<Session>([&](store::Tx& tx) -> Result<Session> {
    auto s = tx.sessions().get(agent);
    if (!s) return make_error(Errc::not_found, "no agent named '" + agent + "' (see 'drover status')");
    return *s;
  });
}

// No runner holds the lock: we are the one writer. `worktree` was observed before the
// transaction (git never runs inside it).
Status settle_ourselves(store::Store& st, const std::string& agent, const std::optional<WorktreeSnapshot>& worktree) {
  auto r = st.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    auto s = tx.sessions().get(agent);
    if (!s) return make_error(Errc::not_found, "no agent named '" + agent + "'");
    std::string now = now_timestamp();
    for (const auto& t : tx.turns().unfinished()) {
      if (t.agent != agent) continue;
      tx.mail().release_turn(t.id);
      store::TurnRecord end;
      end.id = t.id;
      end.ended_at = now;
      end.outcome = "stopped";
      end.detail = "stopped by the operator (no runner)";
      tx.turns().finish(end);
    }
    store::StateUpdate u;
    u.reason = "stopped by the operator";
    u.current_turn = std::optional<std::int64_t>();
    if (worktree && worktree->head_sha) u.head_sha = worktree->head_sha;
    if (worktree && worktree->dirty_summary) u.dirty_summary = worktree->dirty_summary;
    auto moved = tx.sessions().transition(agent, SessionEvent::stop, u);
    if (!moved) return moved.error();
    if (s->parent && !s->parent->empty())
      tx.mail().insert(make_worker_died(*s, "stopped by the operator", "operator", s->current_turn));
    return Unit{};
  });
  if (!r) return r.error();
  return ok_status();
}

}  // namespace

Result<StopReport> stop_agent(const ProjectPaths& paths, const Config& config, store::Store& st,
                              const std::string& agent, std::chrono::milliseconds grace) {
  StopReport rep;
  rep.agent = agent;
  auto before = current(st, agent);
  if (!before) return before.error();
  if (is_terminal(before->state))
    return make_error(Errc::conflict, "agent '" + agent + "' is already " + std::string(to_string(before->state)) +
                                          " (nothing to stop; 'drover resume " + agent + "' continues it)");
  // The intent first: no runner starts a new turn for this agent from now on.
  auto marked = st.write<bool>([&](store::Tx& tx) -> Result<bool> { return tx.sessions().request_stop(agent); });
  if (!marked) return marked.error();
  if (!*marked) return make_error(Errc::conflict, "agent '" + agent + "' finished while stopping it");

  StopPolicy policy = default_stop_policy(grace);
  (void)config;
  // An agent that never ran a turn (e.g. slung with --no-start) has no directory yet, and
  // its turn lock cannot be taken without one.
  DROVER_TRY(os::make_private_dirs(paths.agent_dir(agent)));
  for (int attempt = 0; attempt < 50; ++attempt) {
    bool runner_holds = os::is_locked(paths.turn_lock(agent));
    if (auto text = os::read_file(paths.turn_pid(agent))) {
      auto id = os::parse_pid_file(*text);
      if (id && os::check_identity(*id) == os::Liveness::alive) {
        if (!os::stop_group(id->pgid, policy))
          return make_error(Errc::failed, "the turn of '" + agent + "' (group " + std::to_string(id->pgid) +
                                              ") survived SIGKILL");
        rep.signalled = true;
      } else if (!runner_holds) {
        rep.stale_turn_pid = true;  // never signal a pid whose identity does not match
        (void)os::remove_file(paths.turn_pid(agent));
      }
    }
    if (runner_holds) {
      // The runner settles its turn as stopped once the group is gone; wait for it.
      auto deadline = SteadyClock::now() + kRunnerSettleWait;
      while (SteadyClock::now() < deadline) {
        auto s = current(st, agent);
        if (!s) return s.error();
        if (is_terminal(s->state)) {
          rep.settled_by_runner = true;
          rep.state = std::string(to_string(s->state));
          return rep;
        }
        if (!os::is_locked(paths.turn_lock(agent))) break;  // runner gone: settle below
        // A runner between spawn and turn.pid: signal its group as soon as it is published.
        if (auto text = os::read_file(paths.turn_pid(agent))) {
          auto id = os::parse_pid_file(*text);
          if (id && os::check_identity(*id) == os::Liveness::alive) {
            if (!os::stop_group(id->pgid, policy))
              return make_error(Errc::failed, "the turn of '" + agent + "' survived SIGKILL");
            rep.signalled = true;
          }
        }
        std::this_thread::sleep_for(kPoll);  // waiting for the runner's settle transaction
      }
      if (os::is_locked(paths.turn_lock(agent)))
        return make_error(Errc::failed, "the runner of '" + agent + "' did not settle its turn in time");
    }
    auto lock = os::FileLock::try_acquire(paths.turn_lock(agent));
    if (!lock && lock.error().code != Errc::conflict) return lock.error();
    if (!lock) continue;  // a runner took it meanwhile: signal its turn on the next pass
    auto s = current(st, agent);
    if (!s) return s.error();
    if (!is_terminal(s->state)) {
      std::optional<WorktreeSnapshot> worktree;
      if (s->worktree) worktree = snapshot_worktree(*s->worktree);
      DROVER_TRY(settle_ourselves(st, agent, worktree));
    }
    (void)os::remove_file(paths.turn_pid(agent));
    auto after = current(st, agent);
    if (!after) return after.error();
    rep.state = std::string(to_string(after->state));
    return rep;
  }
  return make_error(Errc::failed, "could not stop '" + agent + "': its turn lock kept changing hands");
}

}  // namespace drover::runner
