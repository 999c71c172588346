// End-to-end: failures that say why and do not repeat pointlessly (issue 16 item 7): the
// runtime's own words as state_reason and as --wait's last line, failures no retry fixes
// ending the agent at once, --wait following an agent through its retries, the root
// warning of `sling`, and doctor's version and login checks of a Claude Code stand-in.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "fixtures_dir.h"
#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using namespace e2e;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kNotLoggedIn = "Not logged in · Please run /login";
const std::string kRootRefusal =
    "--dangerously-skip-permissions cannot be used with root/sudo privileges for security "
    "reasons";

std::string real_transcript(const std::string& name) {
  return (fs::path(drover_fixtures_dir()) / "transcripts" / "real" / name).string();
}

// The turns the agent ran.
long long turns_of(const TempProject& p, const std::string& agent) {
  return sql_int(p, "SELECT count(*) FROM turns WHERE agent='" + agent + "'");
}

// How many lines of `text` contain `needle`.
int lines_with(const std::string& text, const std::string& needle) {
  int n = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? nl : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    n += contains(line, needle);
  }
  return n;
}

// A `claude` stand-in: a version, a --help that lists `auth` when `with_auth`, and an
// `auth status` that answers like Claude Code 2.x (JSON; exit 1 when not logged in).
// Anything else (a turn) is refused loudly: doctor must never start one.
fs::path fake_claude(const TempProject& p, bool with_auth, bool logged_in) {
  fs::path bin = p.root() / "fakebin";
  fs::create_directories(bin);
  std::string status = logged_in ? R"(echo '{"loggedIn": true, "authMethod": "claude.ai"}'; exit 0)"
                                 : R"(echo '{"loggedIn": false, "authMethod": "none"}'; exit 1)";
  write_text(
      bin / "claude",
      "#!/bin/sh\n"
      "case \"$1\" in\n"
      "  --version) echo '9.9.9 (Claude Code)'; exit 0;;\n"
      "  --help) printf 'Usage: claude [options] [command]\\n\\nCommands:\\n" +
          std::string(with_auth ? "  auth   Manage authentication\\n" : "") +
          "  doctor   Check the health\\n'; exit 0;;\n"
          "  auth) " +
          status +
          ";;\n"
          "esac\n"
          "echo 'a turn was started' >&2; touch \"$(dirname \"$0\")/turn-started\"; exit 3\n");
  ::chmod((bin / "claude").c_str(), 0755);
  return bin;
}

RunOptions fake_claude_env(const fs::path& bin, const fs::path& home) {
  const char* path = std::getenv("PATH");
  return with_env({{"PATH", bin.string() + ":" + (path ? path : "/usr/bin:/bin")},
                   {"HOME", home.string()},
                   {"CLAUDE_CONFIG_DIR", ""},
                   {"ANTHROPIC_API_KEY", ""},
                   {"ANTHROPIC_AUTH_TOKEN", ""},
                   {"CLAUDE_CODE_OAUTH_TOKEN", ""}});
}

json check_named(const json& doc, const std::string& name) {
  for (const auto& c : doc["checks"])
    if (c["name"] == name) return c;
  FAIL("no check named '" << name << "' in " << doc.dump(2));
  return json();
}

}  // namespace

TEST_CASE(
    "failure words: not logged in (the real transcript) fails the agent after one turn, in "
    "Claude Code's words, with one worker_died and a hint") {
  TempProject p;
  p.init_scripted();
  Run r =
      run(p, {"sling", "fw1", "--parent", "boss", "--wait",
              "#!replay " + real_transcript("claude-2.1.328-not-logged-in.ndjson") + "\n#!exit 1"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  // The final line: the agent's state and Claude Code's own words, then what to do.
  CHECK(contains(r.err, "fw1 is failed"));
  CHECK(contains(r.err, kNotLoggedIn));
  CHECK(contains(r.err, "run `claude` once"));
  CHECK_FALSE(contains(r.err, "session lost"));
  json row = agent_row(p, "fw1");
  CHECK(row["state"] == "failed");
  CHECK(row["state_reason"].get<std::string>().rfind(kNotLoggedIn, 0) == 0);
  CHECK(row["retry_after"].is_null());
  // The runtime never saved that session: a later resume must not ask for it.
  CHECK(row["runtime_session_id"].is_null());
  CHECK(turns_of(p, "fw1") == 1);
  auto died = worker_died_to(p, "boss");
  REQUIRE(died.size() == 1);
  CHECK(contains(died[0]["payload"]["reason"].get<std::string>(), kNotLoggedIn));
  CHECK(died[0]["payload"]["terminated_by"] == "runner");
  // No retry is scheduled: still one turn once the supervisor had time to start another.
  CHECK(released_flags(p, dispatch_id(p, "fw1")) == "1|1");
  p.drover({"down"});
  CHECK(turns_of(p, "fw1") == 1);
}

TEST_CASE("failure words: Claude Code's root refusal fails the agent at once with the hint") {
  TempProject p;
  p.init_scripted();
  Run r = run(p, {"sling", "rooted", "--wait",
                  "#!no-init\n#!no-result\n#!stderr " + kRootRefusal + "\n#!exit 1"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "root/sudo privileges"));
  CHECK(contains(r.err, "run drover as a normal user"));
  json row = agent_row(p, "rooted");
  CHECK(row["state"] == "failed");
  CHECK(row["state_reason"].get<std::string>().rfind(kRootRefusal, 0) == 0);
  CHECK(turns_of(p, "rooted") == 1);
  CHECK(worker_died_to(p, "operator").size() == 1);
}

TEST_CASE("failure words: a runtime command that does not exist fails at once, saying what to do") {
  TempProject p;
  p.init_scripted();
  write_text(p.root() / ".drover/config.toml",
             read_text(p.root() / ".drover/config.toml") +
                 "\n[runtimes.missing]\ncommand = [\"/nonexistent/claude\", \"-p\"]\n");
  Run r = run(p, {"sling", "gone", "--runtime", "missing", "--wait", "#!say hi"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "gone is failed"));
  CHECK(contains(r.err, "cannot run '/nonexistent/claude': No such file or directory"));
  CHECK(contains(r.err, "fix the runtime's command in .drover/config.toml"));
  CHECK(state_of(p, "gone") == "failed");
  CHECK(worker_died_to(p, "operator").size() == 1);
}

TEST_CASE(
    "failure words: sling --wait follows a failing-then-retried agent through the retry to "
    "completed") {
  TempProject p;
  p.init_scripted("supervisor.retry_backoff = \"1s\"\n");
  const std::string runs = (p.root() / "runs").string();
  Run r = run(p, {"sling", "flaky", "--wait",
                  "#!fail-runs 1 " + runs +
                      " API Error: 529 Overloaded\n#!say second try\n"
                      "#!mail --to operator --type worker_done --subject done --body ok"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 0);
  CHECK(lines_with(r.out, "retrying in 1 s (2/3): API Error: 529 Overloaded") == 1);
  CHECK(contains(r.out, "flaky#1"));
  CHECK(contains(r.out, "flaky#2"));  // the second turn's events are shown too
  CHECK(contains(r.out, "second try"));
  CHECK(r.out.find("retrying in") < r.out.find("second try"));
  CHECK(state_of(p, "flaky") == "completed");
  CHECK(turns_of(p, "flaky") == 2);
}

TEST_CASE(
    "failure words: an agent that keeps failing is followed to its end, the last line in the "
    "runtime's words") {
  TempProject p;
  p.init_scripted("supervisor.max_failed_turns = 2\nsupervisor.retry_backoff = \"1s\"\n");
  Run r = run(p, {"sling", "doomed", "--wait", "#!error-result API Error: 500 boom"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  CHECK(lines_with(r.out, "retrying in 1 s (2/2): API Error: 500 boom") == 1);
  CHECK(contains(r.out, "doomed#2"));
  CHECK(contains(r.err, "doomed is zombie"));
  CHECK(contains(r.err, "API Error: 500 boom"));
  CHECK_FALSE(contains(r.err, "error result:"));
  CHECK(turns_of(p, "doomed") == 2);
  CHECK(worker_died_to(p, "operator").size() == 1);
}

TEST_CASE("failure words: nudge --wait follows the nudge through a retry of its turn") {
  TempProject p;
  p.init_scripted("supervisor.retry_backoff = \"1s\"\n");
  sling(p, {"coord", "--capability", "coordinator", "#!say ready"});
  REQUIRE(wait_until(
      [&] { return turns_of(p, "coord") == 1 && state_of(p, "coord") == "between_turns"; }));
  const std::string runs = (p.root() / "runs").string();
  Run r = run(p, {"nudge", "coord", "--wait",
                  "#!fail-runs 1 " + runs + " API Error: 529 Overloaded\n#!say nudged"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 0);
  CHECK(lines_with(r.out, "retrying in 1 s (2/3): API Error: 529 Overloaded") == 1);
  CHECK(contains(r.out, "nudged"));
}

TEST_CASE("failure words: sling as root with a runtime that skips permissions warns first") {
  TempProject p;
  p.init_scripted();
  const fs::path config = p.root() / ".drover/config.toml";
  const std::string original = read_text(config);
  const std::string head = "[runtimes.scripted]\ncommand = [\"" + agent_bin() + "\"";
  std::string cfg = original;
  auto at = cfg.find(head);
  REQUIRE(at != std::string::npos);
  cfg.insert(at + head.size(), ", \"--permission-mode\", \"bypassPermissions\"");
  write_text(config, cfg);
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"warn-plain", {}}, {"warn-quiet", {"-q"}}, {"warn-json", {"--json"}}};
  for (const auto& [name, extra] : cases) {
    std::vector<std::string> args = {"sling", name, "--no-start", "#!say hi"};
    args.insert(args.end(), extra.begin(), extra.end());
    Run r = p.drover(args);
    INFO(name << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.code == 0);
    if (::geteuid() == 0) {
      CHECK(lines_with(r.err, "drover: warning: running as root") == 1);
      CHECK(contains(r.err, "bypassPermissions"));
      CHECK(contains(r.err, "normal user"));
    } else {
      CHECK_FALSE(contains(r.err, "running as root"));
    }
    if (name == "warn-json") CHECK(r.json()["state"] == "booting");
  }
  // A runtime that does not skip permissions is not warned about.
  write_text(config, original);
  Run plain = p.drover({"sling", "plain", "--no-start", "#!say hi"});
  CHECK(plain.code == 0);
  CHECK_FALSE(contains(plain.err, "running as root"));
}

TEST_CASE("failure words: doctor runs the runtime's version command and checks the claude login") {
  TempProject p;
  p.init();  // the default runtime is claude
  fs::path home = p.root() / "home";
  fs::create_directories(home);

  SUBCASE("logged in, says `claude auth status`") {
    auto env = fake_claude_env(fake_claude(p, true, true), home);
    Run r = p.drover({"doctor", "--json"}, env);
    INFO(r.out << r.err);
    json doc = r.json();
    CHECK(check_named(doc, "runtime claude version")["status"] == "pass");
    CHECK(check_named(doc, "runtime claude version")["message"] == "9.9.9 (Claude Code)");
    json login = check_named(doc, "runtime claude login");
    CHECK(login["status"] == "pass");
    CHECK(contains(login["message"].get<std::string>(), "claude.ai"));
  }
  SUBCASE("not logged in: fails, says how to fix it, and spends nothing") {
    fs::path bin = fake_claude(p, true, false);
    auto env = fake_claude_env(bin, home);
    Run r = p.drover({"doctor"}, env);
    INFO(r.out << r.err);
    CHECK(r.code == 1);
    CHECK(contains(r.out, "FAIL runtime claude login: Claude Code is not logged in"));
    CHECK(contains(r.out, "run `claude` once and log in with /login"));
    CHECK(contains(r.out, "ANTHROPIC_API_KEY"));
    CHECK_FALSE(fs::exists(bin / "turn-started"));
  }
  SUBCASE("a claude that cannot say its version fails the report (it is the default runtime)") {
    fs::path bin = fake_claude(p, true, true);
    write_text(bin / "claude",
               "#!/bin/sh\necho 'Error: Cannot find module ./cli.js' >&2\nexit 1\n");
    Run r = p.drover({"doctor", "--json"}, fake_claude_env(bin, home));
    json c = check_named(r.json(), "runtime claude version");
    CHECK(c["status"] == "fail");
    CHECK(contains(c["message"].get<std::string>(), "exited 1: Error: Cannot find module"));
    CHECK(r.code == 1);
  }
  SUBCASE("no auth subcommand: judged by the credentials file, never by running a prompt") {
    fs::path bin = fake_claude(p, false, true);
    auto env = fake_claude_env(bin, home);
    json login = check_named(p.drover({"doctor", "--json"}, env).json(), "runtime claude login");
    CHECK(login["status"] == "fail");
    CHECK(contains(login["message"].get<std::string>(), ".credentials.json"));
    CHECK_FALSE(fs::exists(bin / "turn-started"));
    fs::create_directories(home / ".claude");
    write_text(home / ".claude/.credentials.json", "{}");
    login = check_named(p.drover({"doctor", "--json"}, env).json(), "runtime claude login");
    CHECK(login["status"] == "pass");
  }
}

TEST_CASE("failure words: doctor reports a version command that fails or hangs") {
  TempProject p;
  p.init_scripted();
  fs::path bin = p.root() / "fakebin";
  fs::create_directories(bin);
  write_text(bin / "broken", "#!/bin/sh\necho 'broken: cannot load libfoo.so' >&2\nexit 2\n");
  ::chmod((bin / "broken").c_str(), 0755);
  std::string cfg = read_text(p.root() / ".drover/config.toml");
  cfg += "\n[runtimes.broken]\ncommand = [\"" + (bin / "broken").string() + "\"]\n";
  auto def = cfg.find("runtime = \"scripted\"");
  REQUIRE(def != std::string::npos);
  cfg.replace(def, std::string("runtime = \"scripted\"").size(), "runtime = \"broken\"");
  write_text(p.root() / ".drover/config.toml", cfg);
  Run r = p.drover({"doctor", "--json"});
  INFO(r.out << r.err);
  json c = check_named(r.json(), "runtime broken version");
  CHECK(c["status"] == "warn");  // not claude: a warning, even for the default runtime
  CHECK(contains(c["message"].get<std::string>(), "exited 2: broken: cannot load libfoo.so"));
  CHECK(check_named(r.json(), "runtime scripted version")["status"] == "pass");
}
