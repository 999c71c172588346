#include "os/git.h"

#include <chrono>

#include "os/run_command.h"

namespace drover::os {

namespace {

std::string describe(const std::vector<std::string>& args) {
  std::string s = "git";
  for (const auto& a : args) s += " " + a;
  return s;
}

// A git that takes longer than this (a hung credential helper, a huge repository on a
// dead disk) is killed: the supervisor calls git between turns and must not hang on it.
constexpr auto kGitDeadline = std::chrono::seconds(30);

}  // namespace

Result<GitOutput> run_git(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  return run_git(args, cwd, kGitDeadline);
}

SpawnRequest git_request(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  SpawnRequest req;
  req.argv.push_back("git");
  req.argv.insert(req.argv.end(), args.begin(), args.end());
  req.cwd = cwd;
  // Messages in one language, and never a prompt for credentials or an editor.
  req.env_extra = {{"LC_ALL", "C"}, {"GIT_TERMINAL_PROMPT", "0"}, {"GIT_EDITOR", "true"}};
  // Run from a git hook, these would point every command at another repository.
  req.env_remove = {"GIT_DIR",        "GIT_WORK_TREE",        "GIT_INDEX_FILE",
                    "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE",
                    "GIT_PREFIX"};
  return req;
}

Result<GitOutput> git_result(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                             Result<CommandOutput> r) {
  if (!r) {
    if (r.error().code == Errc::not_found && !std::filesystem::is_directory(cwd)) return r.error();
    if (r.error().code == Errc::not_found)
      return make_error(Errc::failed,
                        "git is not installed (or not on PATH): " + r.error().message);
    if (r.error().code == Errc::failed)
      return make_error(Errc::failed, describe(args) + ": " + r.error().message);
    return r.error();
  }
  return GitOutput{r->exit_code, std::move(r->out), std::move(r->err)};
}

Result<GitOutput> run_git(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                          std::chrono::milliseconds deadline) {
  return git_result(args, cwd, run_command(git_request(args, cwd), deadline));
}

Result<std::string> git_stdout(const std::vector<std::string>& args,
                               const std::filesystem::path& cwd) {
  auto r = run_git(args, cwd);
  if (!r) return r.error();
  if (!r->ok()) {
    std::string line = git_error_line(r->err);
    return make_error(
        Errc::failed,
        describe(args) + " failed" +
            (line.empty() ? " (exit " + std::to_string(r->exit_code) + ")" : ": " + line));
  }
  return std::move(r->out);
}

std::string git_error_line(const std::string& err) {
  std::string first;
  std::size_t start = 0;
  while (start < err.size()) {
    auto nl = err.find('\n', start);
    std::string line = err.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? err.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (line.rfind("fatal:", 0) == 0 || line.rfind("error:", 0) == 0) return line;
    if (first.empty()) first = line;
  }
  return first;
}

}  // namespace drover::os
