#include "runner/containment.h"

#include <unistd.h>

#include <cstdlib>

#include "core/containment.h"
#include "os/cgroup.h"
#include "os/files.h"

namespace drover::runner {

namespace {

Containment groups_only(std::string why) {
  Containment c;
  c.why_not = std::move(why);
  return c;
}

// The project's cgroup path, or why cgroups cannot be used from here. A process started
// from inside a turn (an agent's command started the supervisor) is not that turn's: the
// project's cgroup belongs where drover runs, and with `leave` this process moves there,
// or it would be killed with that turn (cgroup.kill reaches every cgroup below the turn's).
Containment choose(const ProjectPaths& paths, bool leave) {
  const char* env = std::getenv(std::string(kCgroupsEnv).c_str());
  if (!cgroups_enabled(env))
    return groups_only(std::string(kCgroupsEnv) + "=" + env + " switches cgroups off");
  auto own = os::own_cgroup();
  if (!own) return groups_only("no cgroup v2: " + own.error().message);
  std::string left;
  if (auto outside = outside_turn_cgroups(*own)) {
    if (leave) {
      auto moved = os::move_to_cgroup(*outside, ::getpid());
      left = "started inside the turn cgroup " + own->string() +
             (moved ? "; moved to " + outside->string()
                    : " and could not leave it (" + moved.error().message +
                          "): it ends when that turn's cgroup is killed");
    }
    own = *outside;
  }
  Containment c;
  c.left_turn_cgroup = left;
  if (!os::is_cgroup_dir(*own)) c.why_not = own->string() + " is not a cgroup2 directory";
  // Moving a child out of our cgroup into one below it needs our cgroup.procs writable.
  else if (::access((*own / "cgroup.procs").c_str(), W_OK) != 0)
    c.why_not = "cgroup " + own->string() + " is not writable by this user (no delegation)";
  else c.cgroup = *own / project_cgroup_name(paths.root);
  return c;
}

}  // namespace

std::string Containment::describe() const { return describe_containment(cgroup, why_not); }

Containment open_containment(const ProjectPaths& paths) {
  Containment c = choose(paths, true);
  if (!c.cgroup) return c;
  if (auto made = os::create_cgroup(*c.cgroup); !made) {
    c.cgroup.reset();
    c.why_not = "cannot create a cgroup: " + made.error().message;
  }
  return c;
}

Containment probe_containment(const ProjectPaths& paths) {
  Containment c = choose(paths, false);
  if (!c.cgroup) return c;
  bool existed = os::is_directory(*c.cgroup);
  if (auto made = os::create_cgroup(*c.cgroup); !made)
    return groups_only("cannot create a cgroup: " + made.error().message);
  if (!existed) (void)os::remove_cgroup(*c.cgroup);
  return c;
}

void close_containment(const Containment& c) {
  if (c.cgroup) (void)os::remove_cgroup(*c.cgroup);
}

}  // namespace drover::runner
