// Hostile input (issue 8): pid files that lie, bodies that are huge or binary or SQL, and
// a project directory drover may not write. Each case gets a clear answer and nobody's
// process is signalled by mistake.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>

#include "os/process.h"
#include "os/spawn.h"
#include "supervisor_util.h"

using e2e::TempProject;

namespace {

// An agent recorded as in a turn, with no runner and no supervisor.
void agent_in_turn(const TempProject& p, const std::string& agent) {
  e2e::ok(p, {"sling", agent, "#!say hi", "--no-start"});
  e2e::q(p, "UPDATE sessions SET state = 'in_turn' WHERE name = '" + agent + "'");
  std::filesystem::create_directories(p.root() / ".drover/agents" / agent);
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

}  // namespace

TEST_CASE("hostile: a turn.pid naming a live unrelated process (same pid, other start time) is never signalled") {
  TempProject p;
  p.init_scripted();
  agent_in_turn(p, "alice");
  drover::os::SpawnRequest req;
  req.argv = {"sleep", "60"};
  auto bystander = drover::os::spawn(req);
  REQUIRE(bystander.ok());
  auto id = drover::os::read_identity(bystander->pid);
  REQUIRE(id.ok());
  id->start_ticks += 1;  // the pid was reused: this is not the process turn.pid meant
  const auto pid_file = p.root() / ".drover/agents/alice/turn.pid";
  e2e::write_text(pid_file, drover::os::format_pid_file(*id));

  auto status = e2e::ok(p, {"status", "alice", "--json"});
  CHECK(status.json()["agent"]["turn_process"]["alive"] == false);
  auto doctor = e2e::run(p, {"doctor", "--fix", "--json"});
  CHECK(alive(bystander->pid));
  e2e::write_text(pid_file, drover::os::format_pid_file(*id));
  auto stop = e2e::run(p, {"stop", "alice", "--json"});
  INFO("stop: " << stop.out << stop.err);
  CHECK(stop.code == 0);
  CHECK(stop.json()["signalled"] == false);
  CHECK(stop.json()["stale_turn_pid"] == true);
  CHECK(alive(bystander->pid));
  CHECK(e2e::state_of(p, "alice") == "stopped");

  ::kill(bystander->pid, SIGKILL);
  ::waitpid(bystander->pid, nullptr, 0);
  drover::os::close_child_fds(*bystander);
}

TEST_CASE("hostile: an empty, garbage or directory turn.pid is reported, and stop still works") {
  for (const char* kind : {"empty", "garbage", "directory"}) {
    CAPTURE(kind);
    TempProject p;
    p.init_scripted();
    agent_in_turn(p, "bob");
    const auto pid_file = p.root() / ".drover/agents/bob/turn.pid";
    if (std::string(kind) == "empty") e2e::write_text(pid_file, "");
    if (std::string(kind) == "garbage") e2e::write_text(pid_file, "\x01\xff not a pid file 99999999999999999999\n");
    if (std::string(kind) == "directory") std::filesystem::create_directory(pid_file);

    auto status = e2e::run(p, {"status", "--json"});
    CHECK(status.code == 0);
    auto doctor = e2e::run(p, {"doctor", "--json"});
    CHECK(doctor.json()["checks"].is_array());
    auto stop = e2e::run(p, {"stop", "bob"});
    INFO("stop: " << stop.out << stop.err);
    CHECK(stop.code == 0);
    CHECK(e2e::state_of(p, "bob") == "stopped");
  }
}

TEST_CASE("hostile: a 10 MiB body with NUL bytes and SQL metacharacters is stored byte for byte") {
  TempProject p;
  p.init_scripted();
  std::string body = "'); DROP TABLE messages; --\n";
  body += std::string("\0\0nul\0", 6);
  while (body.size() < 10u * 1024 * 1024) body += "0123456789abcdef";
  const auto file = p.root() / "body.bin";
  { std::ofstream(file, std::ios::binary) << body; }
  auto sent = e2e::run(p, {"mail", "send", "--to", "operator", "--subject", "x'; DELETE FROM sessions; --",
                           "--body-file", file.string(), "--json"});
  INFO(sent.err);
  REQUIRE(sent.code == 0);
  CHECK(e2e::qn(p, "SELECT length(CAST(body AS BLOB)) FROM messages") == static_cast<long long>(body.size()));
  CHECK(e2e::q(p, "SELECT subject FROM messages") == "x'; DELETE FROM sessions; --");
  CHECK(e2e::qn(p, "SELECT count(*) FROM sqlite_master WHERE name = 'messages'") == 1);
  auto read = e2e::run(p, {"mail", "read", std::to_string(sent.json()["ids"][0].get<long long>()), "--json"});
  REQUIRE(read.code == 0);
  CHECK(read.json()["body"].get<std::string>().size() == body.size());
}

TEST_CASE("hostile: init in a directory drover may not write fails with one line and leaves nothing") {
  if (::geteuid() == 0) {
    // root ignores directory permissions; the same refusal is covered for the database
    // file by "a read-only database refuses writes".
    TempProject p;
    const auto ro = p.root() / "ro";
    std::filesystem::create_directory(ro);
    std::filesystem::create_directory(ro / ".drover");  // a file where a directory must be made
    e2e::write_text(ro / ".drover/agents", "not a directory");
    e2e::RunOptions o;
    o.cwd = ro;
    auto r = TempProject::command({e2e::drover_bin(), "init"}, o);
    CHECK(r.code != 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find("agents") != std::string::npos);
    return;
  }
  TempProject p;
  const auto ro = p.root() / "ro";
  std::filesystem::create_directory(ro);
  ::chmod(ro.c_str(), 0555);
  e2e::RunOptions o;
  o.cwd = ro;
  auto r = TempProject::command({e2e::drover_bin(), "init"}, o);
  ::chmod(ro.c_str(), 0755);
  CHECK(r.code != 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_FALSE(std::filesystem::exists(ro / ".drover"));
}
