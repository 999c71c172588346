#include "runner/turn_lease.h"

#include <thread>

#include "core/containment.h"
#include "core/stop_sequence.h"
#include "os/cgroup.h"
#include "os/files.h"

namespace drover::runner {

namespace {
constexpr Millis kStopPoll{2};            // how often a synchronous stop looks at the process table
constexpr Millis kCgroupEmptyWait{2000};  // cgroup.kill to "populated 0": SIGKILL is prompt

LeaderNow leader_now(const os::ProcessIdentity& id) {
  if (id.boot_id != os::boot_id()) return LeaderNow::other_boot;
  switch (os::check_identity(id)) {
    case os::Liveness::alive: return LeaderNow::same;
    case os::Liveness::reused: return LeaderNow::reused;
    case os::Liveness::gone: break;
  }
  return LeaderNow::gone;
}

// The group (pinned: it has members that are the turn's) and each member outside it.
void signal_members(const os::ProcessIdentity& id, const std::vector<ProcessRow>& members,
                    int sig) {
  signal_turn_group(id.pgid, sig);
  for (const auto& m : members)
    if (m.pgid != id.pgid) (void)os::signal_process(m.pid, m.start_ticks, sig);
}

}  // namespace

std::vector<ProcessRow> turn_processes(const os::ProcessIdentity& id) {
  LeaderNow leader = leader_now(id);
  if (leader == LeaderNow::reused || leader == LeaderNow::other_boot) return {};  // no scan
  std::vector<ProcessRow> table;
  for (const auto& e : os::list_processes())
    table.push_back({e.pid, e.pgid, e.sid, e.start_ticks, e.dead});
  return turn_members({id.pid, id.pgid, id.start_ticks}, leader, table);
}

Result<TurnLease> TurnLease::take(const ProjectPaths& paths, const std::string& agent,
                                  std::optional<Millis> wait) {
  auto path = paths.turn_lock(agent);
  auto lock = wait ? os::FileLock::acquire(path, *wait) : os::FileLock::try_acquire(path);
  if (!lock) return lock.error();
  return TurnLease(paths, agent, std::move(*lock));
}

Status TurnLease::publish(const os::ProcessIdentity& child) const {
  return os::write_file_atomic(paths_.turn_pid(agent_), os::format_pid_file(child), 0600,
                               os::Durability::volatile_);
}

Status TurnLease::unpublish() const { return remove_turn_pid(paths_, agent_); }

Result<std::filesystem::path> TurnLease::open_cgroup(
    const std::filesystem::path& project_cgroup) const {
  auto dir = project_cgroup / turn_cgroup_name(agent_);
  DROVER_TRY(os::write_file_atomic(paths_.turn_cgroup(agent_), dir.string() + "\n", 0600,
                                   os::Durability::volatile_));
  // The last turn to end removes the project's cgroup, maybe between our two mkdirs.
  Status made = ok_status();
  for (int attempt = 0; attempt < 3; ++attempt) {
    made = os::create_cgroup(project_cgroup);
    if (made) made = os::create_cgroup(dir);
    if (made) return dir;
  }
  (void)os::remove_file(paths_.turn_cgroup(agent_));
  return made.error();
}

std::optional<std::filesystem::path> read_turn_cgroup(const ProjectPaths& paths,
                                                      const std::string& agent) {
  auto text = os::read_file(paths.turn_cgroup(agent));
  if (!text) return std::nullopt;
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  std::filesystem::path p(s);
  if (!is_turn_cgroup_path(p, agent)) return std::nullopt;
  return p;
}

Status enter_turn_cgroup(const std::filesystem::path& cgroup, pid_t pid) {
  return os::move_to_cgroup(cgroup, pid);
}

CgroupEnd end_turn_cgroup(const ProjectPaths& paths, const std::string& agent) {
  CgroupEnd end;
  auto dir = read_turn_cgroup(paths, agent);
  // Only a directory on a cgroup2 file system is ever written to.
  if (dir && os::is_directory(*dir) && os::is_cgroup_dir(*dir)) {
    end.present = true;
    end.populated = os::cgroup_populated(*dir);
    auto deadline = std::chrono::steady_clock::now() + kCgroupEmptyWait;
    while (os::cgroup_populated(*dir) && std::chrono::steady_clock::now() < deadline) {
      (void)os::kill_cgroup(*dir);
      std::this_thread::sleep_for(kStopPoll);
    }
    if (auto rm = os::remove_cgroup(*dir); !rm) end.problem = rm.error().message;
    (void)os::remove_cgroup(dir->parent_path());  // the project's: fails while others run
  }
  if (end.problem.empty()) (void)os::remove_file(paths.turn_cgroup(agent));
  return end;
}

bool lease_held(const ProjectPaths& paths, const std::string& agent) {
  return os::is_locked(paths.turn_lock(agent));
}

TurnPid read_turn_pid(const ProjectPaths& paths, const std::string& agent) {
  TurnPid v;
  auto text = os::read_file(paths.turn_pid(agent));
  if (!text) {
    v.present = text.error().code != Errc::not_found;
    v.problem = text.error().message;
    return v;
  }
  v.present = v.readable = true;
  v.text = *text;
  auto id = os::parse_pid_file(*text);
  if (!id) {
    v.problem = id.error().message;
    return v;
  }
  v.identity = *id;
  v.liveness = os::check_identity(*id);
  if (!v.alive()) v.leftovers = turn_processes(*id).size();
  return v;
}

Status remove_turn_pid(const ProjectPaths& paths, const std::string& agent) {
  return os::remove_file(paths.turn_pid(agent));
}

GroupOwnership check_group(const os::ProcessIdentity& id) {
  switch (os::check_identity(id)) {
    case os::Liveness::gone: return GroupOwnership::gone;
    case os::Liveness::reused: return GroupOwnership::reused;
    case os::Liveness::alive: break;
  }
  auto live = os::read_identity(id.pid);
  if (!live) return GroupOwnership::gone;
  return live->pgid == id.pgid ? GroupOwnership::ours : GroupOwnership::left_group;
}

GroupStop stop_turn_group(const os::ProcessIdentity& id, const StopPolicy& policy,
                          const MonotonicClock& clock) {
  StopSequence seq(policy, kStopPoll);
  bool first = true;
  for (;;) {
    auto members = turn_processes(id);
    auto n = seq.next(clock.now(), !members.empty());
    switch (n.kind) {
      case StopSequence::Next::Kind::send:
        if (first) {  // before the first signal the group must still be the turn's
          first = false;
          auto owner = check_group(id);
          // The leader gone: what is left of its turn is still the turn's (turn_processes).
          if (owner == GroupOwnership::gone && members.empty())
            return {GroupStop::Kind::gone, 0, owner};
          if (owner != GroupOwnership::ours && owner != GroupOwnership::gone)
            return {GroupStop::Kind::not_ours, 0, owner};
        }
        signal_members(id, members, n.signal);
        continue;
      case StopSequence::Next::Kind::wait:
        std::this_thread::sleep_until(std::chrono::steady_clock::now() + (n.until - clock.now()));
        continue;  // polling the process table for the group's end
      case StopSequence::Next::Kind::gone:
        return {GroupStop::Kind::gone, n.signal, GroupOwnership::ours};
      case StopSequence::Next::Kind::survived:
        return {GroupStop::Kind::survived, n.signal, GroupOwnership::ours};
    }
  }
}

void signal_turn_group(pid_t pgid, int sig) { (void)os::signal_group(pgid, sig); }

bool turn_group_alive(pid_t pgid) { return os::group_alive(pgid); }

}  // namespace drover::runner
