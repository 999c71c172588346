// Preparation of a turn, synchronously: lock, claim, spawn, turn.pid, in_turn (SPEC §5.1).
#include <signal.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/names.h"
#include "core/prompt.h"
#include "os/fd_io.h"
#include "os/files.h"
#include "runner/prepared_turn.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::runner {

namespace {

using Kind = StartResult::Kind;

StartResult result(Kind k, std::string message, std::int64_t turn = 0) {
  StartResult r;
  r.kind = k;
  r.message = std::move(message);
  r.turn_id = turn;
  return r;
}

struct Claimed {
  Session session;
  std::int64_t turn_id = 0;
  std::vector<MailMessage> mail;
};

// Ends a turn that never reached in_turn: its mail goes back, the row records why.
void abandon_turn(RunnerContext& ctx, std::int64_t turn_id, const std::string& outcome,
                  const std::string& detail) {
  auto r = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    tx.mail().release_turn(turn_id);
    store::TurnRecord end;
    end.id = turn_id;
    end.ended_at = now_timestamp();
    end.outcome = outcome;
    end.detail = detail;
    tx.turns().finish(end);
    return Unit{};
  });
  if (!r) ctx.log->error("could not record the end of turn {}: {}", turn_id, r.error().message);
}

}  // namespace

Capability load_capability(RunnerContext& ctx, const std::string& name) {
  auto path = ctx.paths.capabilities() / (name + ".md");
  auto text = os::read_file(path);
  if (!text) return default_capability(name);
  auto cap = parse_capability(name, *text, path.string());
  if (!cap) {
    ctx.log->error("{}; using the default terminal mail (worker_done, result)", cap.error().message);
    return default_capability(name);
  }
  return *cap;
}

StartResult start_turn(boost::asio::io_context& io, RunnerContext& ctx, const TurnRequest& req,
                       std::function<void(const TurnReport&)> done) {
  const std::string& agent = req.agent;
  if (auto v = validate_agent_name(agent); !v) return result(Kind::failed, v.error().message);

  // An empty user turn is a no-op: no lock, no spawn, no state change (SPEC §5.1.7).
  auto pending = ctx.store->read<std::size_t>([&](store::Tx& tx) -> Result<std::size_t> {
    auto s = tx.sessions().get(agent);
    if (!s) return make_error(Errc::not_found, "no agent named '" + agent + "'");
    if (is_terminal(s->state) || s->stop_requested) return std::size_t{0};
    return tx.mail().pending_for(agent).size();
  });
  if (!pending) return result(Kind::failed, pending.error().message);
  if (*pending == 0) return result(Kind::no_work, "no pending mail for " + agent);

  if (auto st = os::make_private_dirs(ctx.paths.agent_dir(agent)); !st)
    return result(Kind::failed, st.error().message);
  if (auto st = os::make_private_dirs(ctx.paths.agent_logs(agent)); !st)
    return result(Kind::failed, st.error().message);

  PreparedTurn t;
  t.agent = agent;
  {
    auto lock = req.wait_for_lock ? os::FileLock::acquire(ctx.paths.turn_lock(agent), req.lock_timeout)
                                  : os::FileLock::try_acquire(ctx.paths.turn_lock(agent));
    if (!lock) {
      if (lock.error().code == Errc::conflict) return result(Kind::busy, lock.error().message);
      return result(Kind::failed, lock.error().message);
    }
    t.lock = std::move(*lock);
  }

  // Under the lock: re-read the session (the caller's view may be stale), create the turn
  // row and claim the pending mail, in one transaction. The state does not change yet.
  auto claimed = ctx.store->write<Claimed>([&](store::Tx& tx) -> Result<Claimed> {
    auto s = tx.sessions().get(agent);
    if (!s) return make_error(Errc::not_found, "no agent named '" + agent + "'");
    if (s->stop_requested || (s->state != SessionState::booting && s->state != SessionState::between_turns))
      return make_error(Errc::conflict, "agent '" + agent + "' is " + std::string(to_string(s->state)));
    auto id = tx.turns().create(agent, now_timestamp(), s->runtime_session_id, tx.mail().max_id());
    if (tx.mail().claim_pending(agent, id) == 0)
      return make_error(Errc::conflict, "no pending mail");  // rolls the turn row back
    return Claimed{*s, id, tx.mail().claimed_by(id)};
  });
  if (!claimed) {
    if (claimed.error().code == Errc::conflict) return result(Kind::no_work, claimed.error().message);
    return result(Kind::failed, claimed.error().message);
  }
  t.session = claimed->session;
  t.turn_id = claimed->turn_id;
  t.resume_id = t.session.runtime_session_id;
  t.capability = load_capability(ctx, t.session.capability);

  std::string workdir = t.session.worktree.value_or(ctx.paths.root.string());
  PromptInput in{&t.session, &t.capability, workdir, claimed->mail, !t.resume_id.has_value()};
  t.user_line = user_turn_line(render_turn_text(in));

  t.budgets.first_output_timeout = t.capability.first_output_timeout.value_or(ctx.config.turn.first_output_timeout);
  t.budgets.stall_timeout = t.capability.stall_timeout.value_or(ctx.config.turn.stall_timeout);
  t.budgets.max_duration = t.capability.max_duration.value_or(ctx.config.turn.max_duration);
  t.stop_policy = default_stop_policy(ctx.config.turn.kill_grace);

  auto rt = ctx.config.runtimes.find(t.session.runtime);
  if (rt == ctx.config.runtimes.end()) {
    std::string msg = "runtime '" + t.session.runtime + "' is not configured (add [runtimes." +
                      t.session.runtime + "] to .drover/config.toml)";
    abandon_turn(ctx, t.turn_id, "spawn_failed", msg);
    return result(Kind::spawn_failed, msg, t.turn_id);
  }
  os::SpawnRequest spawn;
  spawn.argv = build_runtime_argv(rt->second, t.session.model, t.resume_id);
  spawn.cwd = workdir;
  spawn.env_extra = {{"DROVER_AGENT", agent},
                     {"DROVER_PROJECT", ctx.paths.root.string()},
                     {"DROVER_TASK_ID", t.session.task_id.value_or("")},
                     {"DROVER_WORKTREE", workdir},
                     {"DROVER_TURN", std::to_string(t.turn_id)},
                     {"DROVER_PARENT", t.session.parent.value_or("")}};

  auto logs = ctx.paths.agent_logs(agent);
  auto out_fd = os::open_append(logs / (std::to_string(t.turn_id) + ".stdout.ndjson"));
  auto err_fd = os::open_append(logs / (std::to_string(t.turn_id) + ".stderr.log"));
  if (!out_fd || !err_fd) {
    for (auto* fd : {&out_fd, &err_fd})
      if (*fd) os::close_fd(fd->value());
    std::string msg = !out_fd ? out_fd.error().message : err_fd.error().message;
    abandon_turn(ctx, t.turn_id, "failed", msg);
    return result(Kind::failed, msg, t.turn_id);
  }
  t.transcript_fd = *out_fd;
  t.stderr_log_fd = *err_fd;

  auto child = os::spawn(spawn);
  if (!child) {
    os::close_fd(t.transcript_fd);
    os::close_fd(t.stderr_log_fd);
    std::string msg = child.error().message;
    ctx.log->error("{}: spawn failed: {}", agent, msg);
    abandon_turn(ctx, t.turn_id, "spawn_failed", msg);
    return result(Kind::spawn_failed, msg, t.turn_id);
  }
  t.child = *child;
  t.spawned_at = std::chrono::steady_clock::now();

  // turn.pid right after spawning: an agent nobody can kill must not run.
  auto id = os::read_identity(t.child.pid);
  Status pid_written = id ? os::write_file_atomic(ctx.paths.turn_pid(agent), os::format_pid_file(*id), 0600,
                                                  os::Durability::volatile_)
                          : Status(id.error());
  if (!pid_written) {
    (void)os::signal_group(t.child.pid, SIGKILL);
    os::wait_child(t.child.pid);
    os::close_child_fds(t.child);
    os::close_fd(t.transcript_fd);
    os::close_fd(t.stderr_log_fd);
    std::string msg = "failed to write turn.pid " + ctx.paths.turn_pid(agent).string() + ": " +
                      pid_written.error().message;
    ctx.log->error("{}: {}", agent, msg);
    abandon_turn(ctx, t.turn_id, "failed", msg);
    return result(Kind::failed, msg, t.turn_id);
  }
  t.identity = *id;

  auto started = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    store::StateUpdate u;
    u.reason = "";
    u.last_activity = now_timestamp();
    u.count_turn = true;
    u.current_turn = std::optional<std::int64_t>(t.turn_id);
    auto r = tx.sessions().transition(agent, SessionEvent::turn_started, u);
    if (!r) return r.error();
    tx.turns().set_pid(t.turn_id, t.child.pid);
    nlohmann::json data = {{"pid", t.child.pid}, {"argv", spawn.argv}, {"resume_id", t.resume_id ? nlohmann::json(*t.resume_id) : nlohmann::json(nullptr)},
                           {"mail", claimed->mail.size()}};
    tx.events().add(agent, t.turn_id, "turn_start", "info", data.dump());
    return Unit{};
  });
  if (!started) {
    (void)os::signal_group(t.child.pid, SIGKILL);
    os::wait_child(t.child.pid);
    os::close_child_fds(t.child);
    os::close_fd(t.transcript_fd);
    os::close_fd(t.stderr_log_fd);
    (void)os::remove_file(ctx.paths.turn_pid(agent));
    abandon_turn(ctx, t.turn_id, "aborted", started.error().message);
    return result(Kind::failed, started.error().message, t.turn_id);
  }
  ctx.log->info("{}: turn {} started, pid {}, {} message(s){}", agent, t.turn_id, t.child.pid,
                claimed->mail.size(), t.resume_id ? ", resuming " + *t.resume_id : ", fresh session");
  if (ctx.on_progress) ctx.on_progress(agent, "turn " + std::to_string(t.turn_id) + " started (pid " + std::to_string(t.child.pid) + ")");

  StartResult r;
  r.kind = Kind::started;
  r.turn_id = t.turn_id;
  r.handle = run_streaming(io, ctx, std::move(t), std::move(done));
  return r;
}

}  // namespace drover::runner
