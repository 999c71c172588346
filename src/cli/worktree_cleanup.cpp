#include "cli/worktree_cleanup.h"

#include <filesystem>

#include "core/worktree_users.h"
#include "os/files.h"
#include "runner/worktree.h"

namespace drover::cli {

namespace {

nlohmann::json opt(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// Whether what removing would lose is exactly what `drover merge` recorded merging: the
// branch (and the worktree) still at the merged tip, nothing uncommitted.
bool merged_as_is(const Session& s, const UnmergedWork& lost) {
  if (!s.merged_head || !lost.tip || *lost.tip != *s.merged_head || lost.dirty != "clean")
    return false;
  std::error_code ec;
  if (!s.worktree || !std::filesystem::is_directory(*s.worktree, ec)) return true;
  auto head = runner::head_sha(*s.worktree);
  return head && *head == *s.merged_head;
}

}  // namespace

Result<runner::TurnLease> take_cleanup_lock(const ProjectPaths& p, const std::string& agent,
                                            std::optional<Millis> wait) {
  for (int attempt = 0;; ++attempt) {
    DROVER_TRY(os::make_private_dirs(p.agent_dir(agent)));
    auto lock = runner::TurnLease::take(p, agent, wait);
    if (lock || attempt == 2 || os::is_directory(p.agent_dir(agent))) return lock;
  }
}

Result<WorktreeCleanup> remove_agent_worktree(const ProjectPaths& paths, const Session& s,
                                              const std::vector<Session>& others, bool force) {
  WorktreeCleanup c;
  if (!s.worktree && !s.branch) return c;
  c.kept_for = other_worktree_users(others, s.name, s.worktree, s.branch);
  if (!c.kept_for.empty()) return c;
  auto removed = runner::remove_worktree(
      paths, s.worktree.value_or(""), s.branch,
      force ? runner::UnmergedPolicy::remove : runner::UnmergedPolicy::keep);
  if (!removed) return removed.error();
  if (removed->kept_unmerged && merged_as_is(s, *removed->kept_unmerged)) {
    // `drover merge --squash` put the branch's changes on its target as a new commit: the
    // branch's own commits are nowhere else, but nothing of them is lost.
    removed = runner::remove_worktree(paths, s.worktree.value_or(""), s.branch,
                                      runner::UnmergedPolicy::remove);
    if (!removed) return removed.error();
  }
  if (removed->kept_unmerged) {
    c.unmerged = describe_unmerged(*removed->kept_unmerged);
    return c;
  }
  if (removed->worktree_removed) c.worktree = s.worktree;
  if (removed->branch_removed) c.branch = s.branch;
  c.branch_head = removed->branch_head;
  c.discarded = removed->discarded;
  return c;
}

Error unmerged_error(const std::string& what, const WorktreeCleanup& c,
                     const std::string& force_hint) {
  return make_error(Errc::conflict, what + " would lose " + c.unmerged.value_or("work") +
                                        " (merge them, or " + force_hint + ")");
}

void add_cleanup_json(nlohmann::json& j, const WorktreeCleanup& c) {
  j["worktree"] = opt(c.worktree);
  j["branch"] = opt(c.branch);
  j["branch_head"] = opt(c.branch_head);
  j["discarded"] = opt(c.discarded);
  if (!c.kept_for.empty()) j["kept_for"] = c.kept_for;
  if (c.unmerged) j["unmerged"] = *c.unmerged;
}

std::string cleanup_text(const WorktreeCleanup& c) {
  if (!c.kept_for.empty()) {
    std::string names;
    for (const auto& n : c.kept_for) names += (names.empty() ? "" : ", ") + n;
    return " (kept its worktree: " + names + " still use" + (c.kept_for.size() == 1 ? "s" : "") +
           " it)";
  }
  std::string parts;
  if (c.worktree) parts = "worktree " + *c.worktree;
  if (c.branch) {
    parts += (parts.empty() ? "" : " and ") + std::string("branch ") + *c.branch;
    if (c.branch_head) parts += ", which was at " + c.branch_head->substr(0, 12);
  }
  if (c.discarded) parts += "; discarded uncommitted changes: " + *c.discarded;
  return parts.empty() ? "" : " (removed " + parts + ")";
}

}  // namespace drover::cli
