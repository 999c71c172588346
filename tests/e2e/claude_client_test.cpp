// The real Claude Code CLI as a peer: when a `claude` executable is on PATH, drover's
// argv for the default runtime must be one it accepts, and a turn against it (which
// cannot reach the model here) must settle as a failed turn, not hang or crash.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "support/command.h"
#include "support/project.h"

using e2e::TempProject;

namespace {

std::string find_on_path(const std::string& exe) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + exe).c_str(), X_OK) == 0) return dir + "/" + exe;
  return "";
}

}  // namespace

TEST_CASE("claude client: the argv drover builds uses flags the installed claude accepts") {
  std::string claude = find_on_path("claude");
  if (claude.empty()) {
    MESSAGE(
        "no claude executable on PATH: skipped (npm install -g @anthropic-ai/claude-code to run "
        "it)");
    return;
  }
  auto help = e2e::command({claude, "--help"});
  REQUIRE(help.code == 0);
  for (const char* flag : {"--print", "--output-format", "--input-format", "--verbose",
                           "--permission-mode", "--resume", "--model"})
    CHECK_MESSAGE(help.out.find(flag) != std::string::npos, flag);

  TempProject p;
  p.init();
  e2e::RunOptions o;
  o.env = p.agent_env();
  REQUIRE(p.drover({"sling", "alice", "say hello", "--model", "sonnet", "--no-start"}, o).code ==
          0);
  auto turn = p.drover({"turn", "alice", "--json"}, o);
  // No credentials and no network here (and root refuses bypassPermissions): every turn
  // fails, which is exactly the failed-turn path.
  CHECK(turn.code == 1);
  auto log = p.drover({"log", "alice", "--json"});
  REQUIRE(log.code == 0);
  auto doc = log.json();
  bool saw_start = false;
  for (const auto& e : doc["events"]) {
    if (e["kind"] != "turn_start") continue;
    saw_start = true;
    std::vector<std::string> argv = e["data"]["argv"];
    std::vector<std::string> expected = {
        "claude",      "-p",        "--output-format",   "stream-json",       "--input-format",
        "stream-json", "--verbose", "--permission-mode", "bypassPermissions", "--model",
        "sonnet"};
    CHECK(argv == expected);
  }
  CHECK(saw_start);
  auto st = p.drover({"status", "alice", "--json"});
  auto agent = st.json()["agent"];
  CHECK(agent["state"] == "between_turns");
  CHECK(agent["failed_turns"] == 1);
  CHECK(agent["state_reason"].get<std::string>().size() > 0);
}
