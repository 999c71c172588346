// End-to-end: the timeline as a person reads it (issue 16 items 1 and 2): one line per event
// with agent#N in `log` and `drover turn`, lines reaching a pipe as they happen, and a
// follower whose reader went away ending quietly.
#include <doctest/doctest.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <set>

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

TEST_CASE("timeline: a failed turn shows the end of its stderr, log --stderr prints all of it") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"oops", "#!stderr first complaint\n#!stderr something broke\n#!exit 3"});
  turn(p, "oops");
  Run log = p.drover({"log", "oops"});
  REQUIRE(log.code == 0);
  auto end = log.out.find(" oops#1  end    turn failed");
  REQUIRE(end != std::string::npos);
  CHECK(log.out.find("  stderr │ something broke", end) != std::string::npos);
  Run err = p.drover({"log", "oops", "--stderr"});
  CHECK(err.code == 0);
  CHECK(contains(err.out, "first complaint\nsomething broke"));
  CHECK(p.drover({"log", "oops", "--stderr", "--json"}).json()["stderr"] ==
        "first complaint\nsomething broke\n");
}

TEST_CASE("feed: log --all interleaves every agent's events, --agent and --capability filter") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"ann", "#!say from ann", "--capability", "coordinator"});
  sling_parked(p, {"bob", "#!say from bob", "--capability", "scout"});
  turn_ok(p, "ann");
  turn(p, "bob");  // a scout's turn ends without its report: a contract violation, no matter
  nudge_parked(p, "ann", "#!say ann again");
  turn_ok(p, "ann");

  Run all = p.drover({"log", "--all"});
  REQUIRE(all.code == 0);
  auto first = all.out.find(" ann#1  text   from ann");
  auto second = all.out.find(" bob#1  text   from bob");
  auto third = all.out.find(" ann#2  text   ann again");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  REQUIRE(third != std::string::npos);
  CHECK(first < second);  // in the order they happened, across agents
  CHECK(second < third);

  Run scouts = p.drover({"log", "--all", "--capability", "scout"});
  CHECK(contains(scouts.out, "bob#1"));
  CHECK_FALSE(contains(scouts.out, "ann#"));
  Run ann = p.drover({"log", "--agent", "ann"});  // a filter alone means the feed
  CHECK(contains(ann.out, "ann#2"));
  CHECK_FALSE(contains(ann.out, "bob#"));

  Run last = p.drover({"log", "--all", "--last", "1"});
  CHECK(last.code == 0);
  CHECK(std::count(last.out.begin(), last.out.end(), '\n') == 1);

  auto doc = p.drover({"log", "--all", "--json"}).json();
  REQUIRE(doc["events"].is_array());
  std::set<std::string> agents;
  std::int64_t prev = 0;
  for (const auto& e : doc["events"]) {
    agents.insert(e["agent"].get<std::string>());
    CHECK(e["id"].get<std::int64_t>() > prev);
    prev = e["id"].get<std::int64_t>();
  }
  CHECK(agents == std::set<std::string>{"ann", "bob"});

  Run nobody = p.drover({"log", "--all", "--agent", "anne"});
  CHECK(nobody.code == 0);
  CHECK(contains(nobody.err, "no agent named 'anne' yet (did you mean 'ann'?)"));
}

TEST_CASE("feed: log --all --follow into a pipe shows agents as they work, new ones too") {
  TempProject p;
  p.init_scripted();
  sling(p, {"first", "--capability", "coordinator", kSlowTask});
  REQUIRE(wait_state(p, "first", "in_turn"));
  // The shell says its pid, then becomes the follower (which runs until it is killed).
  std::string cmd = "cd " + shell_quote(p.root().string()) + " && echo $$ && exec " +
                    shell_quote(drover_bin()) +
                    " log --all --follow --last 0 --capability coordinator";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  int follower = 0;
  REQUIRE(std::fscanf(pipe, "%d\n", &follower) == 1);
  int fd = ::fileno(pipe);
  CHECK(read_lines(fd, 2, kDeadline) >= 2);  // first's texts, while its turn runs
  sling(p, {"second", "--capability", "coordinator", "#!say hello from second"});
  sling(p, {"other", "--capability", "scout", "#!say not for this feed"});
  // Read until second's text shows; nothing of `other` may appear.
  std::string seen;
  auto until = std::chrono::steady_clock::now() + kDeadline;
  char buf[4096];
  while (!contains(seen, "second#1  text   hello from second") &&
         std::chrono::steady_clock::now() < until) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 500) <= 0) continue;
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got <= 0) break;
    seen.append(buf, static_cast<std::size_t>(got));
  }
  CHECK(contains(seen, "second#1  text   hello from second"));
  CHECK_FALSE(contains(seen, "not for this feed"));
  ::kill(follower, SIGTERM);
  ::pclose(pipe);
  p.drover({"stop", "--all"});
}

TEST_CASE("feed: log refuses what it cannot do with one clear line") {
  TempProject p;
  p.init_scripted();
  Run none = p.drover({"log"});
  CHECK(none.code == 2);
  CHECK(contains(none.err, "which agent? drover log AGENT, or drover log --all"));
  Run both = p.drover({"log", "ann", "--all"});
  CHECK(both.code == 2);
  CHECK(contains(both.err, "give an agent or --all, not both"));
  CHECK(p.drover({"log", "--all", "--turn", "2"}).code == 2);
  CHECK(p.drover({"log", "--all", "--raw"}).code == 2);
  CHECK(p.drover({"log", "--all", "--last", "-1"}).code == 2);
  CHECK(p.drover({"log", "ann", "--last", "3"}).code == 2);
}
