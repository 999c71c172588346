#pragma once
// Which mode holds a project's turns (docs/reliability.md): cgroup v2 where this process
// can create cgroups and move processes into them, else process groups only. The
// supervisor and `drover turn` decide it once, at start; `doctor` reports it.
#include <filesystem>
#include <optional>
#include <string>

#include "core/paths.h"

namespace drover::runner {

struct Containment {
  std::optional<std::filesystem::path> cgroup;  // the project's cgroup; nullopt: groups only
  std::string why_not;                          // with nullopt: why no cgroup is used
  // open_containment only: not empty when this process started inside a turn's cgroup
  // (core/containment.h outside_turn_cgroups) — what was done about it, for the log.
  std::string left_turn_cgroup;
  std::string describe() const;  // doctor's and the log's words
};

// Creates the project's cgroup under this process's own cgroup v2 when cgroups are not
// switched off (DROVER_CGROUPS=off) and the kernel lets us; otherwise says why not. A
// process inside a turn's cgroup first moves itself out to where that turn's project
// cgroup lives, and the project's cgroup goes there.
Containment open_containment(const ProjectPaths& paths);
// What open_containment would choose, leaving nothing behind (doctor).
Containment probe_containment(const ProjectPaths& paths);
// Removes the project's cgroup when no turn cgroup is left in it (at exit).
void close_containment(const Containment& c);

}  // namespace drover::runner
