#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/doctor_report.h"

using namespace drover::doctor;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST_CASE("doctor: a check reads as one line with its status label") {
  CHECK(format_line(pass("database integrity", "ok")) == "ok   database integrity: ok");
  CHECK(format_line(warn("git", "not found")) == "WARN git: not found");
  CHECK(format_line(fail("runtime claude", "cannot run 'claude'")) ==
        "FAIL runtime claude: cannot run 'claude'");
  CHECK(to_string(CheckStatus::pass) == "pass");
  CHECK(to_string(CheckStatus::warn) == "warn");
  CHECK(to_string(CheckStatus::fail) == "fail");
}

TEST_CASE("doctor: the line says what --fix would do, did, or could not do") {
  Check c = with_fix(warn("turn.pid alice", "stale"), "remove turn.pid");
  CHECK(c.fix_state == FixState::available);
  CHECK(format_line(c) ==
        "WARN turn.pid alice: stale ('drover doctor --fix' will remove turn.pid)");
  c.fix_state = FixState::fixed;
  c.fix = "removed turn.pid";
  CHECK(format_line(c) == "WARN turn.pid alice: stale — fixed: removed turn.pid");
  c.fix_state = FixState::failed;
  c.fix = "a runner took the turn lock meanwhile";
  CHECK(format_line(c) ==
        "WARN turn.pid alice: stale — not fixed: a runner took the turn lock meanwhile");
}

TEST_CASE("doctor: the report fails on an unrepaired failure only") {
  CHECK(report_ok({}));
  CHECK(report_ok({pass("a", "x"), warn("b", "y")}));
  CHECK_FALSE(report_ok({pass("a", "x"), fail("b", "y")}));
  Check orphan = with_fix(fail("turn.pid bob", "orphan process 42"), "kill its process group");
  CHECK_FALSE(report_ok({orphan}));
  orphan.fix_state = FixState::failed;
  CHECK_FALSE(report_ok({orphan}));
  orphan.fix_state = FixState::fixed;
  CHECK(report_ok({orphan}));
}

TEST_CASE("doctor: the summary counts statuses and fixes") {
  std::vector<Check> checks{pass("a", ""), pass("b", ""), warn("c", ""), fail("d", "")};
  CHECK(summary_line(checks) == "2 ok, 1 warning, 1 failed");
  checks.push_back(with_fix(warn("e", ""), "remove it"));
  CHECK(summary_line(checks) == "2 ok, 2 warnings, 1 failed; 'drover doctor --fix' fixes 1");
  checks.back().fix_state = FixState::fixed;
  CHECK(summary_line(checks) == "2 ok, 2 warnings, 1 failed; fixed 1");
}

TEST_CASE("doctor: a turn.pid is running, stale or an orphan") {
  // Whoever holds the turn lock owns turn.pid, whatever it says.
  CHECK(judge_turn_pid(true, true, true) == TurnPidVerdict::running);
  CHECK(judge_turn_pid(true, false, true) == TurnPidVerdict::running);
  CHECK(judge_turn_pid(false, false, true) == TurnPidVerdict::running);
  // No runner: garbage, a dead pid or a reused pid is stale; a verified live one an orphan.
  CHECK(judge_turn_pid(false, false, false) == TurnPidVerdict::stale);
  CHECK(judge_turn_pid(true, false, false) == TurnPidVerdict::stale);
  CHECK(judge_turn_pid(true, true, false) == TurnPidVerdict::orphan);
}

TEST_CASE("doctor: which runtime commands Claude Code refuses as root") {
  CHECK(skips_permissions({"claude", "-p", "--permission-mode", "bypassPermissions"}));
  CHECK(skips_permissions({"claude", "--permission-mode=bypassPermissions"}));
  CHECK(skips_permissions({"claude", "--dangerously-skip-permissions"}));
  CHECK_FALSE(skips_permissions({"claude", "-p", "--permission-mode", "acceptEdits"}));
  CHECK_FALSE(skips_permissions({}));
}

TEST_CASE("doctor: the fix hint for a missing runtime names the package and the config key") {
  std::string claude = runtime_fix_hint("claude", "claude");
  CHECK(contains(claude, "npm install -g @anthropic-ai/claude-code"));
  CHECK(contains(claude, "[runtimes.claude].command"));
  CHECK(contains(runtime_fix_hint("fast", "/opt/bin/claude"),
                 "npm install -g @anthropic-ai/claude-code"));
  std::string other = runtime_fix_hint("scripted", "/nonexistent/agent");
  CHECK_FALSE(contains(other, "npm"));
  CHECK(contains(other, "install '/nonexistent/agent'"));
  CHECK(contains(other, "[runtimes.scripted].command in .drover/config.toml"));
}
