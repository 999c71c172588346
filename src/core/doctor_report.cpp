#include "core/doctor_report.h"

#include "core/failure_kind.h"

namespace drover::doctor {

std::string_view to_string(CheckStatus s) {
  switch (s) {
    case CheckStatus::pass: return "pass";
    case CheckStatus::warn: return "warn";
    case CheckStatus::fail: return "fail";
  }
  return "fail";
}

namespace {
Check make(CheckStatus st, std::string name, std::string message) {
  Check c;
  c.name = std::move(name);
  c.status = st;
  c.message = std::move(message);
  return c;
}

std::string_view label(CheckStatus s) {
  switch (s) {
    case CheckStatus::pass: return "ok   ";
    case CheckStatus::warn: return "WARN ";
    case CheckStatus::fail: return "FAIL ";
  }
  return "FAIL ";
}

std::string plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}
}  // namespace

Check pass(std::string name, std::string message) {
  return make(CheckStatus::pass, std::move(name), std::move(message));
}
Check warn(std::string name, std::string message) {
  return make(CheckStatus::warn, std::move(name), std::move(message));
}
Check fail(std::string name, std::string message) {
  return make(CheckStatus::fail, std::move(name), std::move(message));
}

Check with_fix(Check c, std::string action) {
  c.fix_state = FixState::available;
  c.fix = std::move(action);
  return c;
}

std::string format_line(const Check& c) {
  std::string line = std::string(label(c.status)) + c.name + ": " + c.message;
  switch (c.fix_state) {
    case FixState::none: break;
    case FixState::available: line += " ('drover doctor --fix' will " + c.fix + ")"; break;
    case FixState::fixed: line += " — fixed: " + c.fix; break;
    case FixState::failed: line += " — not fixed: " + c.fix; break;
  }
  return line;
}

bool report_ok(const std::vector<Check>& checks) {
  for (const auto& c : checks)
    if (c.status == CheckStatus::fail && c.fix_state != FixState::fixed) return false;
  return true;
}

std::string summary_line(const std::vector<Check>& checks) {
  int ok = 0, warned = 0, failed = 0, fixable = 0, fixed = 0;
  for (const auto& c : checks) {
    if (c.status == CheckStatus::pass) ++ok;
    if (c.status == CheckStatus::warn) ++warned;
    if (c.status == CheckStatus::fail) ++failed;
    if (c.fix_state == FixState::available) ++fixable;
    if (c.fix_state == FixState::fixed) ++fixed;
  }
  std::string line = std::to_string(ok) + " ok, " + plural(warned, "warning", "warnings") + ", " +
                     std::to_string(failed) + " failed";
  if (fixed > 0) line += "; fixed " + std::to_string(fixed);
  if (fixable > 0) line += "; 'drover doctor --fix' fixes " + std::to_string(fixable);
  return line;
}

TurnPidVerdict judge_turn_pid(bool parsed, bool alive, bool lock_held) {
  if (lock_held) return TurnPidVerdict::running;
  if (parsed && alive) return TurnPidVerdict::orphan;
  return TurnPidVerdict::stale;
}

bool skips_permissions(const std::vector<std::string>& command) {
  for (const auto& arg : command)
    if (arg.find("bypassPermissions") != std::string::npos ||
        arg == "--dangerously-skip-permissions")
      return true;
  return false;
}

std::string root_refusal_warning(std::string_view runtimes) {
  return "running as root, and runtime " + std::string(runtimes) +
         " uses bypassPermissions, which Claude Code refuses as root ('" +
         std::string(kRootRefusal) +
         "'): its turns would fail at once; run drover as a normal user, or drop "
         "'--permission-mode bypassPermissions' from the runtime's command in "
         ".drover/config.toml";
}

std::string runtime_fix_hint(std::string_view runtime, std::string_view executable) {
  auto slash = executable.rfind('/');
  std::string_view base =
      slash == std::string_view::npos ? executable : executable.substr(slash + 1);
  std::string install = runtime == "claude" || base == "claude"
                            ? "install Claude Code ('npm install -g @anthropic-ai/claude-code')"
                            : "install '" + std::string(executable) + "' (or put it on PATH)";
  return install + ", or change [runtimes." + std::string(runtime) +
         "].command in .drover/config.toml";
}

}  // namespace drover::doctor
