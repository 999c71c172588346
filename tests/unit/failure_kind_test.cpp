// The failure classifier against the real Claude Code transcripts and the stderr lines the
// runtime prints when it refuses to start.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/failure_kind.h"
#include "core/stream_json.h"
#include "fixtures_dir.h"

using namespace drover;

namespace {

// The facts a runner would have gathered from a whole transcript on stdout.
FailureFacts facts_from_transcript(const std::string& relative) {
  std::ifstream in(std::filesystem::path(drover_fixtures_dir()) / "transcripts" / relative,
                   std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << relative);
  FailureFacts f;
  std::string line;
  while (std::getline(in, line)) {
    for (const auto& e : parse_stream_line(line).events) {
      if (e.kind == StreamEventKind::assistant_text && !e.api_error.empty())
        f.api_error = e.api_error;
      if (e.kind == StreamEventKind::result) {
        f.has_result = true;
        f.result_is_error = e.is_error;
        f.result_text = e.text;
      }
    }
  }
  return f;
}

}  // namespace

TEST_CASE("failure kind: not logged in (real transcript) is permanent, in Claude Code's words") {
  for (const char* name : {"real/claude-2.1.328-not-logged-in.ndjson",
                           "real/claude-2.1.328-resume-known-session-not-logged-in.ndjson"}) {
    CAPTURE(name);
    FailureFacts f = facts_from_transcript(name);
    f.exit_code = 1;
    CHECK(f.api_error == "authentication_failed");
    auto v = classify_failure(f);
    CHECK(v.kind == FailureKind::permanent);
    CHECK(v.words == "Not logged in · Please run /login");
    CHECK(v.hint.find("run `claude` once") != std::string::npos);
    CHECK(failure_reason(v) == v.words + " — " + v.hint);
  }
}

TEST_CASE("failure kind: the assistant's error code alone is enough to call it a login failure") {
  FailureFacts f;
  f.has_result = true;
  f.result_is_error = true;
  f.result_text = "something the CLI may word differently one day";
  f.api_error = "authentication_failed";
  CHECK(classify_failure(f).kind == FailureKind::permanent);
  f.api_error = "rate_limit";
  CHECK(classify_failure(f).kind == FailureKind::retryable);
  for (const char* words : {"Invalid API key · Please run /login",
                            "OAuth token has expired. Please obtain a new token or refresh your "
                            "existing token."}) {
    f.result_text = words;
    CHECK(classify_failure(f).kind == FailureKind::permanent);
  }
}

TEST_CASE("failure kind: an unknown --resume id (real transcript) is retryable, not hidden") {
  FailureFacts f = facts_from_transcript("real/claude-2.1.328-resume-unknown-session.ndjson");
  f.exit_code = 1;
  f.last_stderr_line =
      "No conversation found with session ID: 00000000-0000-0000-0000-000000000000";
  auto v = classify_failure(f);
  CHECK(v.kind == FailureKind::retryable);
  CHECK(v.words == "No conversation found with session ID: 00000000-0000-0000-0000-000000000000");
  CHECK(v.hint.empty());
  CHECK(failure_reason(v) == v.words);
}

TEST_CASE("failure kind: the root refusal of bypassPermissions is permanent") {
  FailureFacts f;  // nothing on stdout, one line on stderr, exit 1
  f.exit_code = 1;
  f.last_stderr_line =
      "--dangerously-skip-permissions cannot be used with root/sudo privileges for security "
      "reasons";
  auto v = classify_failure(f);
  CHECK(v.kind == FailureKind::permanent);
  CHECK(v.words == f.last_stderr_line);
  CHECK(v.hint.find("run drover as a normal user") != std::string::npos);
  CHECK(std::string(f.last_stderr_line).find(kRootRefusal) == 0);
}

TEST_CASE("failure kind: a command that does not exist is permanent") {
  FailureFacts shell;  // a wrapper script whose exec failed
  shell.exit_code = 127;
  shell.last_stderr_line = "/usr/local/bin/claude-wrapper: 3: claude: not found";
  auto v = classify_failure(shell);
  CHECK(v.kind == FailureKind::permanent);
  CHECK(v.words == shell.last_stderr_line);
  CHECK(v.hint.find("config.toml") != std::string::npos);
  FailureFacts spawn;
  spawn.spawn_error = "cannot run 'claude': No such file or directory";
  CHECK(classify_failure(spawn).kind == FailureKind::permanent);
  CHECK(classify_failure(spawn).words == spawn.spawn_error);
  spawn.spawn_error = "cannot run 'claude': Permission denied";
  CHECK(classify_failure(spawn).kind == FailureKind::permanent);
  // A working directory that is gone, or a runtime that is not configured, is not a
  // missing command: no install hint.
  spawn.spawn_error = "cannot run 'claude' in '/p/.drover/worktrees/a': No such file or directory";
  CHECK(classify_failure(spawn).hint.empty());
  spawn.spawn_error = "runtime 'x' is not configured (add [runtimes.x] to .drover/config.toml)";
  CHECK(classify_failure(spawn).hint.empty());
  CHECK(classify_failure(spawn).words == spawn.spawn_error);
  // A clean result that talks about logins is the agent's answer, not a login failure.
  FailureFacts answer;
  answer.has_result = true;
  answer.result_text = "Fixed the 'Invalid API key' message shown when not logged in";
  answer.exit_code = 1;
  CHECK(classify_failure(answer).kind == FailureKind::retryable);
  CHECK(classify_failure(answer).words == "exit status 1 after its result");
  // 127 after a result is the agent's own business (a tool's exit status leaking out).
  FailureFacts after_result;
  after_result.has_result = true;
  after_result.exit_code = 127;
  CHECK(classify_failure(after_result).kind == FailureKind::retryable);
}

TEST_CASE("failure kind: ordinary failures are retryable, worded by the runtime when it spoke") {
  FailureFacts err;
  err.has_result = true;
  err.result_is_error = true;
  err.result_text = "\n  API Error: 500 Internal server error\nsecond line";
  err.exit_code = 1;
  auto v = classify_failure(err);
  CHECK(v.kind == FailureKind::retryable);
  CHECK(v.words == "API Error: 500 Internal server error…");  // the first line, and "…"
  err.result_text = "";
  err.last_stderr_line = "panic: boom";
  CHECK(classify_failure(err).words == "panic: boom");
  err.last_stderr_line = "";
  CHECK(classify_failure(err).words == "error result (exit status 1)");
  FailureFacts crash;
  crash.signal = 9;
  CHECK(classify_failure(crash).words == "no result (killed by SIGKILL)");
  FailureFacts late;
  late.has_result = true;
  late.exit_code = 2;
  CHECK(classify_failure(late).words == "exit status 2 after its result");
}

TEST_CASE("failure kind: the words are one line of bounded length, control bytes escaped") {
  FailureFacts f;
  f.has_result = true;
  f.result_is_error = true;
  f.result_text.assign(5000, 'x');  // then appended: GCC 12 -O1 warns (array-bounds) on `+`
  f.result_text += "\nmore";
  auto v = classify_failure(f);
  CHECK(v.words.find('\n') == std::string::npos);
  CHECK(v.words.size() <= kMaxFailureWords + 3);  // "…" is three bytes
  f.result_text = "bad\x1b[31mred";
  CHECK(classify_failure(f).words.find('\x1b') == std::string::npos);
}
