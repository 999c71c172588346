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

constexpr const char* kResumeNote =
    "Your previous turn was interrupted by a supervisor restart; continue your task.";

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

}  // namespace

RecoveryReport recover(runner::RunnerContext& ctx) {
  RecoveryReport rep;
  auto sessions = ctx.store->read<std::vector<Session>>(
      [&](store::Tx& tx) -> Result<std::vector<Session>> { return tx.sessions().list(); });
  if (!sessions) {
    ctx.log->error("recovery: {}", sessions.error().message);
    return rep;
  }
  std::set<std::string> busy;  // agents whose turn a live runner (e.g. `drover turn`) holds
  for (const auto& s : *sessions) {
    if (os::is_locked(ctx.paths.turn_lock(s.name))) {
      busy.insert(s.name);
      continue;
    }
    reconcile_turn_pid(ctx, s.name, rep);
  }

  auto r = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    std::string now = now_timestamp();
    for (const auto& t : tx.turns().unfinished()) {
      if (busy.count(t.agent)) continue;
      tx.mail().release_turn(t.id);
      store::TurnRecord end;
      end.id = t.id;
      end.ended_at = now;
      end.outcome = "interrupted";
      end.detail = "the runner died (supervisor restart)";
      tx.turns().finish(end);
      ++rep.turns_interrupted;
    }
    for (const auto& s : tx.sessions().list()) {
      if (busy.count(s.name) || is_terminal(s.state)) continue;
      bool interrupted = s.state == SessionState::in_turn;
      bool idle_with_mail = !interrupted && !tx.mail().pending_for(s.name).empty();
      if (!interrupted && !idle_with_mail) continue;
      if (too_old(s, ctx.config.supervisor.resume_max_age)) {
        store::StateUpdate u;
        u.reason = "not resumed: last activity " + s.last_activity + " is older than " +
                   format_duration(ctx.config.supervisor.resume_max_age);
        u.current_turn = std::optional<std::int64_t>();
        if (!tx.sessions().transition(s.name, SessionEvent::went_stale, u)) continue;
        ctx.log->warn("not resuming {}: last activity {} is older than {}", s.name, s.last_activity,
                      format_duration(ctx.config.supervisor.resume_max_age));
        if (s.parent && !s.parent->empty())
          tx.mail().insert(make_worker_died(s, *u.reason, "supervisor", s.current_turn));
        ++rep.stale;
        continue;
      }
      if (!interrupted) continue;
      store::StateUpdate u;
      u.reason = "resumed after a supervisor restart";
      u.current_turn = std::optional<std::int64_t>();
      if (!tx.sessions().transition(s.name, SessionEvent::turn_interrupted, u)) continue;
      MailMessage note;
      note.from = "supervisor";
      note.to = s.name;
      note.type = "status";
      note.priority = "high";
      note.subject = "supervisor restart";
      note.body = kResumeNote;
      tx.mail().insert(note);
      ctx.log->info("resuming {} (interrupted turn {})", s.name,
                    s.current_turn ? std::to_string(*s.current_turn) : std::string("?"));
      ++rep.resumed;
    }
    return Unit{};
  });
  if (!r) ctx.log->error("recovery: {}", r.error().message);
  return rep;
}

}  // namespace drover::supervisor
