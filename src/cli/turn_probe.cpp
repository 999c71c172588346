#include "cli/turn_probe.h"

#include "runner/turn_lease.h"

namespace drover::cli {

TurnProbe probe_turn(const ProjectPaths& p, const std::string& agent) {
  TurnProbe probe;
  // turn.pid first: without one (most agents, most of the time) nothing else matters,
  // and status over thousands of agents pays one failed open each.
  auto pid = runner::read_turn_pid(p, agent);
  if (!pid.present) return probe;
  probe.has_pid_file = true;
  probe.lock_held = runner::lease_held(p, agent);
  if (!pid.identity) {
    probe.problem = pid.problem;
    return probe;
  }
  probe.identity = pid.identity;
  probe.alive = pid.alive();
  probe.leftovers = pid.leftovers;
  // The leader gone, what its turn left is still an orphan (docs/reliability.md).
  probe.orphan = pid.has_processes() && !probe.lock_held;
  return probe;
}

TurnProbes::TurnProbes(const ProjectPaths& p) : paths_(p), agents_(p.agent_dir("")) {}

TurnProbe TurnProbes::probe(const std::string& agent) {
  relative_.assign(agent);
  relative_ += "/turn.pid";
  if (!agents_.may_exist(relative_.c_str())) return {};
  return probe_turn(paths_, agent);
}

void write_probe(JsonWriter& w, const TurnProbe& probe) {
  if (!probe.has_pid_file) {
    w.null();
    return;
  }
  w.begin_object();
  if (probe.identity)
    w.member("pid", static_cast<std::int64_t>(probe.identity->pid))
        .member("pgid", static_cast<std::int64_t>(probe.identity->pgid));
  else w.member("pid", std::optional<std::int64_t>()).member("pgid", std::optional<std::int64_t>());
  w.member("alive", probe.alive)
      .member("lock_held", probe.lock_held)
      .member("orphan", probe.orphan);
  w.member("problem", probe.problem);
  w.end_object();
}

nlohmann::json probe_json(const TurnProbe& probe) {
  JsonWriter w(0);
  write_probe(w, probe);
  return nlohmann::json::parse(w.str());
}

}  // namespace drover::cli
