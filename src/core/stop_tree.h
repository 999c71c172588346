#pragma once
// `drover stop A --tree` (issue 17 item 7): which agents it stops and in what order. Pure.
#include <string>
#include <vector>

#include "core/session.h"

namespace drover {

struct TreeMember {
  std::string name;
  int level = 0;       // 0: the top, 1: its children, …
  bool live = false;   // not in a terminal state: to be stopped
  bool quiet = false;  // below the top: its death sends no worker_died
};

// `top` and every agent below it (children, their children, … by their parent links),
// deepest first, siblings by name; the top is last. Empty when `top` has no session. A
// cycle in the parent links (impossible through drover) ends the descent.
std::vector<TreeMember> stop_tree_order(const std::string& top, const std::vector<Session>& all);

}  // namespace drover
