// doctor: each configured runtime answers its version command, and Claude Code is logged
// in (issue 16 item 7). Runs real processes, each bounded in time; none spends a token.
#include <cstdlib>
#include <filesystem>

#include "cli/doctor_checks.h"
#include "core/claude_login.h"
#include "core/text.h"
#include "os/host.h"
#include "os/run_command.h"

namespace drover::cli::doctor_checks {

namespace dr = drover::doctor;

namespace {

// A version command that takes longer than this is broken for our purposes.
constexpr std::chrono::milliseconds kProbeTimeout{5000};

// Runs `exe ARGS…` in the project root, stdin closed.
Result<os::CommandOutput> probe(const Facts& f, const std::filesystem::path& exe,
                                std::vector<std::string> args) {
  os::SpawnRequest req;
  req.argv.push_back(exe.string());
  req.argv.insert(req.argv.end(), args.begin(), args.end());
  req.cwd = f.paths.root;
  req.env_extra = {{"NO_COLOR", "1"}};
  return os::run_command(req, kProbeTimeout);
}

std::string probe_first_line(const std::string& text) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? nl : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    if (line.find_first_not_of(" \t\r") != std::string::npos) return one_line_summary(line, 100);
  }
  return "";
}

bool probe_is_claude(const std::filesystem::path& exe) {
  return exe.filename() == "claude" || exe.filename() == "claude.exe";
}

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

// Where Claude Code keeps its login: $CLAUDE_CONFIG_DIR or ~/.claude.
CredentialFacts probe_credentials() {
  CredentialFacts c;
  c.api_key_env = env_set("ANTHROPIC_API_KEY") || env_set("ANTHROPIC_AUTH_TOKEN");
  c.oauth_token_env = env_set("CLAUDE_CODE_OAUTH_TOKEN");
  std::filesystem::path dir;
  if (env_set("CLAUDE_CONFIG_DIR")) dir = std::getenv("CLAUDE_CONFIG_DIR");
  else if (env_set("HOME")) dir = std::filesystem::path(std::getenv("HOME")) / ".claude";
  else dir = "~/.claude";
  auto file = dir / ".credentials.json";
  std::error_code ec;
  c.credentials_file = std::filesystem::is_regular_file(file, ec);
  c.credentials_path = file.string();
  return c;
}

// `claude auth status` when this claude has it (its --help lists `auth`), else the files
// and variables it would read its credentials from.
LoginVerdict claude_login(const Facts& f, const std::filesystem::path& exe, std::string& how) {
  auto help = probe(f, exe, {"--help"});
  if (help && help_lists_auth(help->out)) {
    auto status = probe(f, exe, {"auth", "status"});
    if (status) {
      how = "'claude auth status'";
      return judge_auth_status(status->exit_code, status->out, status->err);
    }
  }
  how = "its credentials";
  return judge_credentials(probe_credentials());
}

}  // namespace

void runtime_probes(const Facts& f, std::vector<Check>& out) {
  for (const auto& [name, rt] : f.config.runtimes) {
    if (rt.command.empty()) continue;
    auto exe = os::find_executable(rt.command[0], f.paths.root);
    if (!exe) continue;  // runtimes() said why
    bool used = runtime_in_use(f, name);
    bool claude = probe_is_claude(*exe);
    auto trouble = [&](const std::string& check, const std::string& msg) {
      out.push_back(used ? dr::fail(check, msg) : dr::warn(check, msg));
    };
    // Claude Code answers --version; another runtime (a shell wrapper) may not, and its
    // turns can still work: only a warning then.
    auto version_trouble = [&](const std::string& check, const std::string& msg) {
      if (claude) trouble(check, msg);
      else
        out.push_back(
            dr::warn(check, msg + " (a command that takes no --version can ignore this)"));
    };
    const std::string check = "runtime " + name + " version";
    auto v = probe(f, *exe, {"--version"});
    if (!v) {
      version_trouble(check, "'" + rt.command[0] + " --version' " + v.error().message);
      continue;
    }
    std::string said = probe_first_line(v->out);
    if (said.empty()) said = probe_first_line(v->err);
    if (!v->ok()) {
      version_trouble(check, "'" + rt.command[0] + " --version' exited " +
                                 std::to_string(v->exit_code) + (said.empty() ? "" : ": " + said));
      continue;
    }
    out.push_back(dr::pass(check, said.empty() ? "answers --version" : said));
    if (!claude) continue;
    std::string how;
    auto login = claude_login(f, *exe, how);
    const std::string login_check = "runtime " + name + " login";
    if (login.state == LoginState::logged_in)
      out.push_back(dr::pass(
          login_check,
          "logged in" + (login.detail.empty() ? std::string() : " (" + login.detail + ")")));
    else
      trouble(login_check, "Claude Code is not logged in, says " + how + ": " + login.detail +
                               "; every turn would fail: " + login_fix_hint());
  }
}

}  // namespace drover::cli::doctor_checks
