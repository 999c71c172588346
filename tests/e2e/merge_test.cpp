// End-to-end: reviewing and merging an agent's branch (issue 17 item 6) with real git in
// temporary repositories: drover diff [--stat], drover merge [--squash] [--dry-run], the
// refusals that change nothing, the record on the agent, and clean afterwards.
#include <doctest/doctest.h>

#include <fstream>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using namespace e2e;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool merge_head_exists(const TempProject& p) {
  e2e::RunOptions o;
  o.cwd = p.root();
  return e2e::command({"git", "rev-parse", "--verify", "--quiet", "MERGE_HEAD"}, o).code == 0;
}

void merge_write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A drover project that is a git repository on branch main with one commit holding
// shared.txt, and an identity for the merge commits.
void init_merge_repo(const TempProject& p) {
  init_for_manual_turns(p);
  git(p, {"init", "-q", "-b", "main"});
  git(p, {"config", "user.email", "t@t"});
  git(p, {"config", "user.name", "t"});
  merge_write_file(p.root() / ".gitignore", ".drover/\n");
  merge_write_file(p.root() / "shared.txt", "base\n");
  git(p, {"add", ".gitignore", "shared.txt"});
  git(p, {"commit", "-q", "-m", "init"});
}

// An agent slung with --worktree whose one turn commits `file` (content `text`) on its
// branch and finishes.
void sling_committing(const TempProject& p, const std::string& agent, const std::string& file,
                      const std::string& text) {
  sling_parked(p, {agent,
                   "#!sh printf '" + text + "\\n' > " + file + " && git add " + file +
                       " && git -c user.email=a@b -c user.name=a commit -qm 'work on " + file +
                       "'\n" + e2e::kReportToOperator,
                   "--worktree"});
  REQUIRE(turn_json(p, agent)["state"] == "completed");
}

std::string merge_porcelain(const TempProject& p) {
  e2e::RunOptions o;
  o.cwd = p.root();
  return e2e::command({"git", "status", "--porcelain", "--untracked-files=no"}, o).out;
}

}  // namespace

TEST_CASE("merge: diff shows the branch's changes, merge lands them and clean needs no --force") {
  TempProject p;
  init_merge_repo(p);
  sling_committing(p, "alice", "feature.txt", "hello");
  // main moves on meanwhile: diff still shows only what the branch changed.
  merge_write_file(p.root() / "other.txt", "main\n");
  git(p, {"add", "other.txt"});
  git(p, {"commit", "-q", "-m", "main moves"});

  Run diff = p.drover({"diff", "alice"});
  INFO("diff: " << diff.out << diff.err);
  REQUIRE(diff.code == 0);
  CHECK(contains(diff.out, "feature.txt"));
  CHECK(contains(diff.out, "+hello"));
  CHECK_FALSE(contains(diff.out, "other.txt"));
  Run stat = p.drover({"diff", "alice", "--stat"});
  REQUIRE(stat.code == 0);
  CHECK(contains(stat.out, "feature.txt | 1 +"));
  CHECK(contains(stat.out, "1 file changed"));
  Run jdiff = p.drover({"diff", "alice", "--json"});
  REQUIRE(jdiff.code == 0);
  CHECK(jdiff.json()["base"] == "main");
  CHECK(jdiff.json()["branch"] == "drover/alice");
  CHECK(jdiff.json()["uncommitted"].is_null());

  // An uncommitted file in the worktree is noted: the merge takes commits only.
  merge_write_file(p.root() / ".drover/worktrees/alice/scratch.txt", "x\n");
  Run noted = p.drover({"diff", "alice", "--stat"});
  REQUIRE(noted.code == 0);
  CHECK(contains(noted.err, "plus 1 untracked"));
  CHECK(contains(noted.err, "the merge takes commits only"));
  fs::remove(p.root() / ".drover/worktrees/alice/scratch.txt");

  const std::string main_before = git(p, {"rev-parse", "main"});
  Run dry = p.drover({"merge", "alice", "--dry-run"});
  INFO("dry: " << dry.out << dry.err);
  REQUIRE(dry.code == 0);
  CHECK(contains(dry.out, "would merge drover/alice (1 commit) into main without conflicts"));
  CHECK(git(p, {"rev-parse", "main"}) == main_before);
  CHECK(agent_row(p, "alice")["merged_sha"].is_null());

  const std::string tip = git(p, {"rev-parse", "drover/alice"});
  Run merged = p.drover({"merge", "alice", "--json"});
  INFO("merge: " << merged.out << merged.err);
  REQUIRE(merged.code == 0);
  json doc = merged.json();
  CHECK(doc["merged"] == true);
  CHECK(doc["into"] == "main");
  const std::string sha = doc["sha"].get<std::string>();
  CHECK(git(p, {"rev-parse", "main"}) == sha);
  CHECK(git(p, {"log", "-1", "--format=%P", "main"}) == main_before + " " + tip);  // --no-ff
  CHECK(git(p, {"log", "-1", "--format=%s", "main"}).rfind("Merge drover/alice: ", 0) == 0);
  git(p, {"merge-base", "--is-ancestor", tip, "main"});  // the branch's commit is on main
  CHECK(fs::exists(p.root() / "feature.txt"));
  CHECK(merge_porcelain(p).empty());
  json row = agent_row(p, "alice");
  CHECK(row["merged_sha"] == sha);
  CHECK(row["merged_into"] == "main");
  CHECK(row["merged_at"].is_string());
  CHECK(contains(p.drover({"status", "alice"}).out, "into main at " + sha.substr(0, 12)));

  // Again: nothing left to merge, nothing changes.
  Run again = p.drover({"merge", "alice"});
  CHECK(again.code == 0);
  CHECK(contains(again.out, "nothing to merge"));
  CHECK(git(p, {"rev-parse", "main"}) == sha);

  Run cleaned = p.drover({"clean", "--agent", "alice"});
  INFO("clean: " << cleaned.out << cleaned.err);
  CHECK(cleaned.code == 0);
  CHECK_FALSE(branch_exists(p, "drover/alice"));
  CHECK_FALSE(fs::exists(p.root() / ".drover/worktrees/alice"));
}

TEST_CASE("merge: --squash makes one commit, and clean still removes the branch without --force") {
  TempProject p;
  init_merge_repo(p);
  sling_committing(p, "bob", "b.txt", "bee");
  const std::string before = git(p, {"rev-parse", "main"});
  Run merged = p.drover({"merge", "bob", "--squash", "--json"});
  INFO("merge: " << merged.out << merged.err);
  REQUIRE(merged.code == 0);
  const std::string sha = merged.json()["sha"].get<std::string>();
  CHECK(git(p, {"rev-parse", "main"}) == sha);
  CHECK(git(p, {"rev-parse", "main^"}) == before);  // one parent: a squash, not a merge
  CHECK(git(p, {"log", "-1", "--format=%P", "main"}) == before);
  CHECK(git(p, {"show", "main:b.txt"}) == "bee");
  CHECK(merge_porcelain(p).empty());
  CHECK(agent_row(p, "bob")["merged_sha"] == sha);

  // The branch's own commit is on no other branch, yet its changes are merged.
  Run cleaned = p.drover({"clean", "--agent", "bob"});
  INFO("clean: " << cleaned.out << cleaned.err);
  CHECK(cleaned.code == 0);
  CHECK_FALSE(branch_exists(p, "drover/bob"));
}

TEST_CASE("merge: a branch that moved after a squash merge is kept by clean") {
  TempProject p;
  init_merge_repo(p);
  sling_committing(p, "carol", "c.txt", "one");
  REQUIRE(p.drover({"merge", "carol", "--squash"}).code == 0);
  git(p,
      {"-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "later"},
      p.root() / ".drover/worktrees/carol");
  Run kept = p.drover({"clean", "--agent", "carol"});
  CHECK(kept.code == 4);
  CHECK(branch_exists(p, "drover/carol"));
}

TEST_CASE("merge: a conflict is refused with the files named, and main's checkout is untouched") {
  TempProject p;
  init_merge_repo(p);
  sling_committing(p, "dave", "shared.txt", "theirs");
  merge_write_file(p.root() / "shared.txt", "ours\n");
  git(p, {"commit", "-q", "-am", "main edits shared.txt"});
  const std::string before = git(p, {"rev-parse", "main"});

  Run dry = p.drover({"merge", "dave", "--dry-run"});
  CHECK(dry.code == 4);
  CHECK(contains(dry.err, "would conflict in shared.txt"));

  for (bool squash : {false, true}) {
    std::vector<std::string> args = {"merge", "dave"};
    if (squash) args.push_back("--squash");
    Run r = p.drover(args);
    INFO("merge: " << r.out << r.err);
    CHECK(r.code == 4);
    CHECK(contains(r.err, "conflicts in shared.txt"));
    CHECK(git(p, {"rev-parse", "main"}) == before);
    CHECK(merge_porcelain(p).empty());
    CHECK_FALSE(merge_head_exists(p));
  }
  Run j = p.drover({"merge", "dave", "--json"});
  CHECK(j.code == 4);
  CHECK(j.json()["conflicts"] == json::array({"shared.txt"}));
  CHECK(j.json()["error"]["code"] == "conflict");
  CHECK(agent_row(p, "dave")["merged_sha"].is_null());
}

TEST_CASE("merge: refusals change nothing") {
  TempProject p;
  init_merge_repo(p);
  sling_committing(p, "erin", "e.txt", "e");
  const std::string before = git(p, {"rev-parse", "main"});

  SUBCASE("a dirty checkout") {
    merge_write_file(p.root() / "shared.txt", "edited\n");
    Run r = p.drover({"merge", "erin"});
    CHECK(r.code == 4);
    CHECK(contains(r.err, "1 uncommitted change to tracked files"));
    CHECK(git(p, {"rev-parse", "main"}) == before);
    CHECK(merge_porcelain(p) == " M shared.txt\n");
    // A dry run looks only at the branches: it still answers.
    CHECK(p.drover({"merge", "erin", "--dry-run"}).code == 0);
  }
  SUBCASE("the checkout is on another branch") {
    git(p, {"checkout", "-q", "-b", "side"});
    Run r = p.drover({"merge", "erin"});
    CHECK(r.code == 4);
    CHECK(contains(r.err, "on branch side, not main"));
    CHECK(git(p, {"rev-parse", "side"}) == before);
    // --into the checked-out branch merges there.
    Run into = p.drover({"merge", "erin", "--into", "side"});
    INFO(into.err);
    CHECK(into.code == 0);
    CHECK(git(p, {"rev-parse", "main"}) == before);
    CHECK(git(p, {"rev-parse", "side"}) != before);
    CHECK(agent_row(p, "erin")["merged_into"] == "side");
  }
  SUBCASE("--into a branch that does not exist") {
    CHECK(p.drover({"merge", "erin", "--into", "nope"}).code == 3);
  }
  SUBCASE("an agent in a turn") {
    sql(p, "UPDATE sessions SET state='in_turn' WHERE name='erin'");
    Run r = p.drover({"merge", "erin"});
    CHECK(r.code == 4);
    CHECK(contains(r.err, "in a turn"));
    CHECK(git(p, {"rev-parse", "main"}) == before);
  }
  SUBCASE("an agent without a worktree") {
    sling_parked(p, {"plain", "task"});
    Run r = p.drover({"merge", "plain"});
    CHECK(r.code == 4);
    CHECK(contains(r.err, "has no branch"));
    CHECK(p.drover({"diff", "plain"}).code == 4);
  }
  SUBCASE("an unknown agent, with a suggestion") {
    Run r = p.drover({"merge", "eri"});
    CHECK(r.code == 3);
    CHECK(contains(r.err, "did you mean 'erin'"));
    CHECK(p.drover({"diff", "nobody"}).code == 3);
  }
  SUBCASE("its branch was deleted") {
    git(p, {"worktree", "remove", "--force", (p.root() / ".drover/worktrees/erin").string()});
    git(p, {"branch", "-D", "drover/erin"});
    CHECK(p.drover({"merge", "erin"}).code == 3);
  }
}

TEST_CASE("merge: a second --squash of an unmoved branch has nothing to merge") {
  TempProject p;
  init_merge_repo(p);
  sling_committing(p, "fay", "f.txt", "f");
  REQUIRE(p.drover({"merge", "fay", "--squash"}).code == 0);
  const std::string after = git(p, {"rev-parse", "main"});
  Run again = p.drover({"merge", "fay", "--squash"});
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "nothing to merge"));
  CHECK(git(p, {"rev-parse", "main"}) == after);
}

TEST_CASE("merge: a merger agent merges only after a gate for the merge was decided yes") {
  TempProject p;
  init_merge_repo(p);
  sling_committing(p, "alice", "feature.txt", "hello");
  add_session(p, "m", "merger", "between_turns");
  auto as_merger = with_env({{"DROVER_AGENT", "m"}});
  expect_one_line_error(p.drover({"merge", "alice"}, as_merger), 4,
                        "requires an approved gate before merge");
  CHECK(p.drover({"merge", "alice", "--dry-run"}, as_merger).code == 0);  // never gated
  CHECK(merge_porcelain(p).empty());
  Run asked = p.drover({"--json", "ask", "--step", "merge", "Merge alice?"}, as_merger);
  REQUIRE(asked.code == 0);
  std::string id = std::to_string(asked.json()["id"].get<long long>());
  expect_one_line_error(p.drover({"merge", "alice"}, as_merger), 4, "has none decided");
  REQUIRE(p.drover({"decide", id, "no"}).code == 0);
  expect_one_line_error(p.drover({"merge", "alice"}, as_merger), 4, "was decided 'no'");
  REQUIRE(p.drover({"--json", "ask", "--step", "merge", "Merge alice now?"}, as_merger).code == 0);
  std::string again =
      std::to_string(p.drover({"--json", "gates"}).json()["gates"].at(0)["id"].get<long long>());
  REQUIRE(p.drover({"decide", again, "yes"}).code == 0);
  Run merged = p.drover({"merge", "alice"}, as_merger);
  INFO(merged.err);
  CHECK(merged.code == 0);
  CHECK(git(p, {"log", "-1", "--format=%s"}).rfind("Merge drover/alice", 0) == 0);
  CHECK(p.drover({"merge", "alice"}).code == 0);  // the operator is never gated
}
