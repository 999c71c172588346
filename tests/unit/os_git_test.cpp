#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "os/git.h"
#include "temp_dir.h"

using namespace drover;
namespace fs = std::filesystem;

namespace {

using drover::test::TempDir;

}  // namespace

TEST_CASE("git_error_line: the fatal or error line, else the first line") {
  CHECK(os::git_error_line("Preparing worktree (new branch 'drover/a')\nfatal: a branch named "
                           "'drover/a' already exists\n") ==
        "fatal: a branch named 'drover/a' already exists");
  CHECK(os::git_error_line("error: pathspec 'x' did not match\nerror: second\n") ==
        "error: pathspec 'x' did not match");
  CHECK(os::git_error_line("\n\nsomething odd  \r\nmore\n") == "something odd");
  CHECK(os::git_error_line("").empty());
  CHECK(os::git_error_line("\n \n").empty());
}

TEST_CASE("run_git: captures stdout, stderr and the exit code") {
  TempDir d;
  auto version = os::run_git({"--version"}, d.path);
  REQUIRE(version.ok());
  CHECK(version->ok());
  CHECK(version->out.rfind("git version ", 0) == 0);

  auto outside = os::run_git({"rev-parse", "--git-dir"}, d.path);
  REQUIRE(outside.ok());
  CHECK_FALSE(outside->ok());
  CHECK(outside->exit_code == 128);
  CHECK(outside->err.find("not a git repository") != std::string::npos);

  auto failed = os::git_stdout({"rev-parse", "--git-dir"}, d.path);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == Errc::failed);
  CHECK(failed.error().message.rfind("git rev-parse --git-dir failed: fatal: not a git repository",
                                     0) == 0);
}

TEST_CASE("run_git: a large output on both pipes does not deadlock") {
  TempDir d;
  // A shell alias writes 256 KiB to stderr before and after 256 KiB to stdout: both pipes
  // fill past their buffers, so reading one to EOF before the other would hang.
  auto r = os::run_git({"-c",
                        "alias.both=!head -c 262144 /dev/zero >&2; head -c 262144 /dev/zero; "
                        "head -c 262144 /dev/zero >&2",
                        "both"},
                       d.path);
  REQUIRE(r.ok());
  CHECK(r->ok());
  CHECK(r->out.size() == 262144);
  CHECK(r->err.size() == 2 * 262144);
}

TEST_CASE("run_git: a missing directory is reported, not taken for a missing git") {
  auto r = os::run_git({"status"}, "/nonexistent/drover-git-test");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("/nonexistent/drover-git-test") != std::string::npos);
}

TEST_CASE("run_git: GIT_DIR and GIT_WORK_TREE of the caller (a git hook) do not redirect it") {
  TempDir repo, other;
  REQUIRE(os::run_git({"init", "-q"}, repo.path)->ok());
  REQUIRE(os::run_git({"init", "-q"}, other.path)->ok());
  REQUIRE(::setenv("GIT_DIR", (other.path / ".git").c_str(), 1) == 0);
  REQUIRE(::setenv("GIT_WORK_TREE", other.path.c_str(), 1) == 0);
  auto top = os::git_stdout({"rev-parse", "--show-toplevel"}, repo.path);
  ::unsetenv("GIT_DIR");
  ::unsetenv("GIT_WORK_TREE");
  REQUIRE(top.ok());
  CHECK(fs::equivalent(fs::path(top->substr(0, top->find('\n'))), repo.path));
}
