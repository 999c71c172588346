#pragma once
// Whether Claude Code is logged in, judged without spending a token (doctor, issue 16
// item 7): from `claude auth status` when the installed version has that subcommand,
// else from the credentials it would use. Pure: the outputs and facts in, a verdict out.
#include <string>
#include <string_view>

namespace drover {

enum class LoginState { logged_in, not_logged_in, unknown };

struct LoginVerdict {
  LoginState state = LoginState::unknown;
  std::string detail;  // "api_key from ANTHROPIC_API_KEY", "no credentials found", …
};

// True when `claude --help` lists an `auth` command (Claude Code 2.x: "  auth   Manage
// authentication"). Older versions take unknown words for a prompt, so doctor never
// runs `claude auth status` unless this says the subcommand exists.
bool help_lists_auth(std::string_view help_text);

// Reads `claude auth status` (JSON by default: {"loggedIn":…,"authMethod":…,
// "apiKeySource":…}, exit 1 when not logged in). Output that is not that JSON is judged by
// the exit code, with its first line as the detail.
LoginVerdict judge_auth_status(int exit_code, std::string_view out, std::string_view err);

// Where credentials could come from when there is no `auth status` to ask.
struct CredentialFacts {
  bool api_key_env = false;       // ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) is set
  bool oauth_token_env = false;   // CLAUDE_CODE_OAUTH_TOKEN is set
  bool credentials_file = false;  // ~/.claude/.credentials.json (or under CLAUDE_CONFIG_DIR)
  std::string credentials_path;   // where it was looked for
};
LoginVerdict judge_credentials(const CredentialFacts& facts);

// What to do about a Claude Code that is not logged in.
std::string login_fix_hint();

}  // namespace drover
