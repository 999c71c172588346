// doctor: what is left under .drover/ — supervisor files, turn.pid files and orphans,
// agent directories, worktrees, sessions stuck in_turn (SPEC §1, §6.9, §7).
// Every repair runs holding the lock that guards the file (turn.lock, supervisor.lock),
// so no runner or supervisor can start while doctor removes its files; nothing is ever
// signalled unless its identity (pid + start ticks + boot id) matches turn.pid.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "cli/doctor_checks.h"
#include "cli/supervisor_info.h"
#include "os/cgroup.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "os/process.h"
#include "runner/turn_lease.h"

namespace drover::cli::doctor_checks {

namespace dr = drover::doctor;
namespace fs = std::filesystem;

namespace {

// Real directories under .drover/agents/ (a symlink is never followed, nor removed).
std::vector<std::string> agent_dir_names(const ProjectPaths& p) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(p.dir() / "agents", ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code sec;
    if (it->symlink_status(sec).type() == fs::file_type::directory)
      names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool present(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() != fs::file_type::not_found && !ec;
}

// The repair of one turn.pid, under the agent's turn lock; `seen` is what the check read.
void fix_turn_pid(const Facts& f, const std::string& agent, const runner::TurnPid& seen, Check& c) {
  auto fail = [&](std::string why) {
    c.fix_state = dr::FixState::failed;
    c.fix = std::move(why);
  };
  auto lease = runner::TurnLease::take(f.paths, agent);
  if (!lease) return fail("a runner took the turn lock meanwhile");
  auto now = runner::read_turn_pid(f.paths, agent);
  if (now.text != seen.text) return fail("turn.pid changed meanwhile; run 'drover doctor' again");
  std::string done = "removed turn.pid";
  if (now.has_processes()) {
    // The very process named (start ticks and boot id match) — and still in the group
    // turn.pid names, or the group is not ours to signal.
    auto stopped =
        runner::stop_turn_group(*now.identity, default_stop_policy(f.config.turn.kill_grace));
    if (stopped.kind == runner::GroupStop::Kind::not_ours)
      return fail("process " + std::to_string(now.identity->pid) + " left process group " +
                  std::to_string(now.identity->pgid) + "; not signalled");
    if (stopped.kind == runner::GroupStop::Kind::survived)
      return fail("process group " + std::to_string(now.identity->pgid) + " survived SIGKILL");
    done = "killed process group " + std::to_string(now.identity->pgid) + " (" +
           (stopped.last_signal == SIGTERM ? "SIGTERM" : "SIGKILL") + ") and removed turn.pid";
  }
  if (auto rm = runner::remove_turn_pid(f.paths, agent); !rm) return fail(rm.error().message);
  c.fix_state = dr::FixState::fixed;
  c.fix = done;
}

Check turn_pid_check(const Facts& f, const std::string& agent) {
  const std::string name = "turn.pid " + agent;
  runner::TurnPid v = runner::read_turn_pid(f.paths, agent);
  auto verdict = dr::judge_turn_pid(v.identity.has_value(), v.has_processes(),
                                    runner::lease_held(f.paths, agent));
  std::string pid = v.identity ? std::to_string(v.identity->pid) : "";
  Check c;
  switch (verdict) {
    case dr::TurnPidVerdict::running:
      return dr::pass(name, "a runner holds the turn lock" +
                                (v.identity ? " (turn process " + pid + ")" : std::string()));
    case dr::TurnPidVerdict::orphan: {
      std::string group = std::to_string(v.identity->pgid);
      std::string what = v.alive() ? "orphan process " + pid + " (group " + group + ") is alive"
                                   : "turn process " + pid + " is gone, but " +
                                         std::to_string(v.leftovers) +
                                         " process(es) of its group " + group + " are alive";
      c = dr::with_fix(dr::fail(name, what + " and no runner holds the turn lock"),
                       "kill its process group and remove turn.pid");
      break;
    }
    case dr::TurnPidVerdict::stale: {
      std::string why = !v.identity ? v.problem
                        : v.liveness == os::Liveness::reused
                            ? "pid " + pid + " now belongs to another process (never signalled)"
                            : "process " + pid + " is gone";
      c = dr::with_fix(dr::warn(name, "stale: " + why + "; no runner holds the turn lock"),
                       "remove turn.pid");
      break;
    }
  }
  if (f.fix) fix_turn_pid(f, agent, v, c);
  return c;
}

void fix_agent_dir(const Facts& f, const std::string& agent, Check& c) {
  auto fail = [&](std::string why) {
    c.fix_state = dr::FixState::failed;
    c.fix = std::move(why);
  };
  auto lease = runner::TurnLease::take(f.paths, agent);
  if (!lease) return fail("a process took its turn lock meanwhile");
  auto pid = runner::read_turn_pid(f.paths, agent);
  if (pid.has_processes())
    return fail("processes of its turn.pid (group " + std::to_string(pid.identity->pgid) +
                ") are alive");
  if (auto removed = os::remove_tree(f.paths.agent_dir(agent)); !removed)
    return fail(removed.error().message);
  c.fix_state = dr::FixState::fixed;
  c.fix = "removed " + f.paths.agent_dir(agent).string();
}

Check not_checked(const std::string& name) {
  return dr::warn(name, "not checked: the database cannot be read");
}

}  // namespace

void supervisor_files(const Facts& f, std::vector<Check>& out) {
  SupervisorInfo info = read_supervisor_info(f.paths);
  if (info.running) {
    out.push_back(dr::pass(
        "supervisor", "running" + (info.identity ? ", pid " + std::to_string(info.identity->pid)
                                                 : std::string(" (supervisor.pid unreadable)"))));
    return;
  }
  out.push_back(dr::pass("supervisor", "not running ('drover up' starts it)"));
  std::vector<std::string> stale;
  for (const auto& p : {f.paths.supervisor_pid(), f.paths.supervisor_sock()})
    if (present(p)) stale.push_back(p.filename().string());
  if (stale.empty()) {
    out.push_back(dr::pass("supervisor files", "no stale supervisor.pid or supervisor.sock"));
    return;
  }
  std::string names = stale.size() == 2 ? stale[0] + " and " + stale[1] : stale[0];
  Check c = dr::with_fix(
      dr::warn("supervisor files", "stale " + names + ": no supervisor holds supervisor.lock"),
      "remove " + names);
  if (f.fix) {
    auto lock = os::FileLock::try_acquire(f.paths.supervisor_lock());
    c.fix_state = dr::FixState::failed;
    c.fix = "a supervisor started meanwhile";
    if (lock) {
      c.fix_state = dr::FixState::fixed;
      c.fix = "removed " + names;
      for (const auto& p : {f.paths.supervisor_pid(), f.paths.supervisor_sock()})
        if (auto rm = os::remove_file(p); !rm) {
          c.fix_state = dr::FixState::failed;
          c.fix = rm.error().message;
        }
    }
  }
  out.push_back(c);
}

void turn_pids(const Facts& f, std::vector<Check>& out) {
  int found = 0;
  for (const auto& agent : agent_dir_names(f.paths)) {
    if (!present(f.paths.turn_pid(agent))) continue;
    ++found;
    out.push_back(turn_pid_check(f, agent));
  }
  if (found == 0) out.push_back(dr::pass("turn.pid files", "none (no turn process is recorded)"));
}

void turn_cgroups(const Facts& f, std::vector<Check>& out) {
  for (const auto& agent : agent_dir_names(f.paths)) {
    if (!present(f.paths.turn_cgroup(agent)) || runner::lease_held(f.paths, agent)) continue;
    const std::string name = "turn.cgroup " + agent;
    auto cg = runner::read_turn_cgroup(f.paths, agent);
    bool populated = cg && os::is_cgroup_dir(*cg) && os::cgroup_populated(*cg);
    Check c = populated ? dr::with_fix(dr::fail(name,
                                                "processes of a dead runner's turn are "
                                                "still in cgroup " +
                                                    cg->string()),
                                       "kill them (cgroup.kill) and remove the cgroup")
                        : dr::with_fix(dr::warn(name, "left over; no runner holds the turn lock"),
                                       "remove it and its empty cgroup");
    if (f.fix) {
      auto lease = runner::TurnLease::take(f.paths, agent);
      auto end = lease ? runner::end_turn_cgroup(f.paths, agent) : runner::CgroupEnd{};
      bool done = lease && end.problem.empty();
      c.fix_state = done ? dr::FixState::fixed : dr::FixState::failed;
      c.fix = !lease ? "a runner took the turn lock meanwhile"
              : done ? (populated ? "killed its processes and removed the cgroup"
                                  : "removed turn.cgroup")
                     : end.problem;
    }
    out.push_back(c);
  }
}

void agent_dirs(const Facts& f, std::vector<Check>& out) {
  if (!f.sessions) return out.push_back(not_checked("agent directories"));
  std::set<std::string> known;
  for (const auto& s : *f.sessions) known.insert(s.name);
  int leftover = 0;
  auto names = agent_dir_names(f.paths);
  for (const auto& agent : names) {
    if (known.count(agent)) continue;
    ++leftover;
    const std::string name = "agent dir " + agent;
    const std::string what = f.paths.agent_dir(agent).string() + " belongs to no agent (left over)";
    if (runner::lease_held(f.paths, agent)) {
      out.push_back(dr::warn(name, what + "; a process holds its turn lock, so it is left alone"));
      continue;
    }
    Check c = dr::with_fix(dr::warn(name, what), "remove the directory");
    if (f.fix) fix_agent_dir(f, agent, c);
    out.push_back(c);
  }
  if (leftover == 0)
    out.push_back(dr::pass("agent directories",
                           names.empty()
                               ? "none yet"
                               : std::to_string(names.size()) + ", each belonging to an agent"));
}

void worktrees(const Facts& f, std::vector<Check>& out) {
  if (!f.sessions) return out.push_back(not_checked("worktrees"));
  int present = 0, missing = 0;
  for (const auto& s : *f.sessions) {
    if (!s.worktree) continue;
    std::error_code ec;
    if (fs::is_directory(*s.worktree, ec)) {
      ++present;
      continue;
    }
    ++missing;
    // A finished agent's leftover is untidy; a live agent's next turn would fail.
    if (is_terminal(s.state))
      out.push_back(dr::warn("worktree " + s.name, "missing worktree " + *s.worktree +
                                                       "; 'drover clean --agent " + s.name +
                                                       "' removes what is left of it"));
    else if (f.config.remote)  // worktrees across hosts (runner/worktree_remote.h)
      out.push_back(dr::warn("worktree " + s.name,
                             "missing worktree " + *s.worktree + " of live agent " + s.name +
                                 ": its next turn on this host makes it again from branch " +
                                 s.branch.value_or("drover/" + s.name) + " (remote '" +
                                 *f.config.remote + "'), or from its base with a note"));
    else
      out.push_back(dr::fail("worktree " + s.name,
                             "missing worktree " + *s.worktree + " of live agent " + s.name +
                                 ": its turns cannot run; 'drover stop " + s.name +
                                 "', then 'drover clean --agent " + s.name + "'"));
  }
  if (missing == 0)
    out.push_back(dr::pass("worktrees", present == 0 ? "no agent uses a worktree"
                                                     : std::to_string(present) + " present"));
}

void stuck_sessions(const Facts& f, std::vector<Check>& out) {
  if (!f.sessions) return out.push_back(not_checked("sessions in_turn"));
  if (f.supervisor_running) {
    out.push_back(
        dr::pass("sessions in_turn", "the running supervisor recovers any whose runner died"));
    return;
  }
  int stuck = 0;
  for (const auto& s : *f.sessions) {
    if (s.state != SessionState::in_turn || runner::lease_held(f.paths, s.name)) continue;
    ++stuck;
    out.push_back(dr::warn("in_turn " + s.name,
                           "in_turn, but no runner holds its turn lock (its runner died); "
                           "'drover up' recovers it"));
  }
  if (stuck == 0) out.push_back(dr::pass("sessions in_turn", "none stuck"));
}

}  // namespace drover::cli::doctor_checks
