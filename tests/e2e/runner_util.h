#pragma once
// Helpers for the turn-runner end-to-end tests (runner_test.cpp, runner_failures_test.cpp):
// agents created with `sling --no-start`, turns run with `drover turn` (this test process
// never starts a supervisor: autostart is off), and the facts read back through the CLI
// (`status --json`, `log --json`, `mail list --json`), the sqlite3 CLI, the fixture
// agent's record files and /proc.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"
#include "supervisor_util.h"

namespace runner_e2e {

using e2e::agent_opts;
using e2e::argv_has;
using e2e::q;
using e2e::state_of;

namespace fs = std::filesystem;
using e2e::Run;
using e2e::TempProject;
using nlohmann::json;

// The scripted runtime as default and no supervisor autostart (mail, nudge and resume
// must not start a supervisor that would run the turns this test runs by hand).
inline void init(const TempProject& p, const std::string& extra = "") {
  p.init_scripted("supervisor.autostart = false\n" + extra);
}

inline bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// `drover turn AGENT [extra…]` with the agent environment.
inline Run turn(const TempProject& p, const std::string& agent, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"turn", agent};
  args.insert(args.end(), extra.begin(), extra.end());
  return p.drover(args, agent_opts(p));
}

// `drover turn AGENT` for a turn expected to end well (exit 0); its stderr (the start of
// it) goes with any failure that follows.
inline Run turn_ok(const TempProject& p, const std::string& agent) {
  Run r = turn(p, agent);
  INFO("stderr: " << r.err.substr(0, 4000));
  CHECK(r.code == 0);
  return r;
}

// `drover --json turn AGENT` for a turn expected to end well (or not to run): the report
// document (ran, turn, outcome, state, …). Failed turns print only the error document.
inline json turn_json(const TempProject& p, const std::string& agent) {
  Run r = turn(p, agent, {"--json"});
  INFO("exit " << r.code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

// `drover sling ARGS… --no-start`, asserting success.
inline void sling_parked(const TempProject& p, std::vector<std::string> args) {
  args.insert(args.begin(), "sling");
  args.push_back("--no-start");
  Run r = p.drover(args, agent_opts(p));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
}

// `drover nudge AGENT TEXT --no-start`, asserting success.
inline void nudge(const TempProject& p, const std::string& agent, const std::string& text) {
  Run r = p.drover({"nudge", agent, text, "--no-start"}, agent_opts(p));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
}

inline int sql_int(const TempProject& p, const std::string& query) { return std::stoi(q(p, query)); }

// `drover status AGENT --json`: {"agent":{…},"turns":[…],"pending_mail":[…]}.
inline json status(const TempProject& p, const std::string& agent) {
  Run r = p.drover({"status", agent, "--json"});
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json();
}
// The agent's newest turn row (id, outcome, exit_code, signal, …) from `status AGENT --json`.
inline json last_turn(const TempProject& p, const std::string& agent) {
  const json turns = status(p, agent)["turns"];
  REQUIRE_FALSE(turns.empty());
  json newest = turns[0];
  for (const auto& t : turns)
    if (t["id"].get<long long>() > newest["id"].get<long long>()) newest = t;
  return newest;
}

// `drover turn AGENT` for a turn expected to fail (exit 1); returns its turn row.
inline json failed_turn(const TempProject& p, const std::string& agent) {
  Run r = turn(p, agent);
  INFO("exit " << r.code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  return last_turn(p, agent);
}

inline json agent_row(const TempProject& p, const std::string& agent) { return status(p, agent)["agent"]; }

// The agent's events from `drover log AGENT --json`, optionally only one kind.
inline std::vector<json> events(const TempProject& p, const std::string& agent, const std::string& kind = "") {
  Run r = p.drover({"log", agent, "--json"});
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  const json doc = r.json();
  std::vector<json> out;
  for (const auto& e : doc["events"])
    if (kind.empty() || e["kind"] == kind) out.push_back(e);
  return out;
}

// `drover mail list --json --limit 0 FILTER…`: the messages, newest first.
inline json mail_list(const TempProject& p, std::vector<std::string> filter = {}) {
  filter.insert(filter.begin(), {"mail", "list", "--json", "--limit", "0"});
  Run r = p.drover(filter);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json()["messages"];
}

// worker_died mail addressed to `parent`.
inline json worker_died_to(const TempProject& p, const std::string& parent) {
  return mail_list(p, {"--to", parent, "--type", "worker_died"});
}

// The dispatch mail `sling` queued for the agent.
inline std::string dispatch_id(const TempProject& p, const std::string& agent) {
  return q(p, "SELECT id FROM messages WHERE to_agent='" + agent + "' AND type='dispatch'");
}

// "unread|unclaimed" flags of one message: "1|1" means it went back to the queue.
inline std::string released_flags(const TempProject& p, const std::string& id) {
  return q(p, "SELECT read_at IS NULL, claimed_turn IS NULL FROM messages WHERE id=" + id);
}

// What the fixture agent recorded for one turn (argv, env, stdin, text, cwd, pid, pgid).
inline fs::path record_path(const TempProject& p, const std::string& agent, long long turn) {
  return p.record_dir() / (agent + "." + std::to_string(turn) + ".json");
}
inline json record(const TempProject& p, const std::string& agent, long long turn) {
  auto path = record_path(p, agent, turn);
  INFO("record " << path);
  REQUIRE(fs::exists(path));
  auto doc = json::parse(e2e::read_text(path), nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}
// The value after `flag` in the recorded argv, or "" when absent.
inline std::string argv_after(const json& rec, const std::string& flag) {
  const auto& argv = rec["argv"];
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1].get<std::string>();
  return "";
}

inline fs::path agent_dir(const TempProject& p, const std::string& agent) {
  return p.root() / ".drover/agents" / agent;
}
inline bool turn_pid_exists(const TempProject& p, const std::string& agent) {
  return fs::exists(agent_dir(p, agent) / "turn.pid");
}

// Holds an agent's turn lock like another runner would (flock on an O_CLOEXEC fd).
class HeldLock {
 public:
  HeldLock(const TempProject& p, const std::string& agent) {
    fs::create_directories(agent_dir(p, agent));
    fd_ = ::open((agent_dir(p, agent) / "turn.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd_ >= 0);
    REQUIRE(::flock(fd_, LOCK_EX | LOCK_NB) == 0);
  }
  ~HeldLock() { ::close(fd_); }
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;

 private:
  int fd_ = -1;
};

// True when nobody holds the agent's turn lock (a missing lock file counts as free).
inline bool lock_free(const TempProject& p, const std::string& agent) {
  auto path = agent_dir(p, agent) / "turn.lock";
  if (!fs::exists(path)) return true;
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);  // drops the probe's lock too
  return free;
}

// /proc/<pid>/stat: state (field 3) and pgid (field 5); false when the process is gone.
inline bool proc_stat(int pid, char& state, long& pgid) {
  std::string text = e2e::read_text("/proc/" + std::to_string(pid) + "/stat");
  auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 1));
  long ppid = 0;
  return static_cast<bool>(rest >> state >> ppid >> pgid);
}

inline std::vector<int> all_pids() {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

inline bool running_state(char s) { return s != 'Z' && s != 'X' && s != 'x'; }

// Processes (not zombies) whose process group is `pgid`.
inline std::vector<int> live_group_members(long pgid) {
  std::vector<int> out;
  for (int pid : all_pids()) {
    char state = 0;
    long g = 0;
    if (proc_stat(pid, state, g) && g == pgid && running_state(state)) out.push_back(pid);
  }
  return out;
}

// Processes (not zombies) started for this agent of this project: their environment
// holds DROVER_AGENT=<agent> and DROVER_PROJECT=<root>, as the runner injects it.
inline std::vector<int> live_agent_processes(const TempProject& p, const std::string& agent) {
  const std::string want_agent = "DROVER_AGENT=" + agent, want_project = "DROVER_PROJECT=" + p.root().string();
  std::vector<int> out;
  for (int pid : all_pids()) {
    std::string env = e2e::read_text("/proc/" + std::to_string(pid) + "/environ");
    bool a = false, pr = false;
    std::size_t start = 0;
    while (start < env.size()) {
      auto end = env.find('\0', start);
      if (end == std::string::npos) end = env.size();
      std::string_view var(env.data() + start, end - start);
      a = a || var == want_agent;
      pr = pr || var == want_project;
      start = end + 1;
    }
    char state = 0;
    long g = 0;
    if (a && pr && proc_stat(pid, state, g) && running_state(state)) out.push_back(pid);
  }
  return out;
}

}  // namespace runner_e2e
