#include "supervisor/recovery.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/worker_died.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "os/process.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::supervisor {

namespace {

// Why an agent is being recovered: the words for its turn, its state_reason and its note.
struct Cause {
  const char* subject;  // of the note, e.g. "supervisor restart"
  const char* detail;   // turns.detail of the interrupted turn
  const char* reason;   // state_reason when it resumes
  const char* note;     // body of the note its next turn reads
};
constexpr Cause kRestart{"supervisor restart", "the runner died (supervisor restart)",
                         "resumed after a supervisor restart",
                         "Your previous turn was interrupted by a supervisor restart; continue your task."};
constexpr Cause kRunnerDied{"runner died", "the runner died (found by the running supervisor)",
                            "resumed after its runner died",
                            "Your previous turn was interrupted: the process running it died. Continue your task."};

// Kills an orphaned turn's group and waits (bounded) until it is gone.
bool kill_orphan(runner::RunnerContext& ctx, const std::string& agent, const os::ProcessIdentity& id) {
  for (int sig : {SIGTERM, SIGKILL}) {
    (void)os::signal_group(id.pgid, sig);
    auto deadline = std::chrono::steady_clock::now() +
                    (sig == SIGTERM ? ctx.config.turn.kill_grace : std::chrono::milliseconds(5000));
    while (os::group_alive(id.pgid) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the process table
    if (!os::group_alive(id.pgid)) return true;
  }
  ctx.log->error("{}: orphan group {} survived SIGKILL", agent, id.pgid);
  return false;
}

// What turn.pid says for an agent no runner holds: kill a verified orphan, drop a stale file.
void reconcile_turn_pid(runner::RunnerContext& ctx, const std::string& agent, RecoveryReport& rep) {
  auto path = ctx.paths.turn_pid(agent);
  auto text = os::read_file(path);
  if (!text) return;
  auto id = os::parse_pid_file(*text);
  std::string kind, level = "warn";
  nlohmann::json data;
  if (id && os::check_identity(*id) == os::Liveness::alive) {
    bool dead = kill_orphan(ctx, agent, *id);
    kind = "orphan_killed";
    data = {{"pid", id->pid}, {"pgid", id->pgid}, {"killed", dead}};
    ctx.log->warn("{}: killed orphan turn process {} (group {})", agent, id->pid, id->pgid);
    ++rep.orphans_killed;
  } else {
    // Never signal a pid whose identity does not match: it is somebody else's process.
    kind = "stale_turn_pid";
    data = {{"content", text->substr(0, 200)}, {"problem", id ? "process gone or pid reused" : id.error().message}};
    ctx.log->info("{}: removed stale turn.pid ({})", agent, data["problem"].get<std::string>());
  }
  (void)os::remove_file(path);
  auto r = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    tx.events().add(agent, std::nullopt, kind, level, data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return Unit{};
  });
  if (!r) ctx.log->error("{}: {}", agent, r.error().message);
}

bool too_old(const Session& s, Millis max_age) {
  auto t = parse_timestamp(s.last_activity);
  return t && SystemClock::instance().now() - *t > max_age;
}

// The session side of recovering `name`, in one transaction: its unfinished turns end as
// interrupted (mail released); an interrupted agent resumes with `note`, or goes stale
// when its last activity is too old; so does an idle one with mail when `idle_too`.
void settle_agent(runner::RunnerContext& ctx, const std::string& name, const Cause& why, bool idle_too,
                  RecoveryReport& rep) {
  auto r = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    std::string now = now_timestamp();
    for (const auto& t : tx.turns().unfinished()) {
      if (t.agent != name) continue;
      tx.mail().release_turn(t.id);
      store::TurnRecord end;
      end.id = t.id;
      end.ended_at = now;
      end.outcome = "interrupted";
      end.detail = why.detail;
      tx.turns().finish(end);
      ++rep.turns_interrupted;
    }
    auto s = tx.sessions().get(name);
    if (!s || is_terminal(s->state)) return Unit{};
    bool interrupted = s->state == SessionState::in_turn;
    bool idle_with_mail = idle_too && !interrupted && !tx.mail().pending_for(name).empty();
    if (!interrupted && !idle_with_mail) return Unit{};
    if (too_old(*s, ctx.config.supervisor.resume_max_age)) {
      store::StateUpdate u;
      u.reason = "not resumed: last activity " + s->last_activity + " is older than " +
                 format_duration(ctx.config.supervisor.resume_max_age);
      u.current_turn = std::optional<std::int64_t>();
      if (!tx.sessions().transition(name, SessionEvent::went_stale, u)) return Unit{};
      ctx.log->warn("not resuming {}: last activity {} is older than {}", name, s->last_activity,
                    format_duration(ctx.config.supervisor.resume_max_age));
      if (s->parent && !s->parent->empty())
        tx.mail().insert(make_worker_died(*s, *u.reason, "supervisor", s->current_turn));
      ++rep.stale;
      return Unit{};
    }
    if (!interrupted) return Unit{};
    store::StateUpdate u;
    u.reason = why.reason;
    u.current_turn = std::optional<std::int64_t>();
    if (!tx.sessions().transition(name, SessionEvent::turn_interrupted, u)) return Unit{};
    MailMessage note;
    note.from = "supervisor";
    note.to = name;
    note.type = "status";
    note.priority = "high";
    note.subject = why.subject;
    note.body = why.note;
    tx.mail().insert(note);
    ctx.log->info("resuming {} (interrupted turn {})", name,
                  s->current_turn ? std::to_string(*s->current_turn) : std::string("?"));
    ++rep.resumed;
    return Unit{};
  });
  if (!r) ctx.log->error("recovery of {}: {}", name, r.error().message);
}

// Recovers one agent if nobody holds its turn lock, holding that lock throughout so that a
// `drover turn` or `stop` starting meanwhile waits instead of racing the repair.
bool recover_agent(runner::RunnerContext& ctx, const std::string& name, const Cause& why, bool idle_too,
                   RecoveryReport& rep) {
  auto lock = os::FileLock::try_acquire(ctx.paths.turn_lock(name));
  // Held: a live runner owns the agent. Any other failure means there is no lock file to
  // hold (the agent never ran, so it has no directory): no runner can exist either.
  if (!lock && lock.error().code == Errc::conflict) return false;
  reconcile_turn_pid(ctx, name, rep);
  settle_agent(ctx, name, why, idle_too, rep);
  return true;
}

}  // namespace

RecoveryReport recover(runner::RunnerContext& ctx) {
  RecoveryReport rep;
  auto sessions = ctx.store->read<std::vector<Session>>(
      [&](store::Tx& tx) -> Result<std::vector<Session>> { return tx.sessions().list(); });
  if (!sessions) {
    ctx.log->error("recovery: {}", sessions.error().message);
    return rep;
  }
  std::set<std::string> seen;
  for (const auto& s : *sessions) {
    seen.insert(s.name);
    (void)recover_agent(ctx, s.name, kRestart, true, rep);
  }
  // Turns of agents without a session row (removed by hand) still hold mail.
  auto open = ctx.store->read<std::vector<std::string>>(
      [&](store::Tx& tx) -> Result<std::vector<std::string>> { return tx.sessions().needing_runner(); });
  if (open)
    for (const auto& name : *open)
      if (!seen.count(name)) (void)recover_agent(ctx, name, kRestart, true, rep);
  return rep;
}

RecoveryReport adopt_dead_runners(runner::RunnerContext& ctx, const std::set<std::string>& own) {
  RecoveryReport rep;
  auto names = ctx.store->read<std::vector<std::string>>(
      [&](store::Tx& tx) -> Result<std::vector<std::string>> { return tx.sessions().needing_runner(); });
  if (!names) {
    ctx.log->error("looking for dead runners: {}", names.error().message);
    return rep;
  }
  for (const auto& name : *names) {
    if (own.count(name) || os::is_locked(ctx.paths.turn_lock(name))) continue;
    ctx.log->warn("{}: its turn has no runner (the runner died); recovering it", name);
    (void)recover_agent(ctx, name, kRunnerDied, false, rep);
  }
  return rep;
}

}  // namespace drover::supervisor
