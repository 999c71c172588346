#include "core/containment.h"

#include <doctest/doctest.h>

using namespace drover;

TEST_CASE("containment: DROVER_CGROUPS=off (or 0, no, false) forces process groups") {
  CHECK(cgroups_enabled(nullptr));
  CHECK(cgroups_enabled("on"));
  CHECK(cgroups_enabled(""));
  for (const char* off : {"off", "0", "no", "false"}) CHECK_FALSE(cgroups_enabled(off));
}

TEST_CASE("containment: a project's cgroup name is stable and differs between projects") {
  auto a = project_cgroup_name("/work/a");
  CHECK(a == project_cgroup_name("/work/a"));
  CHECK(a != project_cgroup_name("/work/b"));
  CHECK(a.size() == 7 + 16);
  CHECK(a.rfind("drover-", 0) == 0);
  CHECK(turn_cgroup_name("alice") == "agent-alice");
}

TEST_CASE("containment: only drover's own shape of turn cgroup path is accepted") {
  std::string base = "/sys/fs/cgroup/" + project_cgroup_name("/p");
  CHECK(is_turn_cgroup_path(base + "/agent-alice", "alice"));
  CHECK_FALSE(is_turn_cgroup_path(base + "/agent-bob", "alice"));
  CHECK_FALSE(is_turn_cgroup_path("/sys/fs/cgroup/user.slice/agent-alice", "alice"));
  CHECK_FALSE(is_turn_cgroup_path("/sys/fs/cgroup", "alice"));
  CHECK_FALSE(
      is_turn_cgroup_path("relative/" + project_cgroup_name("/p") + "/agent-alice", "alice"));
  CHECK_FALSE(is_turn_cgroup_path(base + "/../x/agent-alice", "alice"));
}

TEST_CASE("containment: doctor names the mode and what it cannot catch") {
  auto cg = describe_containment(std::filesystem::path("/sys/fs/cgroup/drover-x"), "");
  CHECK(cg.find("cgroup v2 at /sys/fs/cgroup/drover-x") == 0);
  CHECK(cg.find("setsid daemons included") != std::string::npos);
  auto pg = describe_containment(std::nullopt, "DROVER_CGROUPS=off");
  CHECK(pg.find("process groups only (DROVER_CGROUPS=off)") == 0);
  CHECK(pg.find("calls setsid") != std::string::npos);
}

TEST_CASE("containment: a cgroup inside a turn's is led out to where its project cgroup lives") {
  using drover::outside_turn_cgroups;
  using P = std::filesystem::path;
  const std::string proj = "drover-0123456789abcdef";
  CHECK(outside_turn_cgroups(P("/sys/fs/cgroup/" + proj + "/agent-alice")) == P("/sys/fs/cgroup"));
  CHECK(outside_turn_cgroups(P("/sys/fs/cgroup/user.slice/" + proj + "/agent-a/deeper")) ==
        P("/sys/fs/cgroup/user.slice"));
  // Nested (a supervisor started inside a turn, whose turn another started inside): out of all.
  CHECK(outside_turn_cgroups(P("/cg/" + proj + "/agent-a/" + proj + "/agent-b")) == P("/cg"));
  // Not inside a turn: drover's own place, its project cgroup, look-alikes.
  CHECK_FALSE(outside_turn_cgroups(P("/sys/fs/cgroup")));
  CHECK_FALSE(outside_turn_cgroups(P("/sys/fs/cgroup/" + proj)));
  CHECK_FALSE(outside_turn_cgroups(P("/sys/fs/cgroup/drover-xyz/agent-a")));
  CHECK_FALSE(outside_turn_cgroups(P("/sys/fs/cgroup/" + proj + "x/agent-a")));
  CHECK_FALSE(outside_turn_cgroups(P("/sys/fs/cgroup/" + proj + "/agent-")));
  CHECK_FALSE(outside_turn_cgroups(P("/sys/fs/cgroup/agent-a/" + proj)));
}
