#include "cli/turn_probe.h"

#include "os/file_lock.h"
#include "os/files.h"

namespace drover::cli {

TurnProbe probe_turn(const ProjectPaths& p, const std::string& agent) {
  TurnProbe probe;
  auto dir = p.agent_dir(agent);
  probe.lock_held = os::is_locked(dir / "turn.lock");
  auto text = os::read_file(dir / "turn.pid");
  if (!text) {
    if (text.error().code != Errc::not_found) {
      probe.has_pid_file = true;
      probe.problem = text.error().message;
    }
    return probe;
  }
  probe.has_pid_file = true;
  auto id = os::parse_pid_file(*text);
  if (!id) {
    probe.problem = id.error().message;
    return probe;
  }
  probe.identity = *id;
  probe.alive = os::check_identity(*id) == os::Liveness::alive;
  probe.orphan = probe.alive && !probe.lock_held;
  return probe;
}

nlohmann::json probe_json(const TurnProbe& probe) {
  if (!probe.has_pid_file) return nullptr;
  nlohmann::json j = {{"pid", nullptr}, {"pgid", nullptr}, {"alive", probe.alive},
                      {"lock_held", probe.lock_held}, {"orphan", probe.orphan},
                      {"problem", nullptr}};
  if (probe.identity) {
    j["pid"] = probe.identity->pid;
    j["pgid"] = probe.identity->pgid;
  }
  if (probe.problem) j["problem"] = *probe.problem;
  return j;
}

}  // namespace drover::cli
