#include "core/stop_tree.h"

#include <algorithm>
#include <map>
#include <set>

namespace drover {

std::vector<TreeMember> stop_tree_order(const std::string& top, const std::vector<Session>& all) {
  std::map<std::string, const Session*> by_name;
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& s : all) {
    by_name[s.name] = &s;
    if (s.parent && !s.parent->empty()) children[*s.parent].push_back(s.name);
  }
  if (!by_name.count(top)) return {};
  std::vector<TreeMember> found;
  std::set<std::string> seen{top};
  std::vector<std::string> level{top};
  for (int depth = 0; !level.empty(); ++depth) {
    std::vector<std::string> next;
    for (const auto& name : level) {
      const Session& s = *by_name[name];
      found.push_back({name, depth, !is_terminal(s.state), depth > 0});
      auto kids = children[name];
      std::sort(kids.begin(), kids.end());
      for (const auto& k : kids)
        if (seen.insert(k).second) next.push_back(k);
    }
    level = std::move(next);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const TreeMember& a, const TreeMember& b) { return a.level > b.level; });
  return found;
}

}  // namespace drover
