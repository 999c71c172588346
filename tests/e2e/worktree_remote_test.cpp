// End-to-end: worktrees across hosts through the project's git remote (issue 19, config
// `remote`; runner/worktree_remote.h), with real git: a bare repository in the temp dir is
// `origin`, and a second checkout of the project sharing the first one's store
// (DROVER_STORE) plays the other host.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/processes.h"
#include "support/project.h"

using namespace e2e;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kWrCommit = "git -c user.email=a@b -c user.name=a commit -q";

// A git command in `cwd`, asserting success; stdout trimmed.
std::string wr_git(const fs::path& cwd, std::vector<std::string> args) {
  args.insert(args.begin(), "git");
  Run r = command(args, with_cwd(cwd));
  INFO("git " << args[1] << ": " << r.err);
  REQUIRE(r.code == 0);
  while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == ' ')) r.out.pop_back();
  return r.out;
}

// The bare repository's drover/<agent>, or "" when it has none.
std::string wr_remote_branch(const fs::path& bare, const std::string& agent) {
  Run r = command({"git", "rev-parse", "--verify", "--quiet", "refs/heads/drover/" + agent},
                  with_cwd(bare));
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.code == 0 ? r.out : "";
}

// A scripted drover project with autostart off, a git repository with one commit and
// `remote = "<remote>"` in its config; `origin` is `bare`, holding this checkout's branch
// when `publish`, else the project's branch is fetched from it.
void wr_init_host(const TempProject& p, const fs::path& bare, const std::string& remote,
                  bool publish) {
  init_for_manual_turns(p);
  const auto config = p.root() / ".drover/config.toml";
  write_text(config, "remote = \"" + remote + "\"\n" + read_text(config));
  git(p, {"init", "-q", "-b", "main"});
  git(p, {"remote", "add", "origin", bare.string()});
  if (publish) {
    git(p, {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m",
            "init"});
    git(p, {"push", "-q", "origin", "main"});
  } else {
    git(p, {"fetch", "-q", "origin"});
    git(p, {"reset", "-q", "--hard", "origin/main"});
  }
}

RunOptions wr_opts(const TempProject& host, const TempProject& store_of) {
  RunOptions o = agent_opts(host);
  o.env["DROVER_STORE"] = e2e::store_of(store_of);
  return o;
}

// `drover turn AGENT --json` on `host` with the store of `store_of`: the report.
json wr_turn(const TempProject& host, const TempProject& store_of, const std::string& agent) {
  Run r = host.drover({"turn", agent, "--json"}, wr_opts(host, store_of));
  INFO("exit " << r.code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

void wr_nudge(const TempProject& host, const TempProject& store_of, const std::string& agent,
              const std::string& text) {
  Run r = host.drover({"nudge", agent, text, "--no-start"}, wr_opts(host, store_of));
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
}

std::vector<json> wr_events(const TempProject& host, const TempProject& store_of,
                            const std::string& agent, const std::string& kind) {
  Run r = host.drover({"log", agent, "--json"}, wr_opts(host, store_of));
  REQUIRE(r.code == 0);
  const json doc = r.json();
  std::vector<json> out;
  for (const auto& e : doc["events"])
    if (e["kind"] == kind) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE(
    "worktree remote: each turn pushes drover/<agent> and another checkout gets the worktree "
    "back at the pushed commit or starts from the base with a note when the branch is gone") {
  TempProject a, b;
  const fs::path bare = a.root() / "origin.git";
  wr_git(a.root(), {"init", "-q", "--bare", bare.string()});
  wr_init_host(a, bare, "origin", true);
  wr_init_host(b, bare, "origin", false);
  const std::string base = git(a, {"rev-parse", "HEAD"});
  const fs::path wt_a = a.root() / ".drover/worktrees/alice",
                 wt_b = b.root() / ".drover/worktrees/alice";

  // Host A: a coordinator (it stays between turns) commits in its first turn.
  sling_parked(a, {"alice", "--capability", "coordinator", "--worktree",
                   "#!sh echo 1 > f.txt && git add f.txt && " + kWrCommit + " -m one"});
  wr_turn(a, a, "alice");
  const std::string one = git(a, {"rev-parse", "drover/alice"});
  REQUIRE(one != base);
  CHECK(wr_remote_branch(bare, "alice") == one);
  auto pushed = wr_events(a, a, "alice", "branch_pushed");
  REQUIRE(pushed.size() == 1);
  CHECK(pushed[0]["data"]["sha"] == one);
  CHECK(pushed[0]["data"]["remote"] == "origin");
  CHECK(pushed[0]["data"]["base"] == "main");

  // A turn that commits nothing pushes nothing new.
  wr_nudge(a, a, "alice", "#!say nothing to commit");
  wr_turn(a, a, "alice");
  CHECK(wr_events(a, a, "alice", "branch_pushed").size() == 1);

  // Host B has no worktree of alice: its next turn runs in one made from the remote's
  // branch at the pushed commit, and commits on top of it.
  wr_nudge(b, a, "alice",
           "#!sh git rev-parse HEAD > ../seen.txt && echo 2 > g.txt && git add g.txt && " +
               kWrCommit + " -m two");
  json on_b = wr_turn(b, a, "alice");
  CHECK(read_text(b.root() / ".drover/worktrees/seen.txt") == one + "\n");
  CHECK(record(b, "alice", on_b["turn"].get<long long>())["cwd"] == wt_b.string());
  const std::string two = wr_git(wt_b, {"rev-parse", "HEAD"});
  CHECK(wr_git(wt_b, {"rev-parse", "HEAD~1"}) == one);
  CHECK(wr_remote_branch(bare, "alice") == two);
  auto restored = wr_events(b, a, "alice", "worktree_restored");
  REQUIRE(restored.size() == 1);
  CHECK(restored[0]["data"]["sha"] == one);
  CHECK(restored[0]["data"]["from"] == "remote");
  CHECK(agent_row(a, "alice")["worktree"] == wt_b.string());

  // Back on host A, with the branch deleted from the remote: A's own worktree is out of date
  // (the agent moved on), so it is replaced by a fresh one from the base, and the turn's
  // text carries the note.
  wr_git(bare, {"branch", "-q", "-D", "drover/alice"});
  wr_nudge(a, a, "alice", "#!say back on a");
  Run back = a.drover({"turn", "alice", "--json"}, wr_opts(a, a));
  INFO("stderr: " << back.err);
  REQUIRE(back.code == 0);
  CHECK(contains(back.err, "worktree started fresh from main"));
  const std::string text = record(a, "alice", back.json()["turn"].get<long long>())["text"];
  CHECK(contains(text, "your worktree starts fresh on this host"));
  CHECK(contains(
      text, "drover/alice is not on 'origin' (it was pushed there at " + two.substr(0, 12) + ")"));
  CHECK(contains(text, "from main (" + base.substr(0, 12) + ")"));
  CHECK(wr_git(wt_a, {"rev-parse", "HEAD"}) == base);
  auto fresh = wr_events(a, a, "alice", "worktree_fresh");
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0]["level"] == "warn");
  CHECK(fresh[0]["data"]["expected_sha"] == two);
  CHECK(fresh[0]["data"]["replaced_local_sha"] == one);
  CHECK(agent_row(a, "alice")["worktree"] == wt_a.string());
  CHECK(wr_remote_branch(bare, "alice") == base);  // the fresh branch was pushed in turn

  // A worktree deleted by hand, its branch still at the recorded commit: made again from
  // this host's branch, without the remote.
  git(a, {"worktree", "remove", "--force", wt_a.string()});
  wr_git(bare, {"branch", "-q", "-D", "drover/alice"});
  // doctor: a live agent's missing worktree is no failure when its next turn makes it again.
  const json report = a.drover({"doctor", "--json"}).json();
  bool seen = false;
  for (const auto& c : report["checks"]) {
    if (c["name"] != "worktree alice") continue;
    seen = true;
    CHECK(c["status"] == "warn");
    CHECK(contains(c["message"].get<std::string>(), "its next turn on this host makes it again"));
  }
  CHECK(seen);
  wr_nudge(a, a, "alice", "#!say again");
  wr_turn(a, a, "alice");
  CHECK(fs::is_directory(wt_a));
  restored = wr_events(a, a, "alice", "worktree_restored");
  REQUIRE(restored.size() == 2);
  CHECK(restored[1]["data"]["from"] == "local");
  CHECK(wr_events(a, a, "alice", "worktree_fresh").size() == 1);
}

TEST_CASE("worktree remote: a push that fails is recorded and logged and never fails the turn") {
  TempProject a;
  const fs::path bare = a.root() / "origin.git";
  wr_git(a.root(), {"init", "-q", "--bare", bare.string()});
  wr_init_host(a, bare, (a.root() / "no-such-remote").string(), true);
  sling_parked(a, {"bob", "--capability", "coordinator", "--worktree", "#!say hi"});
  Run r = a.drover({"turn", "bob", "--json"}, agent_opts(a));
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.json()["outcome"] == "waiting");
  CHECK(contains(r.err, "cannot push drover/bob"));
  auto failed = events(a, "bob", "branch_push_failed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["level"] == "warn");
  CHECK(contains(failed[0]["data"]["error"].get<std::string>(), "no-such-remote"));
  CHECK(events(a, "bob", "branch_pushed").empty());
  CHECK(state_of(a, "bob") == "between_turns");
}

TEST_CASE("worktree remote: under the supervisor the push follows the settle in the lane") {
  TempProject p;
  const fs::path bare = p.root() / "origin.git";
  wr_git(p.root(), {"init", "-q", "--bare", bare.string()});
  p.init_scripted();
  const auto config = p.root() / ".drover/config.toml";
  write_text(config, "remote = \"origin\"\n" + read_text(config));
  git(p, {"init", "-q", "-b", "main"});
  git(p, {"remote", "add", "origin", bare.string()});
  git(p,
      {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "init"});
  sling(p, {"carol", "--capability", "coordinator", "--worktree",
            "#!sh echo 1 > f.txt && git add f.txt && " + kWrCommit + " -m one"});
  REQUIRE(wait_until([&] { return !wr_remote_branch(bare, "carol").empty(); }));
  CHECK(wr_remote_branch(bare, "carol") == git(p, {"rev-parse", "drover/carol"}));
  REQUIRE(wait_until([&] { return events(p, "carol", "branch_pushed").size() == 1; }));
  CHECK(wait_state(p, "carol", "between_turns"));
  CHECK(
      contains(read_text(p.root() / ".drover/logs/supervisor.log"), "carol: pushed drover/carol"));
}

namespace {

// A scripted project whose `remote` is "silent": an ext:: remote running `script` (a shell
// script's body), which never answers git. One commit on main; then carol, a worktree
// agent, commits in her turn, so her settle starts a push to it.
void wr_sling_to_silent_remote(const TempProject& p, const std::string& script) {
  p.init_scripted();
  const auto config = p.root() / ".drover/config.toml";
  write_text(config, "remote = \"silent\"\n" + read_text(config));
  git(p, {"init", "-q", "-b", "main"});
  const auto remote = p.root() / "silent-remote";
  write_text(remote, "#!/bin/sh\n" + script);
  fs::permissions(remote, fs::perms::owner_all);
  git(p, {"config", "protocol.ext.allow", "always"});
  git(p, {"remote", "add", "silent", "ext::" + remote.string()});
  git(p,
      {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "init"});
  sling(p, {"carol", "--capability", "coordinator", "--worktree",
            "#!sh echo 1 > f.txt && git add f.txt && " + kWrCommit + " -m one"});
}

}  // namespace

// The push runs beside the supervisor's loop (runner/async_command.h): a remote that does
// not answer holds up the pushing agent's turn end, not the other agents. With the push on
// the loop, bob's whole turn would wait behind it and finish after its failure.
TEST_CASE("worktree remote: a remote that does not answer holds up no other agent") {
  TempProject p;
  // A remote whose other end says nothing until the test creates `release`, then hangs up.
  const auto release = p.root() / "release";
  wr_sling_to_silent_remote(
      p, "while [ ! -e '" + release.string() + "' ]; do sleep 0.05; done\nexit 1\n");
  // carol's turn is settled: its push is under way now.
  REQUIRE(wait_until([&] {
    return sql_int(p,
                   "SELECT count(*) FROM turns WHERE agent = 'carol' AND ended_at IS NOT "
                   "NULL") == 1;
  }));
  sling(p, {"bob", "--capability", "coordinator", "#!say hello"});
  REQUIRE(wait_until([&] {
    return sql_int(p, "SELECT count(*) FROM turns WHERE agent = 'bob' AND ended_at IS NOT NULL") ==
           1;
  }));
  CHECK(events(p, "carol", "branch_push_failed").empty());
  // Then the remote hangs up, the push fails, and it is recorded and logged.
  write_text(release, "");
  REQUIRE(wait_until([&] { return events(p, "carol", "branch_push_failed").size() == 1; }));
  CHECK(events(p, "carol", "branch_pushed").empty());
  CHECK(contains(read_text(p.root() / ".drover/logs/supervisor.log"),
                 "carol: cannot push drover/carol to 'silent'"));
  CHECK(wait_state(p, "carol", "between_turns"));
}

// `down --now` stops a push under way instead of waiting up to its 10 s deadline for a
// remote that does not answer: the push is killed and recorded as failed, and nothing of
// it is left running.
TEST_CASE("worktree remote: down --now stops a push that is under way and records it") {
  TempProject p;
  // A remote that says nothing, ever, and leaves its pid where the test can find it.
  const auto remote_pid = p.root() / "remote.pid";
  wr_sling_to_silent_remote(p, "echo $$ > '" + remote_pid.string() + "'\nexec sleep 60\n");
  REQUIRE(wait_until([&] { return !read_text(remote_pid).empty(); }));
  CHECK(events(p, "carol", "branch_push_failed").empty());
  ok(p, {"down", "--now"});
  auto failed = events(p, "carol", "branch_push_failed");
  REQUIRE(failed.size() == 1);
  CAPTURE(failed[0].dump());
  CHECK(contains(failed[0].dump(), "stopped: the supervisor stopped the agent's turn"));
  CHECK(events(p, "carol", "branch_pushed").empty());
  const int pid = std::stoi(read_text(remote_pid));
  CHECK(wait_until([&] {  // gone, or a zombie waiting for init to reap it
    char state = 0;
    long pgid = 0;
    return !proc_stat(pid, state, pgid) || state == 'Z';
  }));
  CHECK(state_of(p, "carol") == "between_turns");
}

// A push under way is the turn's last process, and turn.pid names it: a supervisor killed
// during the push leaves it to the next one's recovery, which kills it as it would an
// orphan agent. Before, the `git push` (and its remote) ran on after the supervisor died.
TEST_CASE("worktree remote: a push a killed supervisor left behind is killed by recovery") {
  TempProject p;
  const auto remote_pid = p.root() / "remote.pid";
  wr_sling_to_silent_remote(p, "echo $$ > '" + remote_pid.string() + "'\nexec sleep 60\n");
  REQUIRE(wait_until([&] { return !read_text(remote_pid).empty(); }));
  const int pid = std::stoi(read_text(remote_pid));
  char state = 0;
  long pgid = 0;
  REQUIRE(proc_stat(pid, state, pgid));
  // The supervisor names the push in turn.pid right after spawning it; the remote helper
  // can run first, so wait for that before killing the supervisor.
  const auto turn_pid = p.root() / ".drover/agents/carol/turn.pid";
  REQUIRE(wait_until([&] {
    std::string text = read_text(turn_pid);
    return text.rfind(std::to_string(pgid) + " ", 0) == 0;
  }));
  kill_supervisor(p);
  CHECK(group_alive(pgid));  // the push outlived the supervisor
  ok(p, {"up"});
  // Recovery ran before `up` returned.
  CHECK_FALSE(group_alive(pgid));
  CHECK(events(p, "carol", "orphan_killed").size() == 1);
  CHECK(events(p, "carol", "branch_pushed").empty());
  CHECK(state_of(p, "carol") == "between_turns");
  ok(p, {"down", "--now"});
}
