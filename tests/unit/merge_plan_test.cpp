#include <doctest/doctest.h>

#include "core/merge_plan.h"

using namespace drover;

namespace {

MergeFacts ready_to_merge() {
  MergeFacts f;
  f.agent = "alice";
  f.state = SessionState::completed;
  f.target = "main";
  f.checked_out = "main";
  return f;
}

std::string z(std::initializer_list<std::string> fields) {
  std::string out;
  for (const auto& f : fields) out += f + std::string(1, '\0');
  return out;
}

}  // namespace

TEST_CASE("merge_plan: a finished agent, the target checked out and clean, may merge") {
  CHECK_FALSE(merge_refusal(ready_to_merge()).has_value());
  auto f = ready_to_merge();
  f.state = SessionState::between_turns;  // idle between turns: its branch is not moving
  CHECK_FALSE(merge_refusal(f).has_value());
}

TEST_CASE("merge_plan: refusals are conflicts that name the next step") {
  SUBCASE("an agent in a turn") {
    auto f = ready_to_merge();
    f.state = SessionState::in_turn;
    auto e = merge_refusal(f);
    REQUIRE(e);
    CHECK(e->code == Errc::conflict);
    CHECK(e->message.find("in a turn") != std::string::npos);
    CHECK(e->message.find("drover stop alice") != std::string::npos);
  }
  SUBCASE("the checkout is on another branch: never switched behind the user's back") {
    auto f = ready_to_merge();
    f.checked_out = "feature";
    auto e = merge_refusal(f);
    REQUIRE(e);
    CHECK(e->code == Errc::conflict);
    CHECK(e->message.find("on branch feature, not main") != std::string::npos);
    CHECK(e->message.find("git checkout main") != std::string::npos);
    CHECK(e->message.find("--into feature") != std::string::npos);
  }
  SUBCASE("a detached checkout") {
    auto f = ready_to_merge();
    f.checked_out.reset();
    auto e = merge_refusal(f);
    REQUIRE(e);
    CHECK(e->message.find("detached HEAD") != std::string::npos);
  }
  SUBCASE("uncommitted tracked changes") {
    auto f = ready_to_merge();
    f.tracked_changes = 2;
    auto e = merge_refusal(f);
    REQUIRE(e);
    CHECK(e->code == Errc::conflict);
    CHECK(e->message.find("2 uncommitted changes") != std::string::npos);
    f.tracked_changes = 1;
    CHECK(merge_refusal(f)->message.find("1 uncommitted change ") != std::string::npos);
  }
  SUBCASE("the turn is named before the checkout") {
    auto f = ready_to_merge();
    f.state = SessionState::in_turn;
    f.tracked_changes = 3;
    CHECK(merge_refusal(f)->message.find("in a turn") != std::string::npos);
  }
}

TEST_CASE("merge_plan: tracked changes leave out untracked and ignored files") {
  CHECK(count_tracked_changes("") == 0);
  CHECK(count_tracked_changes(z({"?? new.txt", "!! build/"})) == 0);
  CHECK(count_tracked_changes(z({" M a.txt", "M  b.txt", "?? c.txt"})) == 2);
  // A rename carries its source as the next field, which is not an entry of its own.
  CHECK(count_tracked_changes(z({"R  new.txt", "old.txt", "D  gone.txt"})) == 2);
  CHECK(count_tracked_changes(z({"UU both.txt"})) == 1);
  CHECK(count_tracked_changes(std::string(" M no-terminator")) == 1);
}

TEST_CASE("merge_plan: merge-tree output gives the tree and the conflicted files") {
  auto clean = parse_merge_tree(z({"2102fade18606278bb9d53cf9712a314ce8fb7ce"}));
  CHECK(clean.tree == "2102fade18606278bb9d53cf9712a314ce8fb7ce");
  CHECK(clean.conflicts.empty());
  auto conflicted = parse_merge_tree(z({"abc", "f.txt", "dir/g h.txt", "f.txt"}));
  CHECK(conflicted.tree == "abc");
  CHECK(conflicted.conflicts == std::vector<std::string>{"f.txt", "dir/g h.txt"});
  // Informational messages follow an empty field: they are not paths.
  auto with_messages =
      parse_merge_tree(z({"abc", "f.txt", "", "1", "f.txt", "Auto-merging f.txt"}));
  CHECK(with_messages.conflicts == std::vector<std::string>{"f.txt"});
  CHECK(parse_merge_tree("").tree.empty());
}

TEST_CASE("merge_plan: the merge message is the branch and the task's first line") {
  CHECK(merge_message("drover/alice", "add the parser\nwith tests") ==
        "Merge drover/alice: add the parser");
  CHECK(merge_message("drover/alice", "") == "Merge drover/alice");
  CHECK(merge_message("drover/alice", "   \nsecond") == "Merge drover/alice");
  auto long_task = std::string(200, 'x');
  CHECK(merge_message("drover/a", long_task).size() <= std::string("Merge drover/a: ").size() + 80);
}

TEST_CASE("merge_plan: conflicts are listed, the long tail counted") {
  CHECK(describe_conflicts({"a.txt"}) == "a.txt");
  CHECK(describe_conflicts({"a", "b", "c"}, 2) == "a, b and 1 more");
  CHECK(describe_conflicts({"bad\x1b[31m"}).find('\x1b') == std::string::npos);
}
