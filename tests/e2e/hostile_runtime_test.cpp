// Hostile agents (issue 8): an agent that floods stdout or stderr, one that closes stdout
// and keeps running, one that forks and exits, and a permissive umask. Each turn ends in
// bounded time, what is kept on disk is bounded and the bound is recorded, nothing of the
// agent's process group survives, and everything under .drover/ stays private.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

#include "support/agents.h"
#include "support/command.h"
#include "support/processes.h"
#include "support/project.h"

namespace fs = std::filesystem;
using e2e::TempProject;
using nlohmann::json;

namespace {

// The caps of src/runner/turn_run.cpp (documented in docs/decisions.md).
constexpr std::uintmax_t kTranscriptCap = 256u << 20;
constexpr std::uintmax_t kStderrCap = 16u << 20;
constexpr std::uintmax_t kFloodLine = 4096;  // the fixture's junk lines

// Bytes an agent floods a stream with: a little over the cap by default, so the test stays
// quick under the sanitizers; DROVER_HOSTILE_FLOOD_BYTES (e.g. 1G) runs the big case. It must
// be above the cap of the stream.
std::string flood_bytes(std::uintmax_t fallback) {
  const char* env = std::getenv("DROVER_HOSTILE_FLOOD_BYTES");
  return env != nullptr && *env != '\0' ? env : std::to_string(fallback);
}

fs::path turn_log(const TempProject& p, const std::string& agent, long long turn,
                  const std::string& ext) {
  return p.root() / ".drover/logs" / agent / (std::to_string(turn) + ext);
}

// The turn's process group, from what the fixture agent recorded.
long long recorded_pgid(const TempProject& p, const std::string& agent, long long turn) {
  return e2e::record(p, agent, turn)["pgid"].get<long long>();
}

// Sets the umask of this test process (inherited by every command it runs) for one scope.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

}  // namespace

TEST_CASE(
    "hostile: an agent flooding stdout past the transcript cap: the turn ends, the transcript is "
    "capped and says so") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  e2e::sling_parked(p, {"gush", "--capability", "coordinator",
                        "#!flood " + flood_bytes(300u << 20) + "\n#!say done"});
  e2e::turn_ok(p, "gush");
  const json turn = e2e::last_turn(p, "gush");
  const long long id = turn["id"].get<long long>();
  CHECK(turn["outcome"] == "waiting");  // the result after the flood was still read
  CHECK(turn["exit_code"] == 0);
  CHECK(e2e::state_of(p, "gush") == "between_turns");

  const auto size = fs::file_size(turn_log(p, "gush", id, ".stdout.ndjson"));
  CHECK(size >= kTranscriptCap);
  CHECK(size <= kTranscriptCap + kFloodLine);  // at most the line that crossed the cap
  auto capped = e2e::events(p, "gush", "transcript_capped");
  REQUIRE(capped.size() == 1);
  CHECK(capped[0]["level"] == "warn");
  CHECK(e2e::contains(capped[0]["data"].dump(), "stdout"));
  CHECK(e2e::events(p, "gush", "malformed_line").size() == 100);  // capped too
  auto results = e2e::events(p, "gush", "result");
  REQUIRE(results.size() == 1);
  CHECK(e2e::contains(results[0]["data"].dump(), "done"));
  CHECK_FALSE(e2e::group_alive(recorded_pgid(p, "gush", id)));
}

TEST_CASE(
    "hostile: an agent flooding stderr past its cap: the turn ends, the stderr log is capped and "
    "says so") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  e2e::sling_parked(p, {"shout", "--capability", "coordinator",
                        "#!flood-stderr " + flood_bytes(40u << 20) + "\n#!say done"});
  e2e::turn_ok(p, "shout");
  const json turn = e2e::last_turn(p, "shout");
  const long long id = turn["id"].get<long long>();
  CHECK(turn["outcome"] == "waiting");
  CHECK(e2e::state_of(p, "shout") == "between_turns");

  const auto size = fs::file_size(turn_log(p, "shout", id, ".stderr.log"));
  CHECK(size <= kStderrCap);
  CHECK(size > kStderrCap - kFloodLine);
  auto capped = e2e::events(p, "shout", "transcript_capped");
  REQUIRE(capped.size() == 1);
  CHECK(capped[0]["level"] == "warn");
  CHECK(e2e::contains(capped[0]["data"].dump(), "stderr"));
  CHECK(fs::file_size(turn_log(p, "shout", id, ".stdout.ndjson")) < 64 * 1024);
  CHECK_FALSE(e2e::group_alive(recorded_pgid(p, "shout", id)));
}

TEST_CASE(
    "hostile: an agent that closes stdout and keeps running is stopped by the stall watchdog, "
    "group and all") {
  TempProject p;
  e2e::init_for_manual_turns(p, "turn.stall_timeout = \"1s\"\n");
  e2e::sling_parked(p, {"mute", "--capability", "coordinator", "#!close-stdout 120s"});
  auto r = e2e::turn(p, "mute");  // returns long before the agent's 120 s are up
  INFO("stderr: " << r.err);
  CHECK(r.code == 1);
  CHECK(e2e::contains(r.err, "stalled: no output for 1s"));
  const json turn = e2e::last_turn(p, "mute");
  CHECK(turn["outcome"] == "stalled");
  CHECK(turn["signal"] == 15);  // SIGTERM was enough
  CHECK(e2e::state_of(p, "mute") == "zombie");
  CHECK(e2e::events(p, "mute", "stalled").size() == 1);
  CHECK_FALSE(e2e::group_alive(recorded_pgid(p, "mute", turn["id"].get<long long>())));
  CHECK(e2e::live_agent_processes(p, "mute").empty());
  CHECK_FALSE(e2e::turn_pid_exists(p, "mute"));
}

TEST_CASE(
    "hostile: an agent that forks and exits: the turn settles normally and nothing of its group "
    "survives") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  e2e::sling_parked(p, {"fork", "--capability", "coordinator", "#!fork-exit"});
  auto r = e2e::turn_ok(p, "fork");
  CHECK(e2e::contains(r.err, "leftover processes after the agent exited"));  // the child was there
  const json turn = e2e::last_turn(p, "fork");
  CHECK(turn["outcome"] == "waiting");
  CHECK(turn["exit_code"] == 0);
  CHECK(turn["signal"].is_null());
  CHECK(e2e::state_of(p, "fork") == "between_turns");
  // Right when the turn has settled, not eventually: the 2 s sleeper was killed, not waited for.
  CHECK_FALSE(e2e::group_alive(recorded_pgid(p, "fork", turn["id"].get<long long>())));
  CHECK(e2e::live_agent_processes(p, "fork").empty());
}

TEST_CASE(
    "hostile: a tool input nested 100,000 deep is stored and shown by every view without "
    "crashing") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  e2e::sling_parked(p, {"deep", "--capability", "coordinator", "#!deep 100000\n#!say after"});
  e2e::turn_ok(p, "deep");
  CHECK(e2e::last_turn(p, "deep")["outcome"] == "waiting");
  auto tools = e2e::events(p, "deep", "tool_start");
  REQUIRE(tools.size() == 1);
  CHECK(tools[0]["data"]["tool"] == "Deep");
  CHECK(tools[0]["data"]["input"].get<std::string>().rfind("[[[[", 0) == 0);  // kept as text
  for (std::vector<std::string> view : {std::vector<std::string>{"log", "deep"},
                                        {"log", "deep", "--json"},
                                        {"log", "deep", "--raw"},
                                        {"status", "deep"},
                                        {"status", "deep", "--json"}}) {
    auto v = p.drover(view);
    INFO(view[0] << " " << view.back() << ": " << v.err);
    CHECK(v.code == 0);
  }
  // --raw --json gives each transcript line as JSON, but this one as text: printing it as
  // JSON again would recurse 100,000 levels.
  auto raw = p.drover({"log", "deep", "--raw", "--json"});
  INFO("stderr: " << raw.err);
  REQUIRE(raw.code == 0);
  int as_text = 0, as_json = 0;
  const json doc = raw.json();
  for (const auto& line : doc["lines"]) {
    if (line.is_string() && e2e::contains(line.get<std::string>(), std::string(1000, '[')))
      ++as_text;
    if (line.is_object()) ++as_json;
  }
  CHECK(as_text == 1);
  CHECK(as_json >= 4);  // init, the tool result, the text and the result
}

TEST_CASE(
    "hostile: with umask 000, every directory drover makes under .drover/ is 0700 and every file "
    "0600") {
  Umask open_to_all(0);
  TempProject p;
  p.init_scripted();
  // A foreground supervisor: it creates its log itself (`up` would hand it one it opened).
  auto supervisor = std::async(std::launch::async, [&p] { return e2e::run(p, {"supervise"}); });
  REQUIRE(e2e::wait_until([&] { return fs::exists(p.root() / ".drover/supervisor.sock"); },
                          e2e::kDeadline));
  e2e::sling(p, {"alice", "--capability", "coordinator", "#!say hi\n#!stderr to the log"});
  CHECK(e2e::wait_until(
      [&] {
        return e2e::turn_count(p, "alice") == 1 && e2e::state_of(p, "alice") == "between_turns";
      },
      e2e::kDeadline));
  e2e::ok(p, {"down"});
  auto sup = supervisor.get();
  INFO("supervise: " << sup.err);
  CHECK(sup.code == 0);

  int dirs = 0, files = 0;
  const fs::path worktrees = p.root() / ".drover/worktrees";
  for (auto it = fs::recursive_directory_iterator(p.root() / ".drover");
       it != fs::recursive_directory_iterator(); ++it) {
    const fs::path& path = it->path();
    if (path.parent_path() == worktrees) it.disable_recursion_pending();  // git's, not drover's
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    const unsigned mode = st.st_mode & 07777;
    CAPTURE(path);
    CAPTURE(mode);
    if (S_ISDIR(st.st_mode)) {
      ++dirs;
      CHECK(mode == 0700);
    } else if (S_ISREG(st.st_mode)) {
      ++files;
      CHECK(mode == 0600);
    } else {
      CHECK(S_ISSOCK(st.st_mode));  // nothing else belongs here
    }
  }
  struct stat top {};
  REQUIRE(::stat((p.root() / ".drover").c_str(), &top) == 0);
  CHECK((top.st_mode & 07777) == 0700);
  // The walk saw what this test is about: the log files of the turn and the supervisor.
  CHECK(fs::exists(p.root() / ".drover/logs/supervisor.log"));
  CHECK(fs::exists(p.root() / ".drover/logs/alice/1.stderr.log"));
  CHECK(dirs >= 5);
  CHECK(files >= 8);
}
