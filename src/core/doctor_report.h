#pragma once
// The checks `drover doctor` reports (SPEC §6.9) and the judgements that need no system:
// how a check reads, whether the report passes, what a turn.pid means, which runtime
// commands Claude Code refuses as root. Pure.
#include <string>
#include <string_view>
#include <vector>

namespace drover::doctor {

enum class CheckStatus { pass, warn, fail };
std::string_view to_string(CheckStatus s);  // "pass", "warn", "fail"

enum class FixState {
  none,       // nothing doctor can safely do about it
  available,  // `fix` says what --fix would do ("remove turn.pid")
  fixed,      // --fix did it; `fix` says what was done ("removed turn.pid")
  failed,     // --fix tried and could not; `fix` says why
};

struct Check {
  std::string name;  // "database integrity", "turn.pid alice", …
  CheckStatus status = CheckStatus::pass;
  std::string message;
  FixState fix_state = FixState::none;
  std::string fix;
};

Check pass(std::string name, std::string message);
Check warn(std::string name, std::string message);
Check fail(std::string name, std::string message);
// Marks a check as fixable by --fix with `action` (imperative: "remove turn.pid").
Check with_fix(Check c, std::string action);

// One human line: "ok   database integrity: ok", "WARN turn.pid alice: …", "FAIL …",
// with what --fix did or would do appended.
std::string format_line(const Check& c);
// True when no check failed, a failure that --fix repaired not counting.
bool report_ok(const std::vector<Check>& checks);
// "14 ok, 1 warning, 1 failed; 'drover doctor --fix' fixes 2" and the like.
std::string summary_line(const std::vector<Check>& checks);

// What a turn.pid means, given whether it parsed, whether the very process it names is
// alive (identity verified), and whether a runner holds the agent's turn lock.
enum class TurnPidVerdict {
  running,  // a runner holds the lock: it owns turn.pid, leave it alone
  stale,    // no runner, and the file is garbage or names a dead or reused pid
  orphan,   // no runner, but the process named is alive: a dead runner left it
};
TurnPidVerdict judge_turn_pid(bool parsed, bool alive, bool lock_held);

// True when the runtime's argv asks Claude Code to skip permission prompts, which it
// refuses to do as root (bypassPermissions or --dangerously-skip-permissions).
bool skips_permissions(const std::vector<std::string>& command);
// What doctor and `sling` say when drover runs as root and `runtimes` (names, joined) skip
// permission prompts: Claude Code will refuse every turn, and how to avoid it.
std::string root_refusal_warning(std::string_view runtimes);

// How to get a runtime's executable: the npm package for claude, else install it; and
// always the config key that names it.
std::string runtime_fix_hint(std::string_view runtime, std::string_view executable);

}  // namespace drover::doctor
