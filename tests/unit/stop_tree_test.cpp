// stop --tree (issue 17 item 7): the pure order of a tree's stop.
#include <doctest/doctest.h>

#include "core/stop_tree.h"

using namespace drover;

namespace {
Session agent(const std::string& name, std::optional<std::string> parent,
              SessionState state = SessionState::between_turns) {
  Session s;
  s.name = name;
  s.parent = std::move(parent);
  s.state = state;
  return s;
}
std::vector<std::string> names(const std::vector<TreeMember>& m) {
  std::vector<std::string> out;
  for (const auto& x : m) out.push_back(x.name);
  return out;
}
}  // namespace

TEST_CASE("stop tree: deepest first, the top last, only the top reports its death") {
  std::vector<Session> all = {agent("top", std::nullopt),
                              agent("b", "top"),
                              agent("a", "top"),
                              agent("a1", "a"),
                              agent("other", std::nullopt),
                              agent("o1", "other"),
                              agent("b1", "b", SessionState::completed)};
  auto order = stop_tree_order("top", all);
  CHECK(names(order) == std::vector<std::string>{"a1", "b1", "a", "b", "top"});
  CHECK(order.back().level == 0);
  CHECK_FALSE(order.back().quiet);
  CHECK(order.front().level == 2);
  for (std::size_t i = 0; i + 1 < order.size(); ++i) CHECK(order[i].quiet);
  CHECK_FALSE(order[1].live);  // b1 is finished: listed, not stopped
  CHECK(order[0].live);
}

TEST_CASE("stop tree: a leaf is a tree of one, an unknown top is empty, cycles end") {
  std::vector<Session> all = {agent("solo", std::nullopt), agent("x", "y"), agent("y", "x")};
  CHECK(names(stop_tree_order("solo", all)) == std::vector<std::string>{"solo"});
  CHECK(stop_tree_order("nobody", all).empty());
  CHECK(names(stop_tree_order("x", all)) == std::vector<std::string>{"y", "x"});
}
