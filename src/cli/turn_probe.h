#pragma once
// What an agent's turn.pid says, checked against the live process table and turn lock.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/project.h"
#include "core/json_writer.h"
#include "os/files.h"
#include "os/process.h"

namespace drover::cli {

struct TurnProbe {
  bool has_pid_file = false;
  std::optional<os::ProcessIdentity> identity;  // when turn.pid parses
  bool alive = false;                           // the process named is the same live process
  bool lock_held = false;                       // a runner holds turn.lock
  std::size_t leftovers = 0;                    // the leader gone: its turn's processes left
  bool orphan = false;  // the leader or its leftovers alive while no runner holds the lock
  std::optional<std::string> problem;  // unreadable or garbage turn.pid
};

TurnProbe probe_turn(const ProjectPaths& p, const std::string& agent);

// probe_turn for many agents in a row (status): a turn.pid is first looked for relative to
// the open agents directory, and an agent without one (most of them) costs one faccessat.
class TurnProbes {
 public:
  explicit TurnProbes(const ProjectPaths& p);
  TurnProbe probe(const std::string& agent);

 private:
  const ProjectPaths& paths_;
  os::OpenDir agents_;
  std::string relative_;  // "<agent>/turn.pid", reused
};
// {"pid","pgid","alive","lock_held","orphan","problem"}, or null without a turn.pid.
void write_probe(JsonWriter& w, const TurnProbe& probe);
nlohmann::json probe_json(const TurnProbe& probe);

}  // namespace drover::cli
