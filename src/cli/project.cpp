#include "cli/project.h"

#include <cstdlib>

#include "os/files.h"

namespace drover::cli {

namespace fs = std::filesystem;

namespace {

// The nearest of `dir` and its ancestors holding .drover/.
std::optional<fs::path> nearest_project(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = dir;; p = p.parent_path()) {
    if (fs::is_directory(p / ".drover", ec)) return p;
    if (p == p.root_path() || p.empty()) return std::nullopt;
  }
}

// The working directory as the shell named it ($PWD), when that still names the directory
// we are in: it keeps the symlinks the physical path loses. With .drover a symlink, an
// agent's worktree is physically under the link's target, where no ancestor holds .drover.
std::optional<fs::path> logical_cwd(const fs::path& physical) {
  const char* pwd = std::getenv("PWD");
  if (pwd == nullptr || *pwd != '/') return std::nullopt;
  auto a = os::file_identity(pwd);
  if (!a || a != os::file_identity(physical)) return std::nullopt;
  return fs::path(pwd);
}

// From inside a git worktree whose path has no .drover ancestor: its `.git` file names the
// main repository ("gitdir: ROOT/.git/worktrees/NAME"), and ROOT may be the project.
std::optional<fs::path> main_repository_of(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = dir;; p = p.parent_path()) {
    if (fs::is_regular_file(p / ".git", ec)) {
      auto text = os::read_file(p / ".git");
      const std::string prefix = "gitdir: ";
      if (!text || text->rfind(prefix, 0) != 0) return std::nullopt;
      fs::path gitdir = text->substr(prefix.size(), text->find('\n') - prefix.size());
      // ROOT/.git/worktrees/NAME → ROOT
      return gitdir.parent_path().parent_path().parent_path();
    }
    if (fs::exists(p / ".git", ec) || p == p.root_path() || p.empty()) return std::nullopt;
  }
}

}  // namespace

Result<ProjectPaths> find_project(const std::optional<std::string>& project_flag) {
  std::error_code ec;
  std::optional<std::string> given = project_flag;
  std::string source = "--project";
  if (!given) {
    if (const char* env = std::getenv("DROVER_PROJECT"); env && *env) {
      given = env;
      source = "DROVER_PROJECT";
    }
  }
  if (given) {
    fs::path root = fs::absolute(*given, ec);
    if (!fs::exists(root, ec))
      return make_error(Errc::project, "not a drover project: " + source + " names " + *given +
                                           ", which does not exist");
    if (!fs::is_directory(root / ".drover", ec))
      return make_error(Errc::project, "not a drover project: " + source + " names " + *given +
                                           ", which has no .drover/ (run 'drover init' there)");
    return ProjectPaths{fs::weakly_canonical(root, ec)};
  }
  fs::path dir = fs::current_path(ec);
  if (ec)
    return make_error(Errc::project, "not a drover project: cannot read the current directory");
  if (auto logical = logical_cwd(dir))
    if (auto root = nearest_project(*logical)) return ProjectPaths{*root};
  if (auto root = nearest_project(dir)) return ProjectPaths{*root};
  if (auto repo = main_repository_of(dir); repo && fs::is_directory(*repo / ".drover", ec))
    return ProjectPaths{*repo};
  return make_error(Errc::project, "not a drover project (run 'drover init')");
}

}  // namespace drover::cli
