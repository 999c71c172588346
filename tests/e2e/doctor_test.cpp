// End-to-end: drover doctor [--fix] [--json] (SPEC §6.9).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "os/process.h"
#include "os/spawn.h"
#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using e2e::agent_dir;
using e2e::contains;
using e2e::TempProject;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A `claude` stand-in on PATH, so that the default claude runtime resolves and answers
// doctor's version and login checks.
std::map<std::string, std::string> env_with_fake_claude(const TempProject& p) {
  fs::path bin = p.root() / "fakebin";
  fs::create_directories(bin);
  // Logged in, as `claude auth status` says it (doctor asks only when --help lists auth).
  e2e::write_text(bin / "claude",
                  "#!/bin/sh\n"
                  "case \"$1\" in\n"
                  "  --version) echo '9.9.9 (Claude Code)';;\n"
                  "  --help) printf 'Commands:\\n  auth   Manage authentication\\n';;\n"
                  "  auth) echo '{\"loggedIn\": true, \"authMethod\": \"claude.ai\"}';;\n"
                  "esac\n"
                  "exit 0\n");
  ::chmod((bin / "claude").c_str(), 0755);
  const char* path = std::getenv("PATH");
  return {{"PATH", bin.string() + ":" + (path ? path : "/usr/bin:/bin")}};
}

// A session row on the scripted runtime (live states count as users of the runtime).
void add_agent(const TempProject& p, const std::string& name, const std::string& state,
               const std::string& extra_cols = "", const std::string& extra_vals = "") {
  e2e::sql(p, "INSERT INTO sessions (name, capability, runtime, state, created_at, last_activity" +
                  extra_cols + ") VALUES ('" + name + "','builder','scripted','" + state +
                  "','2026-01-01T00:00:00.000Z','2026-01-01T00:00:00.000Z'" + extra_vals + ")");
}

void write_turn_pid(const TempProject& p, const std::string& agent, const std::string& text) {
  fs::create_directories(agent_dir(p, agent));
  e2e::write_text(agent_dir(p, agent) / "turn.pid", text);
}

e2e::Run doctor(const TempProject& p, std::vector<std::string> extra = {},
                const e2e::RunOptions& o = {}) {
  extra.insert(extra.begin(), "doctor");
  return p.drover(extra, o);
}

// The check named `name` in a --json report (fails the test if absent).
json find_check(const json& doc, const std::string& name) {
  for (const auto& c : doc["checks"])
    if (c["name"] == name) return c;
  FAIL("no check named '" << name << "' in " << doc.dump(2));
  return json();
}

bool has_check(const json& doc, const std::string& name) {
  for (const auto& c : doc["checks"])
    if (c["name"] == name) return true;
  return false;
}

// A `sleep` in its own process group, as a turn's child would be.
drover::os::SpawnedChild spawn_sleep(const char* seconds) {
  drover::os::SpawnRequest req;
  req.argv = {"sleep", seconds};
  auto child = drover::os::spawn(req);
  REQUIRE(child.ok());
  drover::os::close_child_fds(*child);
  return *child;
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

TEST_CASE("doctor on a healthy project: every check passes, exit 0, --json shape") {
  TempProject p;
  p.init_scripted();
  auto env = e2e::with_env(env_with_fake_claude(p));
  auto r = doctor(p, {}, env);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, "ok   database integrity: ok\n"));
  CHECK(contains(r.out, "ok   runtime scripted: "));
  CHECK_FALSE(contains(r.out, "WARN"));
  CHECK_FALSE(contains(r.out, "FAIL"));
  auto quiet = doctor(p, {"-q"}, env);  // -q: only what needs attention, here nothing
  CHECK(quiet.code == 0);
  CHECK(quiet.out.empty());

  auto j = doctor(p, {"--json"}, env);
  REQUIRE(j.code == 0);
  json doc = j.json();
  CHECK(doc.size() == 2);
  CHECK(doc["ok"] == true);
  REQUIRE(doc["checks"].is_array());
  for (const auto& c : doc["checks"]) {
    INFO(c.dump());
    for (const char* key : {"name", "status", "message", "fixed"}) CHECK(c.contains(key));
    CHECK(c["status"] == "pass");
    CHECK(c["fixed"] == false);
  }
  for (const char* name :
       {"git", "sqlite3", "config", "runtime scripted", "runtime claude", "root",
        "database integrity", "database schema", "supervisor", "supervisor files", "turn.pid files",
        "agent directories", "worktrees", "sessions in_turn"})
    CHECK_MESSAGE(has_check(doc, name), "missing check " << name);
  CHECK(contains(find_check(doc, "database schema")["message"].get<std::string>(), "(current)"));
}

TEST_CASE("doctor fails on a missing runtime executable, naming it and the fix") {
  TempProject p;
  p.init_scripted();
  fs::path cfg = p.root() / ".drover/config.toml";
  std::string text = e2e::read_text(cfg);
  auto pos = text.find(e2e::agent_bin());
  REQUIRE(pos != std::string::npos);
  text.replace(pos, e2e::agent_bin().size(), "/nonexistent/agent");
  e2e::write_text(cfg, text);

  auto r = doctor(p);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "FAIL runtime scripted: cannot run '/nonexistent/agent'"));
  CHECK(contains(r.out, "[runtimes.scripted].command"));
  CHECK(r.err.empty());
  auto quiet = doctor(p, {"-q"});  // -q keeps the failure, drops the passes and the summary
  CHECK(quiet.code == 1);
  CHECK(contains(quiet.out, "FAIL runtime scripted"));
  CHECK_FALSE(contains(quiet.out, "ok   "));
  CHECK_FALSE(contains(quiet.out, " failed"));

  auto j = doctor(p, {"--json"});
  CHECK(j.code == 1);
  json doc = j.json();  // exactly one document, even though the command fails
  CHECK(doc["ok"] == false);
  json c = find_check(doc, "runtime scripted");
  CHECK(c["status"] == "fail");
  CHECK(contains(c["message"].get<std::string>(), "/nonexistent/agent"));
  CHECK(contains(c["message"].get<std::string>(), "the default runtime"));
  // claude is configured but unused here: a missing claude is a warning, not a failure.
  CHECK(find_check(doc, "runtime claude")["status"] != "fail");
}

TEST_CASE("doctor warns about a garbage turn.pid and --fix removes it") {
  TempProject p;
  p.init_scripted();
  add_agent(p, "alice", "between_turns");
  write_turn_pid(p, "alice", "garbage\n");

  auto j = doctor(p, {"--json"});
  CHECK(j.code == 0);  // a warning is not a failure
  json c = find_check(j.json(), "turn.pid alice");
  CHECK(c["status"] == "warn");
  CHECK(contains(c["message"].get<std::string>(), "stale"));
  CHECK(c["fixed"] == false);
  CHECK(fs::exists(agent_dir(p, "alice") / "turn.pid"));

  auto fixed = doctor(p, {"--fix"});
  INFO("stdout: " << fixed.out);
  CHECK(fixed.code == 0);
  CHECK(contains(fixed.out, "WARN turn.pid alice: stale"));
  CHECK(contains(fixed.out, "fixed: removed turn.pid"));
  CHECK_FALSE(fs::exists(agent_dir(p, "alice") / "turn.pid"));
  CHECK(contains(doctor(p).out, "ok   turn.pid files: none"));
}

TEST_CASE("doctor never signals an unrelated process named by a turn.pid with another identity") {
  TempProject p;
  p.init_scripted();
  add_agent(p, "alice", "between_turns");
  auto child = spawn_sleep("30");
  auto real = drover::os::read_identity(child.pid);
  REQUIRE(real.ok());
  drover::os::ProcessIdentity wrong = *real;
  wrong.start_ticks += 1;  // same pid, different process: pid reuse
  write_turn_pid(p, "alice", drover::os::format_pid_file(wrong));

  auto j = doctor(p, {"--json"});
  json c = find_check(j.json(), "turn.pid alice");
  CHECK(c["status"] == "warn");
  CHECK(contains(c["message"].get<std::string>(), "another process"));

  auto fixed = doctor(p, {"--fix", "--json"});
  CHECK(fixed.code == 0);
  CHECK(find_check(fixed.json(), "turn.pid alice")["fixed"] == true);
  CHECK_FALSE(fs::exists(agent_dir(p, "alice") / "turn.pid"));
  // Still the very same live process: nothing was signalled.
  CHECK(drover::os::check_identity(*real) == drover::os::Liveness::alive);
  CHECK(drover::os::group_alive(real->pgid));
  kill_and_reap(child.pid);
}

TEST_CASE("doctor fails on an orphan turn process and --fix kills its group") {
  TempProject p;
  p.init_scripted("turn.kill_grace = \"500ms\"");
  add_agent(p, "bob", "between_turns");
  auto child = spawn_sleep("60");
  auto id = drover::os::read_identity(child.pid);
  REQUIRE(id.ok());
  REQUIRE(id->pgid == child.pid);
  write_turn_pid(p, "bob", drover::os::format_pid_file(*id));

  auto r = doctor(p);
  INFO("stdout: " << r.out);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "FAIL turn.pid bob: orphan process " + std::to_string(child.pid)));
  CHECK(drover::os::group_alive(id->pgid));  // reporting alone never signals

  auto fixed = doctor(p, {"--fix", "--json"});
  CHECK(fixed.code == 0);  // the failure was repaired
  json doc = fixed.json();
  CHECK(doc["ok"] == true);
  json c = find_check(doc, "turn.pid bob");
  CHECK(c["status"] == "fail");
  CHECK(c["fixed"] == true);
  CHECK(contains(c["fix"].get<std::string>(), "killed process group " + std::to_string(id->pgid)));
  CHECK_FALSE(drover::os::group_alive(id->pgid));
  CHECK_FALSE(fs::exists(agent_dir(p, "bob") / "turn.pid"));
  int status = 0;
  REQUIRE(::waitpid(child.pid, &status, 0) == child.pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
}

TEST_CASE("doctor reports a corrupt database as a failure and still runs the other checks") {
  TempProject p;
  p.init_scripted();
  if (e2e::on_postgresql()) {
    // No file to corrupt: a database without drover's tables fails the schema check.
    e2e::remove_database(p);
    json doc = doctor(p, {"--json"}).json();
    CHECK(doc["ok"] == false);
    CHECK(find_check(doc, "database integrity")["status"] == "pass");
    json schema = find_check(doc, "database schema");
    CHECK(schema["status"] == "fail");
    CHECK(contains(schema["message"].get<std::string>(), "run 'drover init'"));
    CHECK(find_check(doc, "config")["status"] == "pass");
    CHECK(contains(find_check(doc, "agent directories")["message"].get<std::string>(),
                   "not checked"));
    return;
  }
  fs::path db = p.root() / ".drover/drover.db";
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(db.string() + suffix);
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage += "this is not a database ";
  e2e::write_text(db, garbage);

  auto j = doctor(p, {"--json"});
  CHECK(j.code == 1);
  json doc = j.json();
  CHECK(doc["ok"] == false);
  json integrity = find_check(doc, "database integrity");
  CHECK(integrity["status"] == "fail");
  CHECK(contains(integrity["message"].get<std::string>(), "drover.db"));
  for (const char* name :
       {"git", "config", "runtime scripted", "root", "supervisor", "turn.pid files"})
    CHECK_MESSAGE(find_check(doc, name)["status"] == "pass", name);
  CHECK(
      contains(find_check(doc, "agent directories")["message"].get<std::string>(), "not checked"));
  auto human = doctor(p);
  CHECK(human.code == 1);
  CHECK(contains(human.out, "FAIL database integrity: "));
  CHECK(contains(human.out, "ok   config: "));
}

TEST_CASE("doctor warns about a leftover agent directory and --fix removes it") {
  TempProject p;
  p.init_scripted();
  add_agent(p, "alice", "between_turns");
  fs::create_directories(agent_dir(p, "alice"));
  fs::create_directories(agent_dir(p, "ghost"));
  e2e::write_text(agent_dir(p, "ghost") / "turn.lock", "");

  auto r = doctor(p);
  INFO("stdout: " << r.out);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "WARN agent dir ghost: "));
  CHECK(contains(r.out, "belongs to no agent"));
  CHECK_FALSE(contains(r.out, "agent dir alice"));

  auto fixed = doctor(p, {"--fix"});
  CHECK(fixed.code == 0);
  CHECK(contains(fixed.out, "fixed: removed "));
  CHECK_FALSE(fs::exists(agent_dir(p, "ghost")));
  CHECK(fs::exists(agent_dir(p, "alice")));
  CHECK(contains(doctor(p).out, "ok   agent directories: "));
}

TEST_CASE("doctor names the unknown key of a config typo and still runs the other checks") {
  TempProject p;
  p.init();
  e2e::write_text(p.root() / ".drover/config.toml", "[supervisor]\nmax_turns = 3\n");
  auto r = doctor(p);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "FAIL config: "));
  CHECK(contains(r.out, "max_turns"));
  CHECK(contains(r.out, "config.toml"));
  CHECK(contains(r.out, "ok   database integrity: ok"));
  CHECK(contains(r.out, "runtime claude: "));  // the defaults stand in for the broken file
}

TEST_CASE("doctor: stale supervisor files, missing worktrees, agents stuck in_turn") {
  TempProject p;
  p.init_scripted();
  e2e::write_text(p.root() / ".drover/supervisor.pid", "999999 999999 1 not-a-boot-id\n");
  add_agent(p, "wendy", "stopped", ", worktree", ", '/nonexistent/worktrees/wendy'");
  add_agent(p, "ivan", "in_turn");

  auto j = doctor(p, {"--json"});
  CHECK(j.code == 0);
  json doc = j.json();
  json sup = find_check(doc, "supervisor files");
  CHECK(sup["status"] == "warn");
  CHECK(contains(sup["message"].get<std::string>(), "supervisor.pid"));
  json wt = find_check(doc, "worktree wendy");
  CHECK(wt["status"] == "warn");
  CHECK(
      contains(wt["message"].get<std::string>(), "missing worktree /nonexistent/worktrees/wendy"));
  CHECK(contains(wt["message"].get<std::string>(), "drover clean --agent wendy"));
  json stuck = find_check(doc, "in_turn ivan");
  CHECK(stuck["status"] == "warn");
  CHECK(contains(stuck["message"].get<std::string>(), "drover up"));

  auto fixed = doctor(p, {"--fix"});
  CHECK(fixed.code == 0);
  CHECK_FALSE(fs::exists(p.root() / ".drover/supervisor.pid"));
  CHECK(contains(doctor(p).out, "ok   supervisor files: "));
}

TEST_CASE("doctor warns when run as root with a runtime that uses bypassPermissions") {
  TempProject p;
  p.init();  // the default claude runtime passes --permission-mode bypassPermissions
  auto j = doctor(p, {"--json"}, e2e::with_env(env_with_fake_claude(p)));
  json c = find_check(j.json(), "root");
  if (::geteuid() == 0) {
    CHECK(c["status"] == "warn");
    CHECK(contains(c["message"].get<std::string>(), "bypassPermissions"));
    CHECK(contains(c["message"].get<std::string>(), "normal user"));
  } else {
    CHECK(c["status"] == "pass");
  }
  CHECK(find_check(j.json(), "runtime claude")["status"] == "pass");
}

TEST_CASE(
    "doctor: a live agent whose worktree is gone (or is no directory) fails, naming the way out") {
  TempProject p;
  p.init_scripted();
  e2e::write_text(p.root() / "plain-file", "not a worktree\n");
  add_agent(p, "lara", "between_turns", ", worktree",
            ", '" + (p.root() / "plain-file").string() + "'");
  auto j = doctor(p, {"--json"});
  CHECK(j.code == 1);
  json wt = find_check(j.json(), "worktree lara");
  CHECK(wt["status"] == "fail");
  CHECK(contains(wt["message"].get<std::string>(), "drover stop lara"));
}
