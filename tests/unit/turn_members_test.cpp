#include "core/turn_members.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace drover;

namespace {
const TurnOrigin kTurn{4000, 4000, 1000};

std::vector<pid_t> pids(const std::vector<ProcessRow>& rows) {
  std::vector<pid_t> out;
  for (const auto& r : rows) out.push_back(r.pid);
  return out;
}

std::vector<ProcessRow> table() {
  return {
      {1, 1, 1, 1, false},              // init
      {4000, 4000, 900, 1000, false},   // the leader
      {4001, 4000, 900, 1001, false},   // a child in its group
      {4002, 4000, 900, 1005, true},    // a zombie in its group
      {4003, 4003, 4000, 1010, false},  // moved to its own group, still in session 4000
      {4100, 4100, 4100, 1020, false},  // a setsid daemon: left both
      {3000, 3000, 900, 500, false},    // an unrelated process
  };
}
}  // namespace

TEST_CASE("turn members: with the leader alive, its group and session members, not zombies") {
  CHECK(pids(turn_members(kTurn, LeaderNow::same, table())) ==
        std::vector<pid_t>{4000, 4001, 4003});
}

TEST_CASE("turn members: the leader gone, members started after it are still the turn's") {
  auto rows = table();
  rows.erase(rows.begin() + 1);  // the leader exited and was reaped
  CHECK(pids(turn_members(kTurn, LeaderNow::gone, rows)) == std::vector<pid_t>{4001, 4003});
}

TEST_CASE("turn members: a group member older than the leader's start is not the turn's") {
  std::vector<ProcessRow> rows{{4005, 4000, 900, 999, false}, {4006, 4000, 900, 1000, false}};
  CHECK(pids(turn_members(kTurn, LeaderNow::gone, rows)) == std::vector<pid_t>{4006});
}

TEST_CASE("turn members: a reused leader pid means the turn's group had emptied: nothing") {
  std::vector<ProcessRow> rows{{4000, 4000, 4000, 9000, false}, {4001, 4000, 4000, 9001, false}};
  CHECK(turn_members(kTurn, LeaderNow::reused, rows).empty());
}

TEST_CASE("turn members: turn.pid from another boot names nothing") {
  CHECK(turn_members(kTurn, LeaderNow::other_boot, table()).empty());
}

TEST_CASE("turn members: a leader that did not lead its own group pins nothing") {
  CHECK(turn_members({4000, 3999, 1000}, LeaderNow::gone, table()).empty());
  CHECK(turn_members({1, 1, 0}, LeaderNow::gone, table()).empty());
}

TEST_CASE("turn members: the setsid daemon is never found by the scan (cgroups catch it)") {
  auto found = pids(turn_members(kTurn, LeaderNow::same, table()));
  CHECK(std::find(found.begin(), found.end(), 4100) == found.end());
}
