// ProjectPaths (core/paths.h): the SPEC §1 layout, however the root is spelled.
#include <doctest/doctest.h>

#include "core/paths.h"

using drover::ProjectPaths;

TEST_CASE("paths: an agent's files sit under .drover/agents/<name>/") {
  ProjectPaths p{"/work/repo"};
  CHECK(p.agent_dir("alice") == "/work/repo/.drover/agents/alice");
  CHECK(p.turn_lock("alice") == "/work/repo/.drover/agents/alice/turn.lock");
  CHECK(p.turn_pid("alice") == "/work/repo/.drover/agents/alice/turn.pid");
  CHECK(p.turn_pid("alice") == p.dir() / "agents" / "alice" / "turn.pid");
}

TEST_CASE("paths: a root with a trailing slash, the filesystem root, and an empty root") {
  CHECK(ProjectPaths{"/work/repo/"}.turn_pid("a") == "/work/repo/.drover/agents/a/turn.pid");
  CHECK(ProjectPaths{"/"}.turn_pid("a") == "/.drover/agents/a/turn.pid");
  CHECK(ProjectPaths{""}.turn_pid("a") == "./.drover/agents/a/turn.pid");
}
