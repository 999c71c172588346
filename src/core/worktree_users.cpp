#include "core/worktree_users.h"

#include <filesystem>

namespace drover {

namespace {

bool same_path(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  auto norm = [](const std::string& p) {
    std::string s = fs::path(p).lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();  // "dir/" and "dir" are one place
    return s;
  };
  return norm(a) == norm(b);
}

}  // namespace

std::vector<std::string> other_worktree_users(const std::vector<Session>& sessions,
                                              std::string_view self,
                                              const std::optional<std::string>& path,
                                              const std::optional<std::string>& branch) {
  std::vector<std::string> out;
  for (const auto& s : sessions) {
    if (s.name == self) continue;
    bool by_path = path && !path->empty() && s.worktree && same_path(*s.worktree, *path);
    bool by_branch = branch && !branch->empty() && s.branch && *s.branch == *branch;
    if (by_path || by_branch) out.push_back(s.name);
  }
  return out;
}

}  // namespace drover
