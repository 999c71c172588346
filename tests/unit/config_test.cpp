#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.h"

using namespace drover;
using Argv = std::vector<std::string>;

namespace {

constexpr const char* kFile = "/proj/.drover/config.toml";

Config parse_ok(const std::string& text) {
  CAPTURE(text);
  auto r = parse_config(text, kFile);
  if (!r.ok()) FAIL_CHECK(r.error().message);
  REQUIRE(r.ok());
  return *r;
}

std::string parse_err(const std::string& text) {
  CAPTURE(text);
  auto r = parse_config(text, kFile);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::project);
  CHECK(r.error().message.find(kFile) != std::string::npos);
  return r.error().message;
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const Argv kClaudeCommand = {
    "claude",      "-p",        "--output-format",   "stream-json",      "--input-format",
    "stream-json", "--verbose", "--permission-mode", "bypassPermissions"};

// SPEC §8's keys and defaults, written out independently of Config's initialisers.
void check_spec_defaults(const Config& c) {
  CHECK(c.supervisor.max_concurrent_turns == 8);
  CHECK(c.supervisor.autostart == true);
  CHECK(c.supervisor.poll_interval == Millis(1000));
  CHECK(c.supervisor.resume_max_age == Millis(6 * 3'600'000));
  CHECK(c.supervisor.shutdown_grace == Millis(10'000));
  CHECK(c.supervisor.max_failed_turns == 3);
  CHECK(c.supervisor.retry_backoff == Millis(5000));
  CHECK(c.turn.first_output_timeout == Millis(600'000));
  CHECK(c.turn.stall_timeout == Millis(600'000));
  CHECK(c.turn.max_duration == Millis(0));
  CHECK(c.turn.kill_grace == Millis(2000));
  CHECK(c.turn.max_line_bytes == 16777216);
  CHECK(c.defaults.runtime == "claude");
  CHECK(c.defaults.capability == "builder");
  REQUIRE(c.runtimes.size() == 1);
  REQUIRE(c.runtimes.count("claude") == 1);
  const auto& claude = c.runtimes.at("claude");
  CHECK(claude.command == kClaudeCommand);
  CHECK(claude.model_args == Argv{"--model", "{model}"});
  CHECK(claude.resume_args == Argv{"--resume", "{session_id}"});
}

}  // namespace

TEST_CASE("config: Config{} holds the SPEC §8 defaults") { check_spec_defaults(Config{}); }

TEST_CASE("config: an empty file means every default") { check_spec_defaults(parse_ok("")); }

TEST_CASE("config: default_config_text() parses to the defaults") {
  std::string text(default_config_text());
  REQUIRE_FALSE(text.empty());
  check_spec_defaults(parse_ok(text));
}

TEST_CASE("config: every SPEC §8 key appears in the default text with a comment") {
  const auto lines = lines_of(default_config_text());
  for (const char* section : {"[supervisor]", "[turn]", "[defaults]", "[runtimes.claude]"}) {
    CAPTURE(section);
    CHECK(std::count(lines.begin(), lines.end(), section) == 1);
  }
  for (const std::string key :
       {"max_concurrent_turns", "autostart", "poll_interval", "resume_max_age", "shutdown_grace",
        "max_failed_turns", "retry_backoff", "first_output_timeout", "stall_timeout",
        "max_duration", "kill_grace", "max_line_bytes", "runtime", "capability", "command",
        "model_args", "resume_args"}) {
    CAPTURE(key);
    int found = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].rfind(key + " ", 0) != 0 && lines[i].rfind(key + "=", 0) != 0) continue;
      ++found;
      // The value may span lines (an array); the comment follows it on its last line.
      std::size_t j = i;
      int depth = 0;
      for (;; ++j) {
        REQUIRE(j < lines.size());
        const std::string code = lines[j].substr(0, lines[j].find('#'));
        depth += static_cast<int>(std::count(code.begin(), code.end(), '[')) -
                 static_cast<int>(std::count(code.begin(), code.end(), ']'));
        if (depth == 0) break;
      }
      auto hash = lines[j].find('#');
      REQUIRE(hash != std::string::npos);
      CHECK(lines[j].size() > hash + 2);  // a real comment, not a bare '#'
    }
    CHECK(found == 1);
  }
}

TEST_CASE("config: values override defaults") {
  auto c = parse_ok(R"(
[supervisor]
max_concurrent_turns = 2
autostart = false
poll_interval = "250ms"
resume_max_age = "0s"
shutdown_grace = "0"
max_failed_turns = 7
retry_backoff = "1m"

[turn]
first_output_timeout = "30s"
stall_timeout = "2m"
max_duration = "1h"
kill_grace = "0s"
max_line_bytes = 1024

[defaults]
runtime = "scripted"
capability = "scout"

[runtimes.scripted]
command = ["/bin/agent", "--flag"]
)");
  CHECK(c.supervisor.max_concurrent_turns == 2);
  CHECK_FALSE(c.supervisor.autostart);
  CHECK(c.supervisor.poll_interval == Millis(250));
  CHECK(c.supervisor.resume_max_age == Millis(0));
  CHECK(c.supervisor.shutdown_grace == Millis(0));
  CHECK(c.supervisor.max_failed_turns == 7);
  CHECK(c.supervisor.retry_backoff == Millis(60'000));
  CHECK(c.turn.first_output_timeout == Millis(30'000));
  CHECK(c.turn.stall_timeout == Millis(120'000));
  CHECK(c.turn.max_duration == Millis(3'600'000));
  CHECK(c.turn.kill_grace == Millis(0));
  CHECK(c.turn.max_line_bytes == 1024);
  CHECK(c.defaults.runtime == "scripted");
  CHECK(c.defaults.capability == "scout");
  REQUIRE(c.runtimes.count("scripted") == 1);
  CHECK(c.runtimes.at("scripted").command == Argv{"/bin/agent", "--flag"});
  CHECK(c.runtimes.count("claude") == 1);  // the built-in one stays available
}

TEST_CASE("config: unknown keys name the key and the file") {
  auto top = parse_err("bogus = 1\n");
  CHECK(has(top, "unknown key 'bogus'"));
  auto top_table = parse_err("[extras]\nx = 1\n");
  CHECK(has(top_table, "unknown key 'extras'"));
  auto sup = parse_err("[supervisor]\nmax_turns = 3\n");
  CHECK(has(sup, "unknown key 'supervisor.max_turns'"));
  auto turn = parse_err("[turn]\nstall = \"1s\"\n");
  CHECK(has(turn, "unknown key 'turn.stall'"));
  auto defaults = parse_err("[defaults]\nmodel = \"x\"\n");
  CHECK(has(defaults, "unknown key 'defaults.model'"));
  auto rt = parse_err("[runtimes.x]\ncommand = [\"/bin/x\"]\nextra = 1\n");
  CHECK(has(rt, "unknown key 'runtimes.x.extra'"));
  auto claude = parse_err("[runtimes.claude]\nargs = []\n");
  CHECK(has(claude, "unknown key 'runtimes.claude.args'"));
  CHECK(top.rfind(std::string(kFile) + ": ", 0) == 0);
}

TEST_CASE("config: wrong types") {
  CHECK(has(parse_err("[supervisor]\nmax_concurrent_turns = \"8\"\n"),
            "supervisor.max_concurrent_turns: expected an integer"));
  CHECK(has(parse_err("[supervisor]\nmax_concurrent_turns = 8.0\n"), "expected an integer"));
  CHECK(has(parse_err("[supervisor]\nautostart = \"yes\"\n"),
            "supervisor.autostart: expected true or false"));
  CHECK(has(parse_err("[supervisor]\nautostart = 1\n"), "expected true or false"));
  CHECK(has(parse_err("[supervisor]\npoll_interval = 5\n"),
            "supervisor.poll_interval: expected a duration"));
  CHECK(has(parse_err("[turn]\nkill_grace = 2.5\n"), "turn.kill_grace"));
  CHECK(has(parse_err("[turn]\nmax_line_bytes = \"16MiB\"\n"),
            "turn.max_line_bytes: expected an integer"));
  CHECK(
      has(parse_err("[defaults]\nruntime = 3\n"), "defaults.runtime: expected a non-empty string"));
  CHECK(has(parse_err("[defaults]\ncapability = \"\"\n"), "defaults.capability"));
  CHECK(has(parse_err("supervisor = 3\n"), "supervisor: expected a table"));
  CHECK(has(parse_err("turn = \"x\"\n"), "turn: expected a table"));
  CHECK(has(parse_err("runtimes = []\n"), "runtimes: expected a table"));
  CHECK(has(parse_err("[runtimes]\nx = 1\n"), "runtimes.x: expected a table"));
  CHECK(has(parse_err("[runtimes.x]\ncommand = \"/bin/x\"\n"),
            "runtimes.x.command: expected an array of strings"));
  CHECK(
      has(parse_err("[runtimes.x]\ncommand = [\"/bin/x\", 2]\n"), "expected an array of strings"));
  CHECK(has(parse_err("[runtimes.x]\ncommand = [\"/bin/x\"]\nmodel_args = \"--model\"\n"),
            "runtimes.x.model_args: expected an array of strings"));
  CHECK(has(parse_err("[runtimes.x]\ncommand = [\"/bin/x\"]\nresume_args = [[\"a\"]]\n"),
            "runtimes.x.resume_args"));
}

TEST_CASE("config: out-of-range integers") {
  CHECK(has(parse_err("[supervisor]\nmax_concurrent_turns = 0\n"), "must be between 1 and 1024"));
  CHECK(has(parse_err("[supervisor]\nmax_concurrent_turns = -3\n"), "max_concurrent_turns"));
  CHECK(has(parse_err("[supervisor]\nmax_failed_turns = 0\n"), "supervisor.max_failed_turns"));
  CHECK(has(parse_err("[turn]\nmax_line_bytes = 10\n"), "turn.max_line_bytes"));
  CHECK(
      has(parse_err("[supervisor]\nmax_concurrent_turns = 99999999999\n"), "max_concurrent_turns"));
  CHECK(parse_ok("[supervisor]\nmax_concurrent_turns = 1\n").supervisor.max_concurrent_turns == 1);
}

TEST_CASE("config: bad and negative durations") {
  for (const char* key : {"poll_interval", "resume_max_age", "shutdown_grace", "retry_backoff"}) {
    CAPTURE(key);
    auto m = parse_err(std::string("[supervisor]\n") + key + " = \"-1s\"\n");
    CHECK(has(m, std::string("supervisor.") + key));
    CHECK(has(m, "negative"));
  }
  for (const char* key : {"first_output_timeout", "stall_timeout", "max_duration", "kill_grace"}) {
    CAPTURE(key);
    CHECK(
        has(parse_err(std::string("[turn]\n") + key + " = \"-5m\"\n"), std::string("turn.") + key));
    CHECK(has(parse_err(std::string("[turn]\n") + key + " = \"10\"\n"), "unit is missing"));
    CHECK(has(parse_err(std::string("[turn]\n") + key + " = \"1.5s\"\n"), "unknown unit"));
  }
}

TEST_CASE("config: zero where zero makes no sense") {
  CHECK(has(parse_err("[turn]\nstall_timeout = \"0s\"\n"),
            "turn.stall_timeout: must be greater than zero"));
  CHECK(has(parse_err("[turn]\nstall_timeout = \"0\"\n"), "greater than zero"));
  CHECK(has(parse_err("[turn]\nfirst_output_timeout = \"0ms\"\n"), "turn.first_output_timeout"));
  CHECK(has(parse_err("[supervisor]\npoll_interval = \"0s\"\n"), "supervisor.poll_interval"));
  // ... and where it does.
  CHECK(parse_ok("[turn]\nmax_duration = \"0s\"\n").turn.max_duration == Millis(0));
  CHECK(parse_ok("[turn]\nkill_grace = \"0\"\n").turn.kill_grace == Millis(0));
  CHECK(parse_ok("[supervisor]\nshutdown_grace = \"0s\"\n").supervisor.shutdown_grace == Millis(0));
}

TEST_CASE("config: a custom runtime needs a command") {
  CHECK(has(parse_err("[runtimes.scripted]\nmodel_args = [\"-m\", \"{model}\"]\n"),
            "runtimes.scripted.command: is required"));
  CHECK(has(parse_err("[runtimes.scripted]\n"), "runtimes.scripted.command"));
  CHECK(has(parse_err("[runtimes.scripted]\ncommand = []\n"),
            "runtimes.scripted.command: must name an executable"));
  CHECK(has(parse_err("[runtimes.scripted]\ncommand = [\"\"]\n"), "must name an executable"));
  CHECK(has(parse_err("[runtimes.claude]\ncommand = []\n"), "runtimes.claude.command"));
}

TEST_CASE("config: [runtimes.scripted] with a command only appends nothing") {
  auto c = parse_ok("[runtimes.scripted]\ncommand = [\"/abs/agent\", \"--some-flag\"]\n");
  REQUIRE(c.runtimes.count("scripted") == 1);
  const auto& rt = c.runtimes.at("scripted");
  CHECK(rt.command == Argv{"/abs/agent", "--some-flag"});
  CHECK(rt.model_args.empty());
  CHECK(rt.resume_args.empty());
  CHECK(build_runtime_argv(rt, "opus", "sid-1") == Argv{"/abs/agent", "--some-flag"});
  // The claude runtime keeps its defaults alongside.
  CHECK(c.runtimes.at("claude").command == kClaudeCommand);

  auto full = parse_ok(
      "[runtimes.scripted]\ncommand = [\"/a\"]\nmodel_args = [\"-m\", \"{model}\"]\n"
      "resume_args = [\"-r\", \"{session_id}\"]\n");
  CHECK(full.runtimes.at("scripted").model_args == Argv{"-m", "{model}"});
  CHECK(full.runtimes.at("scripted").resume_args == Argv{"-r", "{session_id}"});
}

TEST_CASE("config: overriding only the claude command keeps its model and resume args") {
  auto c = parse_ok("[runtimes.claude]\ncommand = [\"/opt/claude\", \"-p\"]\n");
  const auto& claude = c.runtimes.at("claude");
  CHECK(claude.command == Argv{"/opt/claude", "-p"});
  CHECK(claude.model_args == Argv{"--model", "{model}"});
  CHECK(claude.resume_args == Argv{"--resume", "{session_id}"});
  auto no_resume = parse_ok("[runtimes.claude]\nresume_args = []\n");
  CHECK(no_resume.runtimes.at("claude").command == kClaudeCommand);
  CHECK(no_resume.runtimes.at("claude").resume_args.empty());
}

TEST_CASE("config: the default runtime must exist") {
  auto m = parse_err("[defaults]\nruntime = \"missing\"\n");
  CHECK(has(m, "defaults.runtime"));
  CHECK(has(m, "[runtimes.missing]"));
  CHECK(parse_ok("[defaults]\nruntime = \"s\"\n[runtimes.s]\ncommand = [\"/s\"]\n")
            .defaults.runtime == "s");
}

TEST_CASE("config: a TOML syntax error reports file:line:col") {
  auto r = parse_config("[supervisor]\nautostart = true\nmax_failed_turns = = 3\n", kFile);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::project);
  const auto& m = r.error().message;
  const std::string prefix = std::string(kFile) + ":3:";
  REQUIRE(m.rfind(prefix, 0) == 0);
  REQUIRE(m.size() > prefix.size());
  CHECK(std::isdigit(static_cast<unsigned char>(m[prefix.size()])));
  auto colon = m.find(": ", prefix.size());
  CHECK(colon != std::string::npos);

  auto unterminated = parse_config("[turn\n", "cfg.toml");
  REQUIRE_FALSE(unterminated.ok());
  CHECK(unterminated.error().message.rfind("cfg.toml:1:", 0) == 0);
  auto dup = parse_config("[turn]\nkill_grace = \"1s\"\nkill_grace = \"2s\"\n", "cfg.toml");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message.rfind("cfg.toml:3:", 0) == 0);
}

TEST_CASE("build_runtime_argv: placeholders, and appended only when set") {
  RuntimeConfig rt{{"claude", "-p"}, {"--model", "{model}"}, {"--resume", "{session_id}"}};
  CHECK(build_runtime_argv(rt, std::nullopt, std::nullopt) == Argv{"claude", "-p"});
  CHECK(build_runtime_argv(rt, std::string(""), std::string("")) == Argv{"claude", "-p"});
  CHECK(build_runtime_argv(rt, "opus", std::nullopt) == Argv{"claude", "-p", "--model", "opus"});
  CHECK(build_runtime_argv(rt, std::nullopt, "abc-123") ==
        Argv{"claude", "-p", "--resume", "abc-123"});
  CHECK(build_runtime_argv(rt, "opus", "abc-123") ==
        Argv{"claude", "-p", "--model", "opus", "--resume", "abc-123"});
  // The command itself is never substituted.
  RuntimeConfig literal{{"agent", "{model}"}, {}, {}};
  CHECK(build_runtime_argv(literal, "opus", "s") == Argv{"agent", "{model}"});
}

TEST_CASE("build_runtime_argv: several and self-referencing placeholders") {
  RuntimeConfig rt{{"a"}, {"--m={model}:{model}", "x"}, {"{session_id}{session_id}", "{model}"}};
  CHECK(build_runtime_argv(rt, "m1", "s1") == Argv{"a", "--m=m1:m1", "x", "s1s1", "{model}"});
  // A value that contains the placeholder is inserted once, not expanded forever.
  CHECK(build_runtime_argv(rt, "{model}", std::nullopt) == Argv{"a", "--m={model}:{model}", "x"});
  CHECK(build_runtime_argv(rt, std::nullopt, "{session_id}") ==
        Argv{"a", "{session_id}{session_id}", "{model}"});
  // Values with spaces or shell characters stay one argument each.
  CHECK(build_runtime_argv(rt, "a b;c", std::nullopt) == Argv{"a", "--m=a b;c:a b;c", "x"});
}

TEST_CASE("config: live_input and live_interrupt per runtime") {
  Config d;
  CHECK(d.runtimes.at("claude").live_input);
  CHECK(d.runtimes.at("claude").live_interrupt);
  auto c = parse_ok(
      "[runtimes.scripted]\ncommand = [\"/bin/agent\"]\n"
      "[runtimes.live]\ncommand = [\"/bin/agent\"]\nlive_input = true\n"
      "[runtimes.claude]\nlive_interrupt = false\n");
  CHECK_FALSE(c.runtimes.at("scripted").live_input);  // other runtimes: off unless declared
  CHECK_FALSE(c.runtimes.at("scripted").live_interrupt);
  CHECK(c.runtimes.at("live").live_input);
  CHECK_FALSE(c.runtimes.at("live").live_interrupt);
  CHECK(c.runtimes.at("claude").live_input);  // the rest of the built-in claude runtime stays
  CHECK_FALSE(c.runtimes.at("claude").live_interrupt);
  CHECK(parse_err("[runtimes.x]\ncommand = [\"a\"]\nlive_input = 1\n")
            .find("runtimes.x.live_input: expected true or false") != std::string::npos);
  CHECK(parse_err("[runtimes.x]\ncommand = [\"a\"]\nlive_interrupt = true\n")
            .find("runtimes.x.live_interrupt: needs live_input = true") != std::string::npos);
}

TEST_CASE("config: remote is unset by default and takes a remote name or URL") {
  CHECK_FALSE(Config{}.remote.has_value());
  CHECK_FALSE(parse_ok("").remote.has_value());
  CHECK_FALSE(parse_ok(std::string(default_config_text())).remote.has_value());
  CHECK(parse_ok("remote = \"origin\"\n").remote == "origin");
  CHECK(parse_ok("remote = \"/srv/git/project.git\"\n").remote == "/srv/git/project.git");
  CHECK(parse_ok("remote = \"ssh://git@host/p.git\"\n[turn]\nkill_grace = \"1s\"\n").remote ==
        "ssh://git@host/p.git");
  for (const char* bad : {"remote = \"\"\n", "remote = \"--upload-pack=x\"\n",
                          "remote = \"or igin\"\n", "remote = 3\n", "remote = [\"origin\"]\n"}) {
    std::string e = parse_err(bad);
    CHECK(has(e, "remote"));
    CHECK(has(e, "remote = \"origin\""));
  }
}
