// End-to-end: the live view (`drover status --watch`, `drover top`; issue 16 item 4) in a
// real terminal: a tmux pane of a private tmux server, driven with send-keys and read with
// capture-pane. Every wait has a deadline; nothing asserts speed.
#include <doctest/doctest.h>

#include <signal.h>

#include <fstream>
#include <sstream>

#include "support/agents.h"
#include "support/command.h"
#include "support/project.h"
#include "support/tmux.h"

using namespace e2e;

namespace {

// The view in a shell that says how it ended and whether the terminal is back in its
// normal (canonical, echoing) mode.
std::string view_in_shell(const std::string& view_command) {
  // (`trap : INT`: Ctrl-C reaches the whole foreground group; the shell must outlive it.)
  return "trap : INT; echo before the view; " + view_command +
         "; echo \"view exited $?\"; printf 'tty: '; stty -a | tr ' ;' '\\n\\n' | grep -x -e "
         "icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; exec sleep 600";
}

// A project with three agents that have run a turn (cost, tokens, events), no supervisor.
void live_fleet(const TempProject& p) {
  init_for_manual_turns(p);
  sling_parked(p,
               {"alice", "#!tool Bash npm test\n#!say all green", "--capability", "coordinator"});
  sling_parked(p, {"bob", "#!say looking around", "--capability", "coordinator"});
  sling_parked(p, {"zed", "#!say waiting", "--capability", "coordinator"});
  turn_ok(p, "alice");
  turn_ok(p, "bob");
}

// Each line of the pane is at most `width` columns (code points).
bool pane_fits(const std::string& screen, std::size_t width) {
  std::istringstream in(screen);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
    if (cols > width) return false;
  }
  return true;
}

// The pid of the pane shell's child (the view), 0 when there is none.
int view_pid(const TmuxPane& pane) {
  std::string shell = pane.format("#{pane_pid}");
  std::ifstream children("/proc/" + shell + "/task/" + shell + "/children");
  int pid = 0;
  children >> pid;
  return pid;
}

#define SKIP_WITHOUT_TMUX()                                                \
  if (!tmux_available()) {                                                 \
    MESSAGE("tmux is not installed (scripts/setup installs it): skipped"); \
    return;                                                                \
  }

}  // namespace

TEST_CASE("live view: rows, header, keys, a new agent, resize and q in an 80x24 terminal") {
  SKIP_WITHOUT_TMUX();
  TempProject p;
  live_fleet(p);
  TmuxPane pane(p, view_in_shell("drover status --watch"), 80, 24);
  REQUIRE_MESSAGE(pane.wait_for("LAST ACTIVITY"), pane.screen());
  REQUIRE_MESSAGE(pane.wait_for(" zed "), pane.screen());
  std::string s = pane.screen();
  INFO(s);
  CHECK(pane.format("#{alternate_on}") == "1");
  CHECK(contains(s, "supervisor not running"));
  CHECK(contains(s, "turns 0/8"));
  CHECK(contains(s, "3 agents: 1 booting, 2 between_turns"));
  CHECK(contains(s, "operator mail: 0 unread"));
  CHECK(contains(s, "between_turns"));
  CHECK(contains(s, "end    turn waiting"));  // the last events, by the one renderer
  CHECK(contains(s, "#1 "));                  // alice's and bob's first turn
  CHECK(contains(s, "q quit"));
  CHECK(pane_fits(s, 80));

  // Enter opens the selected agent's log (the second row after one Down: bob).
  pane.keys({"Down", "Enter"});
  CHECK_MESSAGE(pane.wait_for("log bob ·"), pane.screen());
  CHECK_MESSAGE(pane.wait_for("bob#1  text   looking around"), pane.screen());
  pane.keys({"q"});
  CHECK_MESSAGE(pane.wait_for("LAST ACTIVITY"), pane.screen());

  // / filters by name; Esc clears the filter.
  pane.keys({"/"});
  pane.text("ali");
  CHECK_MESSAGE(pane.wait_for("filter: ali_"), pane.screen());
  CHECK_MESSAGE(pane.wait_gone(" zed "), pane.screen());
  CHECK(contains(pane.screen(), " alice "));
  pane.keys({"Escape"});
  CHECK_MESSAGE(pane.wait_for(" zed "), pane.screen());

  // s asks first; n leaves the agent alone.
  pane.keys({"Home", "s"});
  CHECK_MESSAGE(pane.wait_for("stop alice? y/N"), pane.screen());
  pane.keys({"n"});
  CHECK_MESSAGE(pane.wait_for("not stopped"), pane.screen());
  CHECK(state_of(p, "alice") == "between_turns");

  // p pauses the selected agent (as `drover pause` does); p again unpauses it.
  pane.keys({"p"});
  CHECK_MESSAGE(pane.wait_for("paused alice: no new turn starts"), pane.screen());
  CHECK_MESSAGE(pane.wait_for(" paused "), pane.screen());
  CHECK(e2e::agent_row(p, "alice")["paused"] == true);
  pane.keys({"p"});
  CHECK_MESSAGE(pane.wait_for("unpaused alice"), pane.screen());
  CHECK(e2e::agent_row(p, "alice")["paused"] == false);

  // n prompts for a message and queues it as a nudge, the way `drover nudge` does.
  pane.keys({"n"});
  CHECK_MESSAGE(pane.wait_for("nudge alice: _"), pane.screen());
  pane.text("run the tests again");
  pane.keys({"Enter"});
  CHECK_MESSAGE(pane.wait_for("nudged alice (#"), pane.screen());
  Json inbox =
      p.drover({"--json", "mail", "list", "--to", "alice", "--type", "nudge"}).json()["messages"];
  REQUIRE(inbox.is_array());
  bool found = false;
  for (const auto& m : inbox) found = found || m.value("body", "") == "run the tests again";
  CHECK_MESSAGE(found, inbox.dump());
  CHECK_MESSAGE(pane.wait_for("MAIL"), pane.screen());

  // A change in the database shows up by itself.
  sling_parked(p, {"newcomer", "#!say hi", "--capability", "coordinator"});
  CHECK_MESSAGE(pane.wait_for(" newcomer "), pane.screen());
  CHECK_MESSAGE(pane.wait_for("4 agents"), pane.screen());

  // A wider terminal gets the columns that did not fit.
  pane.resize(200, 50);
  CHECK_MESSAGE(pane.wait_for("TOKENS"), pane.screen());
  CHECK(pane_fits(pane.screen(), 200));

  // q gives the terminal back: the normal screen, canonical mode, echo, a cursor.
  pane.keys({"q"});
  CHECK_MESSAGE(pane.wait_for("view exited 0"), pane.screen());
  s = pane.screen();
  CHECK(contains(s, "before the view"));
  CHECK(!contains(s, "LAST ACTIVITY"));
  CHECK_MESSAGE(pane.wait_for("tty: icanon echo"), pane.screen());
  CHECK(pane.format("#{alternate_on}") == "0");
  CHECK(pane.format("#{cursor_flag}") == "1");
}

TEST_CASE("live view: drover top is the same view, and SIGTERM gives the terminal back") {
  SKIP_WITHOUT_TMUX();
  TempProject p;
  live_fleet(p);
  TmuxPane pane(p, view_in_shell("drover top 2"), 80, 24);
  REQUIRE_MESSAGE(pane.wait_for("LAST ACTIVITY"), pane.screen());
  int pid = view_pid(pane);
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGTERM) == 0);
  CHECK_MESSAGE(pane.wait_for("view exited 143"), pane.screen());
  std::string s = pane.screen();
  CHECK(!contains(s, "LAST ACTIVITY"));
  CHECK_MESSAGE(pane.wait_for("tty: icanon echo"), pane.screen());
  CHECK(pane.format("#{alternate_on}") == "0");
}

TEST_CASE("live view: Ctrl-C gives the terminal back") {
  SKIP_WITHOUT_TMUX();
  TempProject p;
  live_fleet(p);
  TmuxPane pane(p, view_in_shell("drover status --watch 500ms"), 80, 24);
  REQUIRE_MESSAGE(pane.wait_for("LAST ACTIVITY"), pane.screen());
  pane.keys({"C-c"});
  CHECK_MESSAGE(pane.wait_for("view exited 130"), pane.screen());
  CHECK_MESSAGE(pane.wait_for("tty: icanon echo"), pane.screen());
  CHECK(pane.format("#{alternate_on}") == "0");
}

TEST_CASE("live view: a crash (SIGSEGV) restores the terminal before the process dies") {
  SKIP_WITHOUT_TMUX();
  TempProject p;
  live_fleet(p);
  TmuxPane pane(p, view_in_shell("drover status --watch"), 80, 24);
  REQUIRE_MESSAGE(pane.wait_for("LAST ACTIVITY"), pane.screen());
  int pid = view_pid(pane);
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGSEGV) == 0);
  CHECK_MESSAGE(pane.wait_for("view exited 139"), pane.screen());
  std::string s = pane.screen();
  CHECK(!contains(s, "LAST ACTIVITY"));
  CHECK_MESSAGE(pane.wait_for("tty: icanon echo"), pane.screen());
  CHECK(pane.format("#{alternate_on}") == "0");
  CHECK(pane.format("#{cursor_flag}") == "1");
}

TEST_CASE("live view: without a terminal, with --json or an agent it refuses in one line") {
  TempProject p;
  p.init();
  Run piped = p.drover({"status", "--watch"});
  expect_one_line_error(piped, 2, "needs a terminal");
  expect_one_line_error(p.drover({"top"}), 2, "needs a terminal");
  Run json = p.drover({"--json", "status", "--watch"});
  CHECK(json.code == 2);
  CHECK(contains(json.out + json.err, "--json does not go with the live view"));
  expect_one_line_error(p.drover({"status", "alice", "--watch"}), 2, "--watch shows every agent");
  expect_one_line_error(p.drover({"status", "--watch", "soon"}), 2, "not an interval");
  expect_one_line_error(p.drover({"top", "10ms"}), 2, "at least 100ms");
}
