// End-to-end: `drover sling --batch FILE` (issue 18 target 4, docs/steering.md "Batch sling")
// with a real supervisor and the scripted agent: many agents from lines, a JSON array or stdin,
// all of them run; a bad entry or a taken name anywhere creates nothing and names the entry;
// a write that fails midway rolls back the whole batch; a worktree that cannot be made takes
// back the ones made before it.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using e2e::contains;
using e2e::Json;
using e2e::TempProject;

namespace {

long long sessions(const TempProject& p) {
  return e2e::sql_int(p, "SELECT count(*) FROM sessions");
}
long long messages(const TempProject& p) {
  return e2e::sql_int(p, "SELECT count(*) FROM messages");
}

e2e::Run batch(const TempProject& p, std::vector<std::string> args,
               const std::string& stdin_text = "") {
  args.insert(args.begin(), {"sling", "--batch"});
  auto o = e2e::agent_opts(p);
  o.stdin_text = stdin_text;
  return p.drover(args, o);
}

// A refused batch: the exit code, one line on stderr naming `needle`, and nothing written.
void check_nothing_slung(const TempProject& p, const e2e::Run& r, int code,
                         const std::string& needle) {
  e2e::expect_one_line_error(r, code, needle);
  CHECK(contains(r.err, "no agent was slung"));
  CHECK(sessions(p) == 0);
  CHECK(messages(p) == 0);
}

}  // namespace

TEST_CASE("sling --batch: one agent per line, all of them run to completion") {
  TempProject p;
  p.init_scripted();
  e2e::write_text(p.root() / "agents.txt", "# three builders\nalice " + e2e::kReportToOperator +
                                               "\n\nbob\t" + e2e::kReportToOperator + "\ncarol " +
                                               e2e::kReportToOperator + "\n");
  auto r = batch(p, {"agents.txt"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "slung 3 agents: alice, bob, carol"));
  for (const char* agent : {"alice", "bob", "carol"}) {
    CAPTURE(agent);
    CHECK(e2e::wait_state(p, agent, "completed"));
    CHECK(e2e::sql_int(p, std::string("SELECT count(*) FROM messages WHERE type='dispatch' AND "
                                      "to_agent='") +
                              agent + "'") == 1);
  }
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages WHERE type='worker_done'") == 3);
}

TEST_CASE("sling --batch -: a JSON array on stdin, flags as defaults, --json lists them") {
  TempProject p;
  p.init_scripted();
  // kid names its parent, which comes later in the array: the parent is created first.
  std::string doc = R"([
    {"name": "kid", "task": ")" +
                    e2e::kReportToOperator + R"(",
     "parent": "lead", "capability": "builder", "max_turns": 3},
    {"name": "lead", "task": "#!say leading"},
    {"name": "solo", "task": ")" +
                    e2e::kReportToOperator + R"(", "capability": "builder"}
  ])";
  auto r = batch(p, {"-", "--json", "--capability", "coordinator"}, doc);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  Json out = r.json();
  REQUIRE(out["agents"].size() == 3);
  CHECK(out["agents"][0]["agent"] == "kid");
  CHECK(out["agents"][0]["capability"] == "builder");
  CHECK(out["agents"][0]["state"] == "booting");
  CHECK(out["agents"][0]["dispatch_id"].is_number_integer());
  CHECK(out["agents"][1]["capability"] == "coordinator");  // the flag, as its default
  CHECK(out["agents"][2]["agent"] == "solo");
  CHECK(e2e::wait_state(p, "kid", "completed"));
  CHECK(e2e::wait_state(p, "solo", "completed"));
  // a coordinator waits for more mail
  CHECK(e2e::wait_until([&] { return e2e::state_of(p, "lead") == "between_turns"; }));
  Json kid = e2e::agent_row(p, "kid");
  CHECK(kid["parent"] == "lead");
  CHECK(kid["depth"] == 1);
  CHECK(kid["max_turns"] == 3);
}

TEST_CASE("sling --batch: a bad entry anywhere creates nothing and names the entry") {
  TempProject p;
  p.init_scripted();
  e2e::write_text(p.root() / "agents.txt", "alice fix it\nBob fix it\ncarol\ndave fix it\n");
  check_nothing_slung(p, batch(p, {"agents.txt"}), 2,
                      "sling --batch: line 2 (Bob): agent name 'Bob' contains an invalid "
                      "character uppercase 'B'");
  auto r = batch(p, {"agents.txt"});
  CHECK(contains(r.err, "(and 1 more problem)"));

  std::string doc = R"([{"name": "a", "task": "x"}, {"name": "b", "task": "y",
                        "capability": "scuot"}, {"name": "c", "task": "z"}])";
  check_nothing_slung(p, batch(p, {"-"}, doc), 2,
                      "element 2 (b): unknown capability 'scuot' (did you mean 'scout'?)");
  check_nothing_slung(p, batch(p, {"-"}, "[{\"name\": \"a\", \"task\": \"x\"},\n {\"name\" }]"), 2,
                      "the JSON array does not parse: parse error at line 2");
  e2e::expect_one_line_error(batch(p, {"-", "--wait"}, "a x\n"), 2,
                             "--wait follows one agent and cannot follow a batch");
  CHECK(sessions(p) == 0);
}

TEST_CASE("sling --batch: a name that exists is a conflict, and nothing is created") {
  TempProject p;
  p.init_scripted();
  e2e::sling_parked(p, {"alice", "#!say hi"});
  auto before = messages(p);
  auto r = batch(p, {"-", "--no-start"}, "bob fix it\nalice fix it too\ncarol fix it\n");
  e2e::expect_one_line_error(r, 4,
                             "sling --batch: line 2 (alice): agent 'alice' already exists and is "
                             "booting");
  CHECK(sessions(p) == 1);
  CHECK(messages(p) == before);
  CHECK(e2e::state_of(p, "bob").empty());
}

TEST_CASE("sling --batch: one transaction: a write that fails midway leaves no row") {
  TempProject p;
  p.init_scripted();
  // The database refuses the third session, after two were written in the same transaction.
  e2e::refuse_inserts(p, "refuse_c", "sessions", "NEW.name = 'c'", "refused by a test trigger");
  auto r = batch(p, {"-", "--no-start"}, "a one\nb two\nc three\nd four\n");
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "line 3 (c)"));
  CHECK(contains(r.err, "refused by a test trigger"));
  CHECK(sessions(p) == 0);
  CHECK(messages(p) == 0);
}

TEST_CASE("sling --batch: a worktree that cannot be made takes back the ones made before it") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  e2e::git(p, {"init", "-q"});
  e2e::git(p, {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m",
               "init"});
  std::string doc = R"([{"name": "a", "task": "x"},
                        {"name": "b", "task": "y", "base_branch": "no-such-branch"}])";
  auto r = batch(p, {"-", "--worktree", "--no-start"}, doc);
  e2e::expect_one_line_error(r, 3, "sling --batch: element 2 (b): ");
  CHECK(sessions(p) == 0);
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/worktrees/a"));
  CHECK_FALSE(e2e::branch_exists(p, "drover/a"));
}
