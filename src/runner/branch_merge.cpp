#include "runner/branch_merge.h"

#include <cstdlib>
#include <filesystem>

#include "os/git.h"
#include "runner/worktree.h"

namespace drover::runner {

namespace {

std::string branch_merge_trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Whether a merge is still in progress in the project (MERGE_HEAD, or a squash's
// SQUASH_MSG with staged changes is handled by the caller's status check).
bool merge_in_progress(const ProjectPaths& paths) {
  auto r = os::run_git({"rev-parse", "--verify", "--quiet", "MERGE_HEAD"}, paths.root);
  return r && r->ok();
}

// Paths git left unmerged in the index.
std::vector<std::string> unmerged_paths(const ProjectPaths& paths) {
  std::vector<std::string> out;
  auto r = os::run_git({"diff", "--name-only", "--diff-filter=U", "-z"}, paths.root);
  if (!r || !r->ok()) return out;
  return parse_merge_tree(std::string("-\0", 2) + r->out).conflicts;
}

// Undoes a merge that stopped half way and checks that the checkout is as before:
// no MERGE_HEAD and no tracked change.
Status undo_merge(const ProjectPaths& paths) {
  if (merge_in_progress(paths)) (void)os::run_git({"merge", "--abort"}, paths.root);
  auto dirty = checkout_tracked_changes(paths);
  if (dirty && *dirty > 0) (void)os::run_git({"reset", "--merge"}, paths.root);
  dirty = checkout_tracked_changes(paths);
  if (!dirty) return dirty.error();
  if (*dirty > 0 || merge_in_progress(paths))
    return make_error(Errc::failed,
                      "the merge failed and the project's checkout could not be "
                      "restored (see 'git status'; 'git merge --abort' or 'git "
                      "reset --merge' undo it)");
  return ok_status();
}

}  // namespace

std::optional<std::string> branch_base(const ProjectPaths& paths, const std::string& branch) {
  auto r = os::run_git({"config", "--get", "branch." + branch + ".droverBase"}, paths.root);
  if (r && r->ok()) {
    auto base = branch_merge_trim(r->out);
    if (!base.empty()) return base;
  }
  return checked_out_branch(paths.root.string());
}

Result<bool> local_branch_exists(const ProjectPaths& paths, const std::string& branch) {
  auto r = os::run_git({"show-ref", "--verify", "--quiet", "refs/heads/" + branch}, paths.root);
  if (!r) return r.error();
  return r->ok();
}

Result<std::string> branch_tip(const ProjectPaths& paths, const std::string& branch) {
  auto out =
      os::git_stdout({"rev-parse", "--verify", "refs/heads/" + branch + "^{commit}"}, paths.root);
  if (!out) return out.error();
  return branch_merge_trim(*out);
}

Result<std::string> branch_diff(const ProjectPaths& paths, const std::string& base,
                                const std::string& branch, bool stat) {
  std::vector<std::string> args = {"diff", "--no-color", "--no-ext-diff"};
  if (stat) args.push_back("--stat");
  args.push_back(base + "..." + branch);
  args.push_back("--");
  return os::git_stdout(args, paths.root);
}

Result<int> commits_ahead(const ProjectPaths& paths, const std::string& target,
                          const std::string& branch) {
  auto out = os::git_stdout({"rev-list", "--count", target + ".." + branch, "--"}, paths.root);
  if (!out) return out.error();
  return std::atoi(branch_merge_trim(*out).c_str());
}

Result<MergeTreeResult> trial_merge(const ProjectPaths& paths, const std::string& target,
                                    const std::string& branch) {
  auto r = os::run_git(
      {"merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", target, branch},
      paths.root);
  if (!r) return r.error();
  if (r->exit_code != 0 && r->exit_code != 1) {
    std::string line = os::git_error_line(r->err);
    return make_error(Errc::failed, "git merge-tree failed" + (line.empty() ? "" : ": " + line) +
                                        " (drover merge needs git 2.38 or newer)");
  }
  auto result = parse_merge_tree(r->out);
  if (r->exit_code == 1 && result.conflicts.empty()) result.conflicts.push_back("(unknown)");
  return result;
}

Result<std::string> tree_of(const ProjectPaths& paths, const std::string& rev) {
  auto out = os::git_stdout({"rev-parse", "--verify", rev + "^{tree}"}, paths.root);
  if (!out) return out.error();
  return branch_merge_trim(*out);
}

Result<int> checkout_tracked_changes(const ProjectPaths& paths) {
  auto out = os::git_stdout({"status", "--porcelain=v1", "-z", "--untracked-files=no"}, paths.root);
  if (!out) return out.error();
  return count_tracked_changes(*out);
}

Result<MergeDone> merge_branch(const ProjectPaths& paths, const std::string& branch,
                               const std::string& message, bool squash) {
  MergeDone done;
  std::vector<std::string> args = {"merge", "--no-edit"};
  if (squash) args.push_back("--squash");
  else args.insert(args.end(), {"--no-ff", "-m", message});
  args.push_back(branch);
  auto merged = os::run_git(args, paths.root);
  if (!merged) return merged.error();
  if (merged->ok() && squash) {
    merged = os::run_git({"commit", "--quiet", "--no-verify", "-m", message}, paths.root);
    if (!merged) return merged.error();
  }
  if (!merged->ok()) {
    done.conflicts = unmerged_paths(paths);
    std::string line = os::git_error_line(merged->err.empty() ? merged->out : merged->err);
    DROVER_TRY(undo_merge(paths));
    if (done.conflicts.empty())
      return make_error(Errc::failed, "git merge failed" + (line.empty() ? "" : ": " + line) +
                                          " (nothing was merged)");
    return done;
  }
  auto sha = head_sha(paths.root.string());
  if (!sha) return sha.error();
  done.sha = *sha;
  return done;
}

}  // namespace drover::runner
