#include "runner/turn_lease.h"

#include <thread>

#include "core/stop_sequence.h"
#include "os/files.h"

namespace drover::runner {

namespace {
constexpr Millis kStopPoll{2};  // how often a synchronous stop looks at the process table
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
    auto n = seq.next(clock.now(), turn_group_alive(id.pgid));
    switch (n.kind) {
      case StopSequence::Next::Kind::send:
        if (first) {  // before the first signal the group must still be the turn's
          first = false;
          auto owner = check_group(id);
          if (owner != GroupOwnership::ours) return {GroupStop::Kind::not_ours, 0, owner};
        }
        signal_turn_group(id.pgid, n.signal);
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
