#include <doctest/doctest.h>

#include "core/unmerged_work.h"

using drover::describe_unmerged;
using drover::UnmergedWork;

TEST_CASE("unmerged_work: nothing to lose is an empty description") {
  UnmergedWork w;
  CHECK_FALSE(w.any());
  CHECK(describe_unmerged(w).empty());
  w.base = "main";
  CHECK(describe_unmerged(w).empty());
}

TEST_CASE("unmerged_work: commits name the base, changes follow") {
  UnmergedWork w;
  w.base = "main";
  w.commits = 3;
  CHECK(w.any());
  CHECK(describe_unmerged(w) == "3 commits not on main or any other branch");
  w.commits = 1;
  CHECK(describe_unmerged(w) == "1 commit not on main or any other branch");
  w.dirty = "2 modified, 1 untracked";
  CHECK(describe_unmerged(w) ==
        "1 commit not on main or any other branch, 2 modified, 1 untracked");
  w.base.clear();
  CHECK(describe_unmerged(w) == "1 commit not on any other branch, 2 modified, 1 untracked");
}

TEST_CASE("unmerged_work: uncommitted changes alone") {
  UnmergedWork w;
  w.dirty = "1 untracked";
  CHECK(w.any());
  CHECK(describe_unmerged(w) == "1 untracked");
}
