#include "runner/worktree.h"

#include <cstdlib>
#include <vector>

#include "core/git_status.h"
#include "core/unmerged_work.h"
#include "os/files.h"
#include "os/git.h"

namespace drover::runner {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The commit `rev` names in the repository at `dir`, or nullopt when it names none.
Result<std::optional<std::string>> resolve_commit(const std::filesystem::path& dir,
                                                  const std::string& rev) {
  auto r = os::run_git({"rev-parse", "--verify", "--quiet", rev + "^{commit}"}, dir);
  if (!r) return r.error();
  if (!r->ok()) return std::optional<std::string>();
  return std::optional<std::string>(trimmed(r->out));
}

Result<bool> branch_exists(const std::filesystem::path& dir, const std::string& branch) {
  auto r = os::run_git({"show-ref", "--verify", "--quiet", "refs/heads/" + branch}, dir);
  if (!r) return r.error();
  return r->ok();
}

// `path` with symlinks resolved as far as it exists (git records worktrees by their real
// path; .drover may be a symlink).
std::filesystem::path resolved(const std::filesystem::path& path) {
  std::error_code ec;
  auto r = std::filesystem::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : r.lexically_normal();
}

// Whether git lists `path` among the repository's worktrees.
Result<bool> registered(const std::filesystem::path& root, const std::string& path) {
  auto out = os::git_stdout({"worktree", "list", "--porcelain"}, root);
  if (!out) return out.error();
  const auto want = resolved(path);
  std::size_t pos = 0;
  while (pos < out->size()) {
    auto nl = out->find('\n', pos);
    std::string line = out->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? out->size() : nl + 1;
    if (line.rfind("worktree ", 0) == 0 && resolved(line.substr(9)) == want) return true;
  }
  return false;
}

// Whether `path` is inside `dir`, both compared with symlinks resolved. The last component
// of `path` is not resolved: a symlink there is refused by the caller, never followed.
bool under(const std::filesystem::path& dir, const std::string& path) {
  std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  if (p.has_filename()) p = resolved(p.parent_path()) / p.filename();
  auto rel = p.lexically_relative(resolved(dir));
  return !rel.empty() && *rel.begin() != ".." && rel != ".";
}

// git config key under which create_worktree records what the branch was made from.
std::string base_key(const std::string& branch) { return "branch." + branch + ".droverBase"; }

}  // namespace

std::string worktree_branch(const std::string& agent) { return "drover/" + agent; }

Result<CreatedWorktree> create_worktree(const ProjectPaths& paths, const std::string& agent,
                                        const std::optional<std::string>& base) {
  const auto& root = paths.root;
  auto inside = os::run_git({"rev-parse", "--is-inside-work-tree"}, root);
  if (!inside) return inside.error();
  if (!inside->ok() || trimmed(inside->out) != "true")
    return make_error(
        Errc::usage,
        root.string() + " is not a git repository (run 'git init' or sling without --worktree)");

  CreatedWorktree wt;
  wt.branch = worktree_branch(agent);
  wt.path = paths.worktree(agent).lexically_normal().string();
  auto valid = os::run_git({"check-ref-format", "refs/heads/" + wt.branch}, root);
  if (!valid) return valid.error();
  if (!valid->ok())
    return make_error(
        Errc::usage,
        "'" + wt.branch + "' is not a valid git branch name (choose another agent name)");

  std::optional<std::string> sha;
  if (base) {
    if (base->empty() || (*base)[0] == '-')
      return make_error(Errc::usage,
                        "--base-branch '" + *base + "' is not a branch or commit name");
    auto c = resolve_commit(root, *base);
    if (!c) return c.error();
    if (!*c)
      return make_error(Errc::not_found, "base '" + *base + "' is not a branch or commit in " +
                                             root.string() + " (see 'git branch --list')");
    sha = *c;
  } else {
    auto c = resolve_commit(root, "HEAD");
    if (!c) return c.error();
    if (!*c)
      return make_error(Errc::usage, "the git repository at " + root.string() +
                                         " has no commits yet (commit something first, e.g. "
                                         "'git commit --allow-empty -m init')");
    sha = *c;
  }
  wt.base_sha = *sha;

  auto exists = branch_exists(root, wt.branch);
  if (!exists) return exists.error();
  if (*exists)
    return make_error(Errc::conflict, "branch " + wt.branch +
                                          " already exists (delete it with 'git branch -D " +
                                          wt.branch + "', or 'drover clean --agent " + agent +
                                          "' if it belongs to a finished agent)");
  if (std::error_code ec; std::filesystem::exists(std::filesystem::symlink_status(wt.path, ec)))
    return make_error(Errc::conflict,
                      wt.path +
                          " already exists (remove it, or run 'drover clean --all' to "
                          "remove worktrees no agent owns)");

  DROVER_TRY(os::make_private_dirs(paths.worktrees()));
  auto added =
      os::git_stdout({"worktree", "add", "--quiet", "-b", wt.branch, wt.path, wt.base_sha}, root);
  if (!added)
    return make_error(Errc::failed,
                      "cannot create the worktree of '" + agent + "': " + added.error().message);
  // What the branch was made from, for `clean`'s "N commits not on <base>": the name given,
  // else the branch checked out in the project, else the commit. `git branch -D` drops it.
  std::string base_name = base ? *base : checked_out_branch(root.string()).value_or(wt.base_sha);
  auto recorded = os::git_stdout({"config", base_key(wt.branch), base_name}, root);
  if (!recorded) {
    (void)remove_worktree(paths, wt.path, wt.branch);
    return make_error(Errc::failed,
                      "cannot create the worktree of '" + agent + "': " + recorded.error().message);
  }
  return wt;
}

Result<RemovedWorktree> remove_worktree(const ProjectPaths& paths, const std::string& path,
                                        const std::optional<std::string>& branch,
                                        UnmergedPolicy policy) {
  RemovedWorktree out;
  const auto& root = paths.root;
  // Only what drover made: a worktree under .drover/worktrees/ and a drover/* branch. A
  // row edited by hand, or a project moved since, must not point git at anything else.
  if (!path.empty() && !under(paths.worktrees(), path))
    return make_error(Errc::conflict, "refusing to remove " + path + ": it is not under " +
                                          paths.worktrees().string() +
                                          " (remove it by hand with 'git worktree remove')");
  if (branch && !branch->empty() && branch->rfind("drover/", 0) != 0)
    return make_error(Errc::conflict, "refusing to delete branch " + *branch +
                                          ": drover deletes only its own drover/* branches");
  std::error_code ec;
  auto kind = path.empty() ? std::filesystem::file_type::not_found
                           : std::filesystem::symlink_status(path, ec).type();
  if (kind == std::filesystem::file_type::symlink)
    return make_error(Errc::conflict, "refusing to remove " + path +
                                          ": it is a symbolic link, not a worktree drover made");
  if (policy == UnmergedPolicy::keep) {
    auto lost = unmerged_work(paths, path, branch);
    if (!lost) return lost.error();
    if (lost->any()) {
      out.kept_unmerged = *lost;
      return out;
    }
  }
  if (kind == std::filesystem::file_type::directory) {
    if (auto dirty = dirty_summary(path); dirty && *dirty != "clean") out.discarded = *dirty;
    auto r = os::run_git({"worktree", "remove", "--force", path}, root);
    if (!r) return r.error();
    out.worktree_removed = true;
    if (!r->ok()) {
      // A leftover directory git no longer knows (or never knew) is ours to delete.
      auto known = registered(root, path);
      if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
        out.worktree_removed = false;  // a concurrent clean removed it: that is done too
        out.discarded.reset();
      } else if (known && !*known && under(paths.worktrees(), path)) {
        DROVER_TRY(os::remove_tree(path));
      } else {
        std::string line = os::git_error_line(r->err);
        return make_error(Errc::failed, "cannot remove the worktree " + path + ": " +
                                            (line.empty() ? "git worktree remove failed" : line));
      }
    }
  } else {
    (void)os::run_git({"worktree", "prune"}, root);  // forget a worktree deleted by hand
  }
  if (branch && !branch->empty()) {
    auto tip = resolve_commit(root, "refs/heads/" + *branch);
    if (!tip) return tip.error();
    if (*tip) {
      auto deleted = os::git_stdout({"branch", "-D", *branch}, root);
      if (deleted) {
        out.branch_removed = true;
        out.branch_head = *tip;
      } else {
        // Gone meanwhile (a concurrent clean deleted it): that is what was asked for.
        auto still = resolve_commit(root, "refs/heads/" + *branch);
        if (!still) return still.error();
        if (*still)
          return make_error(Errc::failed,
                            "cannot delete branch " + *branch + ": " + deleted.error().message);
      }
    }
  }
  return out;
}

Result<UnmergedWork> unmerged_work(const ProjectPaths& paths, const std::string& path,
                                   const std::optional<std::string>& branch) {
  UnmergedWork w;
  const auto& root = paths.root;
  std::vector<std::string> tips;
  std::vector<std::string> args = {"rev-list", "--count"};
  if (branch && !branch->empty()) {
    auto tip = resolve_commit(root, "refs/heads/" + *branch);
    if (!tip) return tip.error();
    if (*tip) {
      w.tip = **tip;
      tips.push_back(**tip);
    }
    auto base = os::run_git({"config", "--get", base_key(*branch)}, root);
    if (!base) return base.error();
    if (base->ok()) w.base = trimmed(base->out);
  }
  std::error_code ec;
  // Only a directory git knows as a worktree: git run in a leftover plain directory under
  // .drover/ would report on the project's own checkout.
  if (!path.empty() &&
      std::filesystem::symlink_status(path, ec).type() == std::filesystem::file_type::directory) {
    auto known = registered(root, path);
    if (!known) return known.error();
    if (*known) {
      auto head = head_sha(path);
      if (!head) return head.error();
      if (!w.tip) w.tip = *head;
      if (tips.empty() || tips.front() != *head) tips.push_back(*head);
      auto dirty = dirty_summary(path);
      if (!dirty) return dirty.error();
      w.dirty = *dirty;
    }
  }
  if (w.base.empty()) w.base = checked_out_branch(root.string()).value_or("");
  if (tips.empty()) return w;
  args.insert(args.end(), tips.begin(), tips.end());
  args.push_back("--not");
  if (!w.base.empty()) {
    auto base_sha = resolve_commit(root, w.base);
    if (!base_sha) return base_sha.error();
    if (*base_sha) args.push_back(**base_sha);
  }
  // --branches matches --exclude against names without refs/heads/.
  if (branch && !branch->empty()) args.push_back("--exclude=" + *branch);
  args.push_back("--branches");
  auto count = os::git_stdout(args, root);
  if (!count) return count.error();
  w.commits = std::atoi(trimmed(*count).c_str());
  return w;
}

std::optional<std::string> checked_out_branch(const std::string& worktree) {
  auto r = os::run_git({"symbolic-ref", "--quiet", "--short", "HEAD"}, worktree);
  if (!r || !r->ok()) return std::nullopt;
  std::string b = trimmed(r->out);
  if (b.empty()) return std::nullopt;
  return b;
}

Result<std::string> head_sha(const std::string& worktree) {
  auto out = os::git_stdout({"rev-parse", "HEAD"}, worktree);
  if (!out) return out.error();
  return trimmed(*out);
}

Result<std::string> dirty_summary(const std::string& worktree) {
  // --no-optional-locks: observing must not take index.lock from under anyone.
  auto out = os::git_stdout({"--no-optional-locks", "status", "--porcelain=v1", "-z"}, worktree);
  if (!out) return out.error();
  return summarize_porcelain(*out);
}

WorktreeSnapshot snapshot_worktree(const std::string& worktree) {
  WorktreeSnapshot s;
  if (!os::is_directory(worktree)) {
    s.error = "the worktree " + worktree + " is missing";
    return s;
  }
  if (auto h = head_sha(worktree)) s.head_sha = *h;
  else s.error = h.error().message;
  if (auto d = dirty_summary(worktree)) s.dirty_summary = *d;
  else if (s.error.empty()) s.error = d.error().message;
  return s;
}

}  // namespace drover::runner
