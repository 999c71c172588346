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

// The project's cgroup path, or why cgroups cannot be used from here.
Containment choose(const ProjectPaths& paths) {
  const char* env = std::getenv(std::string(kCgroupsEnv).c_str());
  if (!cgroups_enabled(env))
    return groups_only(std::string(kCgroupsEnv) + "=" + env + " switches cgroups off");
  auto own = os::own_cgroup();
  if (!own) return groups_only("no cgroup v2: " + own.error().message);
  // Started from inside a turn (an agent's command started the supervisor): the project's
  // cgroup belongs where drover runs, not inside that turn's (open_containment moves us).
  if (auto outside = outside_turn_cgroups(*own)) own = *outside;
  if (!os::is_cgroup_dir(*own)) return groups_only(own->string() + " is not a cgroup2 directory");
  // Moving a child out of our cgroup into one below it needs our cgroup.procs writable.
  if (::access((*own / "cgroup.procs").c_str(), W_OK) != 0)
    return groups_only("cgroup " + own->string() + " is not writable by this user (no delegation)");
  Containment c;
  c.cgroup = *own / project_cgroup_name(paths.root);
  return c;
}

}  // namespace

std::string Containment::describe() const { return describe_containment(cgroup, why_not); }

Containment open_containment(const ProjectPaths& paths) {
  std::string left;
  if (cgroups_enabled(std::getenv(std::string(kCgroupsEnv).c_str())))
    if (auto own = os::own_cgroup())
      if (auto outside = outside_turn_cgroups(*own)) {
        // Left inside, this process would be killed with that turn (cgroup.kill reaches
        // every cgroup below the turn's).
        auto moved = os::move_to_cgroup(*outside, ::getpid());
        left = moved ? "started inside the turn cgroup " + own->string() + "; moved to " +
                           outside->string()
                     : "started inside the turn cgroup " + own->string() +
                           " and could not leave it (" + moved.error().message +
                           "): it ends when that turn's cgroup is killed";
      }
  Containment c = choose(paths);
  c.left_turn_cgroup = left;
  if (!c.cgroup) return c;
  if (auto made = os::create_cgroup(*c.cgroup); !made)
    return groups_only("cannot create a cgroup: " + made.error().message);
  return c;
}

Containment probe_containment(const ProjectPaths& paths) {
  Containment c = choose(paths);
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
