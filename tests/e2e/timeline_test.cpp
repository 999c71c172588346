// End-to-end: the timeline as a person reads it (issue 16 items 1 and 2): one line per event
// with agent#N in `log` and `drover turn`, lines reaching a pipe as they happen, and a
// follower whose reader went away ending quietly.
#include <doctest/doctest.h>

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "support/agents.h"
#include "support/command.h"
#include "support/project.h"

using namespace e2e;

namespace {

// A slow agent: an assistant text every 300 ms for a while (a dozen seconds at most).
const std::string kSlowTask = "#!slow 40 300ms";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Reads from `fd` until `n` newlines arrived or the deadline passed; the count read.
int read_lines(int fd, int n, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  int lines = 0;
  char buf[4096];
  while (lines < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got <= 0) break;
    for (ssize_t i = 0; i < got; ++i) lines += buf[i] == '\n';
  }
  return lines;
}

}  // namespace

TEST_CASE("timeline: drover turn prints agent#N lines for its steps") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"ann", "#!say first", "--capability", "coordinator"});
  Run one = turn_ok(p, "ann");
  CHECK(contains(one.out, " ann#1  start  turn started · 1 message · fresh session"));
  CHECK(contains(one.out, " ann#1  text   first"));
  CHECK(contains(one.out, " ann#1  end    turn waiting"));
  nudge_parked(p, "ann", "#!say second");
  Run two = turn_ok(p, "ann");
  CHECK(contains(two.out, " ann#2  text   second"));
}

TEST_CASE("timeline: log --follow into a pipe shows each event as it happens") {
  TempProject p;
  p.init_scripted();
  sling(p, {"slowpoke", "--capability", "coordinator", kSlowTask});
  REQUIRE(wait_state(p, "slowpoke", "in_turn"));
  std::string cmd = "cd " + shell_quote(p.root().string()) + " && " + shell_quote(drover_bin()) +
                    " log slowpoke --follow";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  // The first lines arrive while the turn still runs: they were not held in a buffer until
  // the follower ended.
  CHECK(read_lines(::fileno(pipe), 3, kDeadline) >= 3);
  CHECK(state_of(p, "slowpoke") == "in_turn");
  p.drover({"stop", "slowpoke"});  // a finished agent ends its follower, whatever it buffers
  ::pclose(pipe);
}

TEST_CASE("timeline: a follower whose reader went away ends quietly with exit 0") {
  TempProject p;
  p.init_scripted();
  sling(p, {"chatty", "--capability", "coordinator", kSlowTask});
  REQUIRE(wait_state(p, "chatty", "in_turn"));
  Run r = command(
      {"bash", "-c",
       "timeout 20 " + shell_quote(drover_bin()) + " log chatty --follow | head -n 2 >/dev/null; " +
           "echo \"follower=${PIPESTATUS[0]}\""},
      with_cwd(p.root()));
  CHECK(r.code == 0);
  CHECK(contains(r.out, "follower=0"));
  CHECK(r.err.empty());
  CHECK(state_of(p, "chatty") == "in_turn");  // it ended before the agent did
  p.drover({"stop", "chatty"});
}
