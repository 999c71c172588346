#include <doctest/doctest.h>

#include "core/worktree_users.h"

using namespace drover;

namespace {

Session with(const std::string& name, std::optional<std::string> worktree,
             std::optional<std::string> branch) {
  Session s;
  s.name = name;
  s.worktree = std::move(worktree);
  s.branch = std::move(branch);
  return s;
}

}  // namespace

TEST_CASE("other_worktree_users: the same path or branch, never the agent itself") {
  std::vector<Session> all = {with("alice", "/p/.drover/worktrees/alice", "drover/alice"),
                              with("bob", "/p/.drover/worktrees/alice", std::nullopt),
                              with("carol", std::nullopt, "drover/alice"),
                              with("dave", "/p/.drover/worktrees/dave", "drover/dave"),
                              with("erin", std::nullopt, std::nullopt)};
  auto users = other_worktree_users(all, "alice", "/p/.drover/worktrees/alice", "drover/alice");
  CHECK(users == std::vector<std::string>{"bob", "carol"});
  CHECK(other_worktree_users(all, "dave", "/p/.drover/worktrees/dave", "drover/dave").empty());
}

TEST_CASE("other_worktree_users: paths compare normalised") {
  std::vector<Session> all = {with("bob", "/p/.drover/worktrees/x/", std::nullopt)};
  CHECK(other_worktree_users(all, "", "/p/.drover/./worktrees/x", std::nullopt) ==
        std::vector<std::string>{"bob"});
  CHECK(other_worktree_users(all, "", "/p/.drover/worktrees/../worktrees/x", std::nullopt).size() ==
        1);
  CHECK(other_worktree_users(all, "", "/p/.drover/worktrees/xy", std::nullopt).empty());
}

TEST_CASE("other_worktree_users: nothing to compare matches nothing") {
  std::vector<Session> all = {with("bob", "", ""), with("carol", std::nullopt, std::nullopt)};
  CHECK(other_worktree_users(all, "alice", std::nullopt, std::nullopt).empty());
  CHECK(other_worktree_users(all, "alice", "", "").empty());
}
