#include "cli/turn_probe.h"

#include "os/file_lock.h"
#include "os/files.h"

namespace drover::cli {

TurnProbe probe_turn(const ProjectPaths& p, const std::string& agent) {
  TurnProbe probe;
  auto dir = p.agent_dir(agent);
  // turn.pid first: without one (most agents, most of the time) nothing else matters,
  // and status over thousands of agents pays one failed open each.
  auto text = os::read_file(dir / "turn.pid");
  if (!text && text.error().code == Errc::not_found) return probe;
  probe.has_pid_file = true;
  probe.lock_held = os::is_locked(dir / "turn.lock");
  if (!text) {
    probe.problem = text.error().message;
    return probe;
  }
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

void write_probe(JsonWriter& w, const TurnProbe& probe) {
  if (!probe.has_pid_file) {
    w.null();
    return;
  }
  w.begin_object();
  if (probe.identity) w.member("pid", static_cast<std::int64_t>(probe.identity->pid)).member("pgid", static_cast<std::int64_t>(probe.identity->pgid));
  else w.member("pid", std::optional<std::int64_t>()).member("pgid", std::optional<std::int64_t>());
  w.member("alive", probe.alive).member("lock_held", probe.lock_held).member("orphan", probe.orphan);
  w.member("problem", probe.problem);
  w.end_object();
}

nlohmann::json probe_json(const TurnProbe& probe) {
  JsonWriter w(0);
  write_probe(w, probe);
  return nlohmann::json::parse(w.str());
}

}  // namespace drover::cli
