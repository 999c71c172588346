// Preparation of a turn, synchronously: lock, claim, spawn, turn.pid, in_turn (SPEC §5.1).
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/gate.h"
#include "core/names.h"
#include "core/pause.h"
#include "core/prompt.h"
#include "core/session_id.h"
#include "core/text.h"
#include "os/fd_io.h"
#include "os/files.h"
#include "runner/budget_check.h"
#include "runner/prepared_turn.h"
#include "runner/worktree_remote.h"
#include "store/events.h"
#include "store/gates.h"
#include "store/hosts.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/settings.h"
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

// Why a claimed turn could not be launched: how start_turn reports it and how the turn row
// records it (its mail is released).
struct LaunchFailure {
  Kind kind;
  TurnOutcome outcome;
  std::string message;
};

// A passing shortage (Errc::resource) defers the turn whatever step it hit; any other
// error is the step's own failure.
LaunchFailure launch_failure(const Error& e, Kind kind, TurnOutcome outcome, std::string message) {
  if (e.code == Errc::resource) return {Kind::deferred, TurnOutcome::deferred, std::move(message)};
  return {kind, outcome, std::move(message)};
}

Kind kind_of(const Error& e, Kind otherwise) {
  return e.code == Errc::resource ? Kind::deferred : otherwise;
}

// A spawned child not yet handed to streaming: unless released, it is killed and reaped
// and its pipes closed — the one cleanup path for every failure after the spawn.
class ChildGuard {
 public:
  ChildGuard(Spawner& spawner, os::SpawnedChild child) : spawner_(spawner), child_(child) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (armed_) spawner_.kill_and_reap(child_);
  }
  const os::SpawnedChild& child() const { return child_; }
  os::SpawnedChild release() {
    armed_ = false;
    return child_;
  }

 private:
  Spawner& spawner_;
  os::SpawnedChild child_;
  bool armed_ = true;
};

// A pause (the agent's, or the E-stop) that holds back a start, read in `tx`.
std::optional<std::string> paused_in(store::Tx& tx, const Session& s) {
  return pause_blocks_start(s, tx.settings().get(kEstopKey));
}

// The error that says a pause held the start back (start_turn reports Kind::paused).
Error paused_error(std::string why) { return make_error(Errc::conflict, "paused: " + why); }
bool is_paused_error(const Error& e) {
  return e.code == Errc::conflict && e.message.rfind("paused: ", 0) == 0;
}

// The error that says an open gate holds the agent (start_turn reports Kind::no_work).
std::optional<Error> gate_wait_error(store::Tx& tx, const std::string& agent,
                                     const std::vector<MailMessage>& mail) {
  GateWait w{tx.gates().holding(agent), false};
  for (const auto& m : mail) w.decision_pending = w.decision_pending || m.type == "decision";
  if (!gate_holds_turn(w)) return std::nullopt;
  auto open = tx.gates().open(agent);
  std::string q =
      open.empty() ? std::string("its question") : "gate #" + std::to_string(open.front().id);
  return make_error(Errc::conflict, agent + " is waiting for a decision on " + q +
                                        "; its mail waits for 'drover decide'");
}

struct Claimed {
  Session session;
  std::int64_t turn_id = 0;
  std::vector<MailMessage> mail;
  std::optional<std::string> over_budget;  // no turn: the agent was paused for this reason
};

struct Pending {
  std::size_t mail = 0;
  std::string capability;
};

// Nothing to do for an agent that is gone, finished, stopping or without pending mail:
// no lock, no spawn, no state change (SPEC §5.1.7).
Result<Pending> pending_mail(RunnerContext& ctx, const std::string& agent) {
  return ctx.store->read<Pending>([&](store::Tx& tx) -> Result<Pending> {
    auto s = tx.sessions().get(agent);
    if (!s) return make_error(Errc::not_found, "no agent named '" + agent + "'");
    if (is_terminal(s->state) || s->stop_requested) return Pending{0, s->capability};
    if (auto why = paused_in(tx, *s)) return paused_error(*why);
    auto pending = tx.mail().pending_for(agent);
    if (auto waiting = gate_wait_error(tx, agent, pending)) return *waiting;
    return Pending{pending.size(), s->capability};
  });
}

// Under the lock: re-read the session (the caller's view may be stale), create the turn
// row and claim the pending mail, in one transaction. The state does not change yet.
Result<Claimed> claim(RunnerContext& ctx, const std::string& agent, const BudgetBasis& budget) {
  return ctx.store->write<Claimed>([&](store::Tx& tx) -> Result<Claimed> {
    auto s = tx.sessions().get(agent);
    if (!s) return make_error(Errc::not_found, "no agent named '" + agent + "'");
    if (s->stop_requested ||
        (s->state != SessionState::booting && s->state != SessionState::between_turns))
      return make_error(Errc::conflict,
                        "agent '" + agent + "' is " + std::string(to_string(s->state)));
    // We hold the turn lock, so a turn of this agent without an end belongs to a runner
    // that died (SPEC §7): starting beside it could run two children of one agent at once
    // (docs/protocol.md, finding F1). Recovery settles it first and kills what is left.
    if (auto open = tx.turns().open_for(agent))
      return make_error(Errc::conflict, "agent '" + agent + "' has turn " + std::to_string(*open) +
                                            " of a runner that died; it is recovered first");
    // Read in the transaction that claims: a pause committed before it wins.
    if (auto why = paused_in(tx, *s)) return paused_error(*why);
    // Several hosts (docs/hosts.md): the agent is this host's, or nobody's yet.
    std::optional<std::int64_t> token;
    if (!ctx.host.empty()) {
      store::Lease holder;
      token = tx.hosts().acquire(agent, ctx.host, &holder);
      if (!token)
        return make_error(Errc::conflict, "agent '" + agent + "' runs on host " + holder.host);
    }
    // The budget, in the same transaction: one indexed aggregate per limit kind.
    if (auto over = pause_if_over_budget(tx, *s, budget)) return Claimed{*s, 0, {}, over};
    auto id = tx.turns().create(agent, now_timestamp(), s->runtime_session_id, tx.mail().max_id(),
                                ctx.host.empty() ? std::nullopt : std::optional(ctx.host), token);
    if (tx.mail().claim_pending(agent, id) == 0)
      return make_error(Errc::conflict, "no pending mail");  // rolls back
    auto mail = tx.mail().claimed_by(id);
    if (auto waiting = gate_wait_error(tx, agent, mail)) return *waiting;  // rolls back
    return Claimed{*s, id, std::move(mail), std::nullopt};
  });
}

// The claimed turn's prompt, budgets and stop policy.
void prepare(RunnerContext& ctx, PreparedTurn& t, Claimed& c, Capability capability) {
  t.session = c.session;
  t.turn_id = c.turn_id;
  t.resume_id = t.session.runtime_session_id;
  if (t.resume_id && !is_valid_session_id(*t.resume_id)) {
    // Stored before ids were checked: resuming it could not even be exec'd.
    ctx.log->warn("{}: not resuming a malformed stored session id ({} bytes); fresh session",
                  t.agent, t.resume_id->size());
    t.resume_id.reset();
  }
  t.capability = std::move(capability);
  std::string workdir = t.session.worktree.value_or(ctx.paths.root.string());
  PromptInput in{&t.session, &t.capability, workdir, c.mail, !t.resume_id.has_value()};
  t.user_line = user_turn_line(render_turn_text(in));
  const auto& turn = ctx.config.turn;
  t.budgets.first_output_timeout =
      t.capability.first_output_timeout.value_or(turn.first_output_timeout);
  t.budgets.stall_timeout = t.capability.stall_timeout.value_or(turn.stall_timeout);
  t.budgets.max_duration = t.capability.max_duration.value_or(turn.max_duration);
  t.stop_policy = default_stop_policy(turn.kill_grace);
  t.settle_policy = {ctx.config.supervisor.max_failed_turns, ctx.config.supervisor.retry_backoff};
  if (auto rt = ctx.config.runtimes.find(t.session.runtime); rt != ctx.config.runtimes.end()) {
    t.live_input = rt->second.live_input;
    t.live_interrupt = rt->second.live_interrupt;
  }
}

std::optional<os::SpawnRequest> spawn_request(RunnerContext& ctx, const PreparedTurn& t) {
  auto rt = ctx.config.runtimes.find(t.session.runtime);
  if (rt == ctx.config.runtimes.end()) return std::nullopt;
  std::string workdir = t.session.worktree.value_or(ctx.paths.root.string());
  os::SpawnRequest spawn;
  spawn.argv = build_runtime_argv(rt->second, t.session.model, t.resume_id);
  spawn.cwd = workdir;
  spawn.env_extra = {{"DROVER_AGENT", t.agent},
                     {"DROVER_PROJECT", ctx.paths.root.string()},
                     {"DROVER_TASK_ID", t.session.task_id.value_or("")},
                     {"DROVER_WORKTREE", workdir},
                     {"DROVER_TURN", std::to_string(t.turn_id)},
                     {"DROVER_PARENT", t.session.parent.value_or("")}};
  return spawn;
}

std::optional<LaunchFailure> open_logs(RunnerContext& ctx, PreparedTurn& t) {
  auto logs = ctx.paths.agent_logs(t.agent);
  auto out = os::open_append(logs / (std::to_string(t.turn_id) + ".stdout.ndjson"));
  if (out) t.transcript = OwnedFd(*out);
  auto err = os::open_append(logs / (std::to_string(t.turn_id) + ".stderr.log"));
  if (err) t.stderr_log = OwnedFd(*err);
  if (!out)
    return launch_failure(out.error(), Kind::failed, TurnOutcome::failed, out.error().message);
  if (!err)
    return launch_failure(err.error(), Kind::failed, TurnOutcome::failed, err.error().message);
  return std::nullopt;
}

// The session moves to in_turn, the turn row gets its pid, turn_start is recorded.
Status record_started(RunnerContext& ctx, const PreparedTurn& t, const os::SpawnRequest& spawn,
                      std::size_t mail) {
  auto r = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    store::StateUpdate u;
    u.reason = "";
    u.last_activity = now_timestamp();
    u.count_turn = true;
    u.current_turn = std::optional<std::int64_t>(t.turn_id);
    auto moved = tx.sessions().transition(t.agent, SessionEvent::turn_started, u);
    if (!moved) return moved.error();
    tx.turns().set_pid(t.turn_id, t.child.pid);
    nlohmann::json data = {
        {"pid", t.child.pid},
        {"argv", spawn.argv},
        {"resume_id", t.resume_id ? nlohmann::json(*t.resume_id) : nlohmann::json(nullptr)},
        {"mail", mail}};
    tx.events().add(t.agent, t.turn_id, "turn_start", "info", data.dump());
    return Unit{};
  });
  if (!r) return r.error();
  return ok_status();
}

// Cgroup mode: the turn's cgroup, recorded in turn.cgroup before it exists. A turn whose
// cgroup cannot be made runs in its process group only (logged).
void open_turn_cgroup(RunnerContext& ctx, PreparedTurn& t) {
  if (!ctx.cgroup) return;
  auto cg = t.lease.open_cgroup(*ctx.cgroup);
  if (cg) t.cgroup = *cg;
  else
    ctx.log->warn("{}: turn {} runs without a cgroup: {}", t.agent, t.turn_id, cg.error().message);
}

// A child the kernel created inside its cgroup is left alone: writing its pid to
// cgroup.procs again would change nothing and costs a wait for an RCU grace period (2 ms on
// average, up to 29 ms, under the 200-stall bench). The /bin/sh fallback joins the cgroup
// itself; writing the pid here too tells when that failed.
void join_turn_cgroup(RunnerContext& ctx, PreparedTurn& t) {
  if (!t.cgroup || t.child.in_cgroup) return;
  if (auto in = runner::enter_turn_cgroup(*t.cgroup, t.child.pid); !in)
    ctx.log->warn("{}: turn {} runs without a cgroup: {}", t.agent, t.turn_id, in.error().message);
}

// Opens the logs, spawns the child, publishes turn.pid (an agent nobody can kill must not
// run) and records the start. On failure nothing of the child is left running.
std::optional<LaunchFailure> launch(RunnerContext& ctx, PreparedTurn& t, std::size_t mail) {
  auto spawn = spawn_request(ctx, t);
  if (!spawn)
    return LaunchFailure{Kind::spawn_failed, TurnOutcome::spawn_failed,
                         "runtime '" + t.session.runtime + "' is not configured (add [runtimes." +
                             t.session.runtime + "] to .drover/config.toml)"};
  if (auto failed = open_logs(ctx, t)) return failed;
  open_turn_cgroup(ctx, t);
  os::SpawnRequest actual = *spawn;
  if (t.cgroup) actual.cgroup = *t.cgroup;
  auto spawned = ctx.spawner->spawn(actual);
  if (!spawned) {
    if (spawned.error().code != Errc::resource)  // a shortage is logged once, by the supervisor
      ctx.log->error("{}: spawn failed: {}", t.agent, spawned.error().message);
    return launch_failure(spawned.error(), Kind::spawn_failed, TurnOutcome::spawn_failed,
                          spawned.error().message);
  }
  ChildGuard guard(*ctx.spawner, *spawned);
  t.child = guard.child();
  join_turn_cgroup(ctx, t);
  t.spawned_at = ctx.clock->now();
  auto id = ctx.spawner->identity(t.child.pid);
  if (id && id->pgid != t.child.pid) {
    // Made to lead its own group before exec, it died first (still in ours) or left it:
    // the turn's group is the one the spawn made (docs/reliability.md).
    ctx.log->warn("{}: its process {} is in process group {}; the turn's group is taken as {}",
                  t.agent, t.child.pid, id->pgid, t.child.pid);
    id->pgid = t.child.pid;
  }
  Status published = id ? t.lease.publish(*id) : Status(id.error());
  if (!published) {
    std::string msg = "failed to write turn.pid " + ctx.paths.turn_pid(t.agent).string() + ": " +
                      published.error().message;
    ctx.log->error("{}: {}", t.agent, msg);
    return launch_failure(published.error(), Kind::failed, TurnOutcome::failed, msg);
  }
  t.identity = *id;
  if (auto started = record_started(ctx, t, *spawn, mail); !started)
    return LaunchFailure{Kind::failed, TurnOutcome::aborted, started.error().message};
  t.child = guard.release();
  return std::nullopt;
}

}  // namespace

Capability load_capability(RunnerContext& ctx, const std::string& name) {
  auto path = ctx.paths.capabilities() / (name + ".md");
  auto text = os::read_file(path);
  if (!text) return default_capability(name);
  auto cap = parse_capability(name, *text, path.string());
  if (!cap) {
    ctx.log->error("{}; using the default terminal mail (worker_done, result)",
                   cap.error().message);
    return default_capability(name);
  }
  return *cap;
}

StartResult start_turn(boost::asio::io_context& io, RunnerContext& ctx, const TurnRequest& req,
                       std::function<void(const TurnReport&)> done) {
  const std::string& agent = req.agent;
  if (auto v = validate_agent_name(agent); !v) return result(Kind::failed, v.error().message);
  auto pending = pending_mail(ctx, agent);
  if (!pending)
    return is_paused_error(pending.error())
               ? result(Kind::paused, pending.error().message.substr(8))
           : pending.error().code == Errc::conflict ? result(Kind::no_work, pending.error().message)
                                                    : result(Kind::failed, pending.error().message);
  if (pending->mail == 0) return result(Kind::no_work, "no pending mail for " + agent);
  for (const auto& dir : {ctx.paths.agent_dir(agent), ctx.paths.agent_logs(agent)})
    if (auto st = os::make_private_dirs(dir); !st)
      return result(kind_of(st.error(), Kind::failed), st.error().message);

  PreparedTurn t;
  t.agent = agent;
  auto lease = TurnLease::take(
      ctx.paths, agent, req.wait_for_lock ? std::optional<Millis>(req.lock_timeout) : std::nullopt);
  if (!lease)
    return result(
        lease.error().code == Errc::conflict ? Kind::busy : kind_of(lease.error(), Kind::failed),
        lease.error().message);
  t.lease = std::move(*lease);
  if (auto here = bring_worktree_here(ctx, agent); !here)  // issue 19: a worktree from elsewhere
    return result(kind_of(here.error(), Kind::failed), here.error().message);

  Capability capability = load_capability(ctx, pending->capability);
  auto basis = budget_basis(ctx.config, capability);
  auto claimed = claim(ctx, agent, basis);
  if (!claimed) {
    if (is_paused_error(claimed.error()))
      return result(Kind::paused, claimed.error().message.substr(8));
    return result(claimed.error().code == Errc::conflict ? Kind::no_work : Kind::failed,
                  claimed.error().message);
  }
  if (claimed->over_budget) {
    ctx.log->info("{}: over budget ({}): paused, no turn started", agent, *claimed->over_budget);
    return result(Kind::paused, "agent '" + agent + "' is paused (" + *claimed->over_budget +
                                    "); raise its limit ('drover budget " + agent +
                                    "') and run 'drover unpause " + agent + "'");
  }
  prepare(ctx, t, *claimed, std::move(capability));
  if (auto failed = launch(ctx, t, claimed->mail.size())) {
    if (t.cgroup) (void)end_turn_cgroup(ctx.paths, agent);
    (void)t.lease.unpublish();
    if (auto st = abandon_turn(*ctx.store, t.turn_id, failed->outcome, failed->message); !st)
      ctx.log->error("could not record the end of turn {}: {}", t.turn_id, st.error().message);
    return result(failed->kind, failed->message, t.turn_id);
  }
  ctx.log->info("{}: turn {} started, pid {}, {} message(s){}", agent, t.turn_id, t.child.pid,
                claimed->mail.size(),
                t.resume_id ? ", resuming " + escape_control(*t.resume_id) : ", fresh session");
  if (ctx.on_progress) {
    nlohmann::json data = {
        {"pid", t.child.pid},
        {"mail", claimed->mail.size()},
        {"resume_id", t.resume_id ? nlohmann::json(*t.resume_id) : nlohmann::json(nullptr)}};
    ctx.on_progress({agent, t.turn_id, "turn_start", "info", data.dump(),
                     "turn " + std::to_string(t.turn_id) + " started (pid " +
                         std::to_string(t.child.pid) + ")"});
  }
  StartResult r = result(Kind::started, "", t.turn_id);
  r.pid = t.child.pid;
  r.handle = run_streaming(io, ctx, std::move(t), std::move(done));
  return r;
}

}  // namespace drover::runner
