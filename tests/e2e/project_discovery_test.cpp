// End-to-end: how a command finds its project (SPEC §1): from a subdirectory, from inside an
// agent's worktree when .drover is a symlink, and what --project says when it is wrong.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/project.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

void git_in(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "git");
  Run r = command(args, with_cwd(dir));
  INFO("git " << args[1] << ": " << r.err);
  REQUIRE(r.code == 0);
}

}  // namespace

TEST_CASE(
    "project: with .drover a symlink, commands run from inside an agent's worktree find the "
    "project, by the shell's path or the physical one") {
  TempProject outside;  // holds the link's target, away from the project's ancestors
  TempProject p;
  init_for_manual_turns(p);
  git_in(p.root(), {"init", "-q"});
  git_in(p.root(), {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty",
                    "-m", "init"});
  const fs::path real = outside.root() / "real-drover";
  fs::rename(p.root() / ".drover", real);
  fs::create_directory_symlink(real, p.root() / ".drover");
  sling_parked(p, {"wt1", "task", "--worktree"});
  REQUIRE(fs::is_directory(real / "worktrees/wt1"));

  // Physically under the link's target: no ancestor holds .drover, the worktree's .git does.
  Run physical = p.drover({"status", "wt1", "--json"}, with_cwd(real / "worktrees/wt1"));
  INFO("stderr: " << physical.err);
  CHECK(physical.code == 0);
  CHECK(physical.json()["agent"]["name"] == "wt1");

  // As a shell that cd'd through the link reports it in $PWD.
  const fs::path logical = p.root() / ".drover/worktrees/wt1";
  Run through_link = p.drover({"status", "wt1", "--json"},
                              with_env({{"PWD", logical.string()}}, real / "worktrees/wt1"));
  INFO("stderr: " << through_link.err);
  CHECK(through_link.code == 0);
}

TEST_CASE("project: --project naming a directory that does not exist says so") {
  TempProject p;
  Run r = p.drover({"status", "--project", (p.root() / "nope").string()});
  expect_one_line_error(r, 5, "does not exist");
}
