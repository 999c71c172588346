// End-to-end: agents in git worktrees (SPEC §8 --worktree, §6.1, §6.3, §6.5, §6.9) with real
// git in temporary repositories: sling --worktree, turns running there, head and uncommitted
// changes recorded at settle, the errors that leave nothing behind, clean and
// stop --clean-worktree.
#include <doctest/doctest.h>

#include <fstream>
#include <thread>

#include "os/file_lock.h"
#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using namespace e2e;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A drover project that is also a git repository with one (empty) commit.
void init_repo(const TempProject& p, bool with_commit = true) {
  init_for_manual_turns(p);
  git(p, {"init", "-q"});
  if (with_commit)
    git(p, {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m",
            "init"});
}

fs::path worktree_of(const TempProject& p, const std::string& agent) {
  return p.root() / ".drover/worktrees" / agent;
}

Run sling_run(const TempProject& p, std::vector<std::string> args) {
  args.insert(args.begin(), "sling");
  args.push_back("--no-start");
  return p.drover(args, agent_opts(p));
}

int line_count(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

int sessions_named(const TempProject& p, const std::string& agent) {
  return sql_int(p, "SELECT count(*) FROM sessions WHERE name='" + agent + "'");
}

// A failed sling: the exit code, one line on stderr naming `needle`, and nothing written.
void check_refused(const TempProject& p, const Run& r, int code, const std::string& agent,
                   const std::string& needle) {
  INFO("exit " << r.code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == code);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, needle));
  CHECK(sessions_named(p, agent) == 0);
  CHECK(sql_int(p, "SELECT count(*) FROM messages WHERE to_agent='" + agent + "'") == 0);
  CHECK_FALSE(fs::exists(worktree_of(p, agent)));
}

}  // namespace

TEST_CASE(
    "worktree: sling --worktree runs the agent on drover/<agent> and records head and changes at "
    "settle") {
  TempProject p;
  init_repo(p);
  const std::string base = git(p, {"rev-parse", "HEAD"});
  const fs::path wt = worktree_of(p, "alice");
  Run slung = sling_run(p, {"alice", "--json", "--worktree",
                            "#!sh echo x > f.txt && git add f.txt && git -c user.email=a@b -c "
                            "user.name=a commit -qm work\n" +
                                e2e::kReportToOperator});
  INFO("stderr: " << slung.err);
  REQUIRE(slung.code == 0);
  CHECK(slung.json()["worktree"] == wt.string());
  CHECK(slung.json()["branch"] == "drover/alice");
  REQUIRE(fs::is_directory(wt));
  CHECK(git(p, {"symbolic-ref", "--short", "HEAD"}, wt) == "drover/alice");
  json row = agent_row(p, "alice");
  CHECK(row["worktree"] == wt.string());
  CHECK(row["branch"] == "drover/alice");
  CHECK(row["head_sha"] == base);
  CHECK(row["dirty_summary"] == "clean");

  json first = turn_json(p, "alice");
  CHECK(first["state"] == "completed");
  json rec = record(p, "alice", first["turn"].get<long long>());
  CHECK(rec["cwd"] == wt.string());
  CHECK(rec["env"]["DROVER_WORKTREE"] == wt.string());
  CHECK(rec["env"]["DROVER_PROJECT"] == p.root().string());
  const std::string work = git(p, {"rev-parse", "HEAD"}, wt);
  CHECK(work != base);
  CHECK(git(p, {"rev-parse", "HEAD"}) == base);  // the project's own checkout is untouched
  CHECK(git(p, {"rev-parse", "drover/alice"}) == work);
  row = agent_row(p, "alice");
  CHECK(row["head_sha"] == work);
  CHECK(row["dirty_summary"] == "clean");

  // resume continues in the same worktree; uncommitted changes show in the summary.
  Run resumed =
      p.drover({"resume", "alice",
                "#!sh echo y > g.txt && echo z >> f.txt\n" + e2e::kReportToOperator, "--no-start"},
               agent_opts(p));
  INFO("resume: " << resumed.err);
  REQUIRE(resumed.code == 0);
  json second = turn_json(p, "alice");
  CHECK(record(p, "alice", second["turn"].get<long long>())["cwd"] == wt.string());
  row = agent_row(p, "alice");
  CHECK(row["head_sha"] == work);
  CHECK(row["dirty_summary"] == "1 modified, 1 untracked");
  Run human = p.drover({"status", "alice"});
  CHECK(contains(human.out, work));
  CHECK(contains(human.out, "1 modified, 1 untracked"));
}

TEST_CASE("worktree: --base-branch starts the worktree from that branch") {
  TempProject p;
  init_repo(p);
  git(p, {"branch", "feature"});
  git(p, {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m",
          "later"});
  const std::string feature = git(p, {"rev-parse", "feature"});
  REQUIRE(feature != git(p, {"rev-parse", "HEAD"}));
  sling_parked(p, {"bob", "task", "--worktree", "--base-branch", "feature"});
  CHECK(git(p, {"rev-parse", "HEAD"}, worktree_of(p, "bob")) == feature);
  CHECK(agent_row(p, "bob")["head_sha"] == feature);
}

TEST_CASE(
    "worktree: a project that is no git repository, or one without commits, is a usage error (2)") {
  TempProject plain;
  init_for_manual_turns(plain);
  check_refused(plain, sling_run(plain, {"a", "task", "--worktree"}), 2, "a",
                "is not a git repository (run 'git init' or sling without --worktree)");
  TempProject empty;
  init_repo(empty, false);
  check_refused(empty, sling_run(empty, {"a", "task", "--worktree"}), 2, "a", "has no commits yet");
}

TEST_CASE(
    "worktree: bad requests fail with the right exit code and one clear line, writing nothing") {
  TempProject p;
  init_repo(p);
  SUBCASE("the branch exists: conflict (4)") {
    git(p, {"branch", "drover/a"});
    check_refused(p, sling_run(p, {"a", "task", "--worktree"}), 4, "a",
                  "branch drover/a already exists");
  }
  SUBCASE("the base does not exist: not found (3)") {
    check_refused(p, sling_run(p, {"a", "task", "--worktree", "--base-branch", "nope"}), 3, "a",
                  "base 'nope'");
    CHECK_FALSE(branch_exists(p, "drover/a"));
  }
  SUBCASE("--base-branch without --worktree: usage (2)") {
    check_refused(p, sling_run(p, {"a", "task", "--base-branch", "main"}), 2, "a",
                  "--base-branch needs --worktree");
  }
  SUBCASE("the agent exists: conflict (4) before any git work") {
    sling_parked(p, {"a", "task"});
    Run r = sling_run(p, {"a", "task", "--worktree"});
    CHECK(r.code == 4);
    CHECK(contains(r.err, "already exists"));
    CHECK_FALSE(fs::exists(worktree_of(p, "a")));
    CHECK_FALSE(branch_exists(p, "drover/a"));
  }
  SUBCASE("the session cannot be written: the new worktree and branch are removed again") {
    refuse_inserts(p, "refuse", "sessions", "", "injected failure");
    check_refused(p, sling_run(p, {"a", "task", "--worktree"}), 1, "a", "injected failure");
    CHECK_FALSE(branch_exists(p, "drover/a"));
    CHECK(git(p, {"worktree", "list", "--porcelain"}).find(".drover/worktrees") ==
          std::string::npos);
  }
}

TEST_CASE(
    "worktree: clean removes finished agents' worktrees, branches, logs and rows, never a live "
    "one's") {
  TempProject p;
  init_repo(p);
  sling_parked(p, {"done1", "#!sh echo x > f.txt\n" + e2e::kReportToOperator, "--worktree"});
  REQUIRE(turn_json(p, "done1")["state"] == "completed");
  sling_parked(p, {"live", "task", "--worktree"});  // booting: live
  const fs::path done_wt = worktree_of(p, "done1"), live_wt = worktree_of(p, "live");
  REQUIRE(fs::exists(p.root() / ".drover/logs/done1"));
  REQUIRE(fs::exists(agent_dir(p, "done1")));

  Run none = p.drover({"clean"});
  CHECK(none.code == 2);
  Run refused = p.drover({"clean", "--agent", "live"});
  CHECK(refused.code == 4);
  CHECK(contains(refused.err, "drover stop live"));
  CHECK(fs::is_directory(live_wt));
  Run missing = p.drover({"clean", "--agent", "nobody"});
  CHECK(missing.code == 3);

  // Its untracked f.txt would be lost: refused until --force.
  Run kept = p.drover({"clean", "--agent", "done1"});
  CHECK(kept.code == 4);
  CHECK(contains(kept.err, "1 untracked"));
  CHECK(fs::is_directory(done_wt));
  CHECK(sessions_named(p, "done1") == 1);
  Run r = p.drover({"clean", "--agent", "done1", "--force", "--json"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  json cleaned = r.json()["cleaned"];
  REQUIRE(cleaned.size() == 1);
  CHECK(cleaned[0]["agent"] == "done1");
  CHECK(cleaned[0]["worktree"] == done_wt.string());
  CHECK(cleaned[0]["branch"] == "drover/done1");
  CHECK_FALSE(fs::exists(done_wt));
  CHECK_FALSE(branch_exists(p, "drover/done1"));
  CHECK_FALSE(fs::exists(p.root() / ".drover/logs/done1"));
  CHECK_FALSE(fs::exists(agent_dir(p, "done1")));
  CHECK(sessions_named(p, "done1") == 0);
  CHECK(sql_int(p, "SELECT count(*) FROM turns WHERE agent='done1'") == 0);
  CHECK(sql_int(p, "SELECT count(*) FROM events WHERE agent='done1'") == 0);
  CHECK(sql_int(p, "SELECT count(*) FROM messages WHERE from_agent='done1'") ==
        1);  // what was said stays
  CHECK(sql_int(p, "SELECT count(*) FROM messages WHERE to_agent='done1' AND read_at IS NULL") ==
        0);
  CHECK(sql_int(p, "SELECT count(*) FROM messages WHERE claimed_turn IS NOT NULL") == 0);

  Run again = p.drover({"clean", "--terminal", "--json"});
  REQUIRE(again.code == 0);
  CHECK(again.json()["cleaned"].empty());
  CHECK(fs::is_directory(live_wt));
  CHECK(branch_exists(p, "drover/live"));
  CHECK(state_of(p, "live") == "booting");
}

TEST_CASE("worktree: clean keeps a worktree another agent uses, and --all removes orphans") {
  TempProject p;
  init_repo(p);
  sling_parked(p, {"live", "task", "--worktree"});
  sling_parked(p, {"orphan", "task", "--worktree"});
  sling_parked(p, {"sharer", "task"});
  const fs::path live_wt = worktree_of(p, "live"), orphan_wt = worktree_of(p, "orphan");
  // A finished agent recorded in the live agent's worktree, and a worktree whose session is gone.
  sql(p, "UPDATE sessions SET state='completed', worktree='" + live_wt.string() +
             "', branch='drover/live' WHERE name='sharer'");
  sql(p, "DELETE FROM sessions WHERE name='orphan'");

  Run terminal = p.drover({"clean", "--terminal", "--json"});
  INFO("stdout: " << terminal.out << "\nstderr: " << terminal.err);
  REQUIRE(terminal.code == 0);
  json cleaned = terminal.json()["cleaned"];
  REQUIRE(cleaned.size() == 1);
  CHECK(cleaned[0]["agent"] == "sharer");
  CHECK(cleaned[0]["worktree"].is_null());
  CHECK(cleaned[0]["kept_for"] == json::array({"live"}));
  CHECK(fs::is_directory(live_wt));
  CHECK(branch_exists(p, "drover/live"));
  CHECK(fs::is_directory(orphan_wt));  // --terminal leaves orphans alone

  Run all = p.drover({"clean", "--all", "--json"});
  INFO("stdout: " << all.out << "\nstderr: " << all.err);
  REQUIRE(all.code == 0);
  cleaned = all.json()["cleaned"];
  REQUIRE(cleaned.size() == 1);
  CHECK(cleaned[0]["agent"] == "orphan");
  CHECK(cleaned[0]["orphan"] == true);
  CHECK(cleaned[0]["branch"] == "drover/orphan");
  CHECK_FALSE(fs::exists(orphan_wt));
  CHECK_FALSE(branch_exists(p, "drover/orphan"));
  CHECK(fs::is_directory(live_wt));
  CHECK(branch_exists(p, "drover/live"));
}

TEST_CASE(
    "worktree: stop --clean-worktree removes it, and resume then says the worktree is missing") {
  TempProject p;
  init_repo(p);
  sling_parked(p, {"s", "task", "--worktree"});
  const fs::path wt = worktree_of(p, "s");
  std::ofstream(wt / "notes.txt") << "work in progress\n";
  Run stopped = p.drover({"stop", "s", "--clean-worktree", "--force", "--json"}, agent_opts(p));
  INFO("stdout: " << stopped.out << "\nstderr: " << stopped.err);
  REQUIRE(stopped.code == 0);
  CHECK(contains(stopped.json()["discarded"].get<std::string>(), "untracked"));
  CHECK(stopped.json()["state"] == "stopped");
  CHECK(stopped.json()["worktree"] == wt.string());
  CHECK(stopped.json()["branch"] == "drover/s");
  CHECK_FALSE(fs::exists(wt));
  CHECK_FALSE(branch_exists(p, "drover/s"));

  Run resumed = p.drover({"resume", "s", "--no-start"}, agent_opts(p));
  CHECK(resumed.code == 1);
  CHECK(line_count(resumed.err) == 1);
  CHECK(contains(resumed.err, "worktree of 's' is missing"));
  CHECK(contains(resumed.err, "drover clean --agent s"));
  CHECK(state_of(p, "s") == "stopped");

  Run cleaned = p.drover({"clean", "--agent", "s"});
  CHECK(cleaned.code == 0);
  CHECK(sessions_named(p, "s") == 0);
  CHECK(git(p, {"worktree", "list", "--porcelain"}).find(".drover/worktrees") == std::string::npos);
}

TEST_CASE(
    "worktree: clean never follows a symlink, never takes a live agent's directory as an orphan, "
    "never deletes a branch drover did not make") {
  TempProject p;
  init_repo(p);
  sling_parked(p, {"live", "task", "--worktree"});
  sling_parked(p, {"done1", "task", "--worktree"});
  // The user's own worktree elsewhere, linked under .drover/worktrees/ with an agent-like name.
  const fs::path mine = p.root() / "mine";
  git(p, {"worktree", "add", "-q", "-b", "mine", mine.string()});
  fs::create_directory_symlink(mine, worktree_of(p, "linked"));
  // A live agent whose recorded path is spelled differently (as after a move).
  sql(p, "UPDATE sessions SET worktree='/elsewhere/.drover/worktrees/live' WHERE name='live'");
  // A finished agent whose row names a branch drover did not make.
  const std::string main_branch = git(p, {"symbolic-ref", "--short", "HEAD"});
  sql(p, "UPDATE sessions SET state='completed', branch='" + main_branch + "' WHERE name='done1'");

  Run all = p.drover({"clean", "--all", "--json"});
  INFO("stdout: " << all.out << "\nstderr: " << all.err);
  CHECK(all.code == 4);
  CHECK(all.json()["ok"] == false);
  CHECK(contains(all.json()["cleaned"][0]["error"].get<std::string>(),
                 "drover deletes only its own drover/* branches"));
  CHECK(branch_exists(p, main_branch));
  CHECK(fs::is_directory(mine));
  CHECK(fs::is_symlink(worktree_of(p, "linked")));
  CHECK(branch_exists(p, "mine"));
  CHECK(fs::is_directory(worktree_of(p, "live")));
  CHECK(branch_exists(p, "drover/live"));
}

TEST_CASE(
    "worktree: clean and stop --clean-worktree leave an agent alone while a runner holds its turn "
    "lock") {
  TempProject p;
  init_repo(p);
  sling_parked(p, {"busy", "task", "--worktree"});
  sql(p, "UPDATE sessions SET state='completed' WHERE name='busy'");
  fs::create_directories(p.root() / ".drover/agents/busy");
  auto lock = drover::os::FileLock::try_acquire(p.root() / ".drover/agents/busy/turn.lock");
  REQUIRE(lock.ok());

  Run named = p.drover({"clean", "--agent", "busy"});
  CHECK(named.code == 4);
  CHECK(contains(named.err, "turn lock"));
  Run terminal = p.drover({"clean", "--terminal", "--json"});
  REQUIRE(terminal.code == 0);
  CHECK(terminal.json()["cleaned"].empty());
  CHECK(terminal.json()["skipped"][0]["agent"] == "busy");
  CHECK(fs::is_directory(worktree_of(p, "busy")));
  CHECK(sessions_named(p, "busy") == 1);

  lock->release();
  Run cleaned = p.drover({"clean", "--agent", "busy"});
  CHECK(cleaned.code == 0);
  CHECK_FALSE(fs::exists(worktree_of(p, "busy")));
}

TEST_CASE(
    "worktree: init keeps .drover out of git, so the project stays clean with agents in "
    "worktrees") {
  TempProject p;
  init_repo(p);
  sling_parked(p, {"w", "task", "--worktree"});
  CHECK(fs::exists(p.root() / ".drover/.gitignore"));
  CHECK(git(p, {"status", "--porcelain", "--untracked-files=all"}).empty());
}

TEST_CASE(
    "worktree: clean refuses a recorded worktree outside .drover/worktrees or a symlink there, and "
    "keeps both") {
  TempProject p;
  init_repo(p);
  sling_parked(p, {"moved", "task", "--worktree"});
  sling_parked(p, {"linked", "task", "--worktree"});
  // As after moving the project: the row names a directory drover did not make.
  const fs::path elsewhere = p.root() / "elsewhere";
  fs::create_directory(elsewhere);
  e2e::write_text(elsewhere / "keep.txt", "user work\n");
  sql(p, "UPDATE sessions SET state='completed', worktree='" + elsewhere.string() +
             "' WHERE name='moved'");
  // A symlink where the worktree should be, pointing at the user's own directory.
  const fs::path mine = p.root() / "mine";
  fs::create_directory(mine);
  e2e::write_text(mine / "keep.txt", "user work\n");
  const fs::path link = p.root() / ".drover/worktrees/linked-link";
  fs::create_directory_symlink(mine, link);
  sql(p, "UPDATE sessions SET state='completed', worktree='" + link.string() +
             "' WHERE name='linked'");

  Run moved = p.drover({"clean", "--agent", "moved"});
  CHECK(moved.code == 4);
  CHECK(contains(moved.err, "is not under"));
  CHECK(fs::exists(elsewhere / "keep.txt"));
  Run linked = p.drover({"clean", "--agent", "linked"});
  CHECK(linked.code == 4);
  CHECK(contains(linked.err, "symbolic link"));
  CHECK(fs::exists(mine / "keep.txt"));
  CHECK(fs::is_symlink(link));
}

namespace {

// An agent slung with --worktree whose one turn commits a file on drover/<agent> and
// completes. Returns the commit.
std::string finished_with_commit(const TempProject& p, const std::string& agent) {
  sling_parked(p, {agent,
                   "#!sh echo x > " + agent + ".txt && git add " + agent +
                       ".txt && git -c user.email=a@b -c user.name=a commit -qm work\n" +
                       e2e::kReportToOperator,
                   "--worktree"});
  REQUIRE(turn_json(p, agent)["state"] == "completed");
  return git(p, {"rev-parse", "drover/" + agent});
}

}  // namespace

TEST_CASE("worktree: clean refuses (4) to lose commits no other branch has, --force removes them") {
  TempProject p;
  init_repo(p);
  const std::string main_branch = git(p, {"symbolic-ref", "--short", "HEAD"});
  const std::string work = finished_with_commit(p, "wt1");
  const fs::path wt = worktree_of(p, "wt1");

  Run refused = p.drover({"clean", "--agent", "wt1"});
  INFO("stdout: " << refused.out << "\nstderr: " << refused.err);
  CHECK(refused.code == 4);
  CHECK(line_count(refused.err) == 1);
  CHECK(contains(refused.err, "1 commit not on " + main_branch + " or any other branch"));
  CHECK(contains(refused.err, "--force"));
  CHECK(fs::is_directory(wt));
  CHECK(branch_exists(p, "drover/wt1"));
  CHECK(sessions_named(p, "wt1") == 1);
  CHECK(fs::exists(p.root() / ".drover/logs/wt1"));

  // Uncommitted changes count too.
  e2e::write_text(wt / "wt1.txt", "changed\n");
  e2e::write_text(wt / "new.txt", "new\n");
  Run dirty = p.drover({"clean", "--agent", "wt1"});
  CHECK(dirty.code == 4);
  CHECK(contains(dirty.err, "1 commit not on " + main_branch +
                                " or any other branch, 1 modified, "
                                "1 untracked"));

  Run forced = p.drover({"clean", "--agent", "wt1", "--force"});
  INFO("forced: " << forced.out << forced.err);
  REQUIRE(forced.code == 0);
  CHECK(contains(forced.out, work.substr(0, 12)));  // where the branch was, to restore it
  CHECK_FALSE(fs::exists(wt));
  CHECK_FALSE(branch_exists(p, "drover/wt1"));
  CHECK(sessions_named(p, "wt1") == 0);
}

TEST_CASE("worktree: clean removes a branch whose commits are merged, without --force") {
  TempProject p;
  init_repo(p);
  finished_with_commit(p, "wt1");
  git(p, {"merge", "-q", "--ff-only", "drover/wt1"});
  Run r = p.drover({"clean", "--agent", "wt1"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 0);
  CHECK_FALSE(fs::exists(worktree_of(p, "wt1")));
  CHECK_FALSE(branch_exists(p, "drover/wt1"));
}

TEST_CASE(
    "worktree: clean --terminal skips and reports agents with unmerged work, cleans the rest") {
  TempProject p;
  init_repo(p);
  finished_with_commit(p, "keepme");
  sling_parked(p, {"plain", "#!say hi\n" + e2e::kReportToOperator, "--worktree"});
  REQUIRE(turn_json(p, "plain")["state"] == "completed");

  Run r = p.drover({"clean", "--terminal", "--json"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  json doc = r.json();
  REQUIRE(doc["cleaned"].size() == 1);
  CHECK(doc["cleaned"][0]["agent"] == "plain");
  REQUIRE(doc["skipped"].size() == 1);
  CHECK(doc["skipped"][0]["agent"] == "keepme");
  CHECK(contains(doc["skipped"][0]["unmerged"].get<std::string>(), "1 commit not on"));
  CHECK(fs::is_directory(worktree_of(p, "keepme")));
  CHECK(branch_exists(p, "drover/keepme"));
  CHECK(sessions_named(p, "keepme") == 1);
  CHECK_FALSE(fs::exists(worktree_of(p, "plain")));
  CHECK(sessions_named(p, "plain") == 0);

  Run human = p.drover({"clean", "--terminal"});
  CHECK(human.code == 0);
  CHECK(contains(human.out, "kept keepme"));
  CHECK(contains(human.out, "1 commit not on"));
  CHECK_FALSE(contains(human.out, "nothing to clean"));  // something was kept, and said so
}

TEST_CASE("worktree: stop --clean-worktree keeps (4) a worktree with uncommitted work") {
  TempProject p;
  init_repo(p);
  sling_parked(p, {"s", "task", "--worktree"});
  const fs::path wt = worktree_of(p, "s");
  e2e::write_text(wt / "notes.txt", "work in progress\n");
  Run r = p.drover({"stop", "s", "--clean-worktree"}, agent_opts(p));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 4);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, "1 untracked"));
  CHECK(state_of(p, "s") == "stopped");
  CHECK(fs::exists(wt / "notes.txt"));
  CHECK(branch_exists(p, "drover/s"));
  CHECK(p.drover({"stop", "t", "--force"}).code == 2);  // --force needs --clean-worktree
}

TEST_CASE("worktree: two concurrent cleans of one agent both succeed") {
  TempProject p;
  init_repo(p);
  for (int i = 0; i < 3; ++i) {
    const std::string name = "c" + std::to_string(i);
    sling_parked(p, {name, "#!say hi\n" + e2e::kReportToOperator, "--worktree"});
    REQUIRE(turn_json(p, name)["state"] == "completed");
    Run a, b;
    std::thread other([&] { b = p.drover({"clean", "--agent", name}); });
    a = p.drover({"clean", "--agent", name});
    other.join();
    INFO(name << ": a exit " << a.code << " " << a.err << "\nb exit " << b.code << " " << b.err);
    // Both ran while the row existed, or one started after the other finished (not found).
    CHECK((a.code == 0 || (a.code == 3 && contains(a.err, "no agent named"))));
    CHECK((b.code == 0 || (b.code == 3 && contains(b.err, "no agent named"))));
    CHECK((a.code == 0 || b.code == 0));
    CHECK_FALSE(fs::exists(worktree_of(p, name)));
    CHECK_FALSE(branch_exists(p, "drover/" + name));
    CHECK(sessions_named(p, name) == 0);
  }
}

TEST_CASE(
    "worktree: with .drover a symlink, clean compares resolved paths and keeps rows on refusal") {
  TempProject p;
  init_repo(p);
  // Move .drover elsewhere and link it back.
  const fs::path real = p.root() / "real-drover";
  fs::rename(p.root() / ".drover", real);
  fs::create_directory_symlink(real, p.root() / ".drover");
  sling_parked(p, {"wt1", "#!say hi\n" + e2e::kReportToOperator, "--worktree"});
  REQUIRE(turn_json(p, "wt1")["state"] == "completed");
  // The row names the worktree by its resolved path, as git lists it.
  sql(p,
      "UPDATE sessions SET worktree='" + (real / "worktrees/wt1").string() + "' WHERE name='wt1'");
  Run r = p.drover({"clean", "--agent", "wt1"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 0);
  CHECK_FALSE(fs::exists(real / "worktrees/wt1"));
  CHECK_FALSE(branch_exists(p, "drover/wt1"));
  CHECK(sessions_named(p, "wt1") == 0);

  // A refusal (a worktree outside .drover/worktrees) leaves the rows for a retry.
  sling_parked(p, {"moved", "task", "--worktree"});
  sql(p, "UPDATE sessions SET state='completed', worktree='" + (p.root() / "elsewhere").string() +
             "' WHERE name='moved'");
  Run moved = p.drover({"clean", "--agent", "moved"});
  CHECK(moved.code == 4);
  CHECK(sessions_named(p, "moved") == 1);
}
