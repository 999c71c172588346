// End-to-end: live input (issue 17 items 1 and 2, docs/steering.md "Live nudge"). A
// runtime with live_input = true keeps its stdin open; a nudge goes into the running turn
// as another stream-json user message, is answered there, and is read only at that turn's
// clean settle. The scripted agent answers each message with its own result; a turn that
// must be "running" while the nudge arrives waits on a gate file the test opens.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/processes.h"
#include "support/project.h"

using e2e::contains;
using e2e::Json;
using e2e::TempProject;

namespace {

// init_scripted, with the fixture runtime declaring live input (and interrupts).
void init_live(const TempProject& p, bool live = true) {
  p.init_scripted();
  if (!live) return;
  auto cfg = p.root() / ".drover/config.toml";
  // [runtimes.scripted] is the file's last table: these keys land in it.
  e2e::write_text(cfg, e2e::read_text(cfg) + "live_input = true\nlive_interrupt = true\n");
}

std::string gate_step(const std::filesystem::path& gate) {
  return "#!sh while [ ! -e " + gate.string() + " ]; do sleep 0.05; done";
}

// The agent's first turn is running, blocked on `gate`.
void start_gated(const TempProject& p, const std::string& agent, const std::filesystem::path& gate,
                 const std::string& after = "") {
  e2e::sling(p, {agent, "--capability", "coordinator", gate_step(gate) + "\n" + after});
  REQUIRE(e2e::wait_until([&] {
    return !e2e::events(p, agent, "tool_start").empty() && e2e::state_of(p, agent) == "in_turn";
  }));
}

bool live_input_seen(const TempProject& p, const std::string& agent) {
  return e2e::wait_until([&] { return !e2e::events(p, agent, "live_input").empty(); });
}

std::filesystem::path live_record(const TempProject& p, const std::string& agent, int turn,
                                  int message) {
  return p.record_dir() /
         (agent + "." + std::to_string(turn) + "." + std::to_string(message) + ".json");
}

std::string mail_row(const TempProject& p, long long id) {
  return e2e::sql(p,
                  "SELECT coalesce(CAST(claimed_turn AS TEXT), '-') || ' ' || "
                  "(CASE WHEN read_at IS NULL THEN 0 ELSE 1 END) FROM "
                  "messages WHERE id = " +
                      std::to_string(id));
}

// wait_idle_after, and on failure the agent's log and the supervisor's, to say why.
void require_idle(const TempProject& p, const std::string& agent, long long turns) {
  if (e2e::wait_idle_after(p, agent, turns)) return;
  INFO(p.drover({"log", agent}).out);
  INFO(e2e::read_text(p.root() / ".drover/logs/supervisor.log"));
  FAIL("not idle after " << turns << " turn(s)");
}

}  // namespace

TEST_CASE("live nudge: it goes into the running turn, is answered there, and read at its settle") {
  TempProject p;
  init_live(p);
  auto gate = p.root() / "gate";
  start_gated(p, "alice", gate);
  auto n = e2e::ok(p, {"nudge", "alice", "--json", "#!say steered"});
  Json doc = n.json();
  CHECK(doc["delivery"] == "live");
  long long id = doc["message_id"].get<long long>();
  REQUIRE(live_input_seen(p, "alice"));
  // Claimed by the running turn, not read yet: the turn has not settled.
  CHECK(mail_row(p, id) == "1 0");
  e2e::write_text(gate, "");
  require_idle(p, "alice", 1);  // one turn carried both messages
  CHECK(mail_row(p, id) == "1 1");
  auto rec = live_record(p, "alice", 1, 2);
  REQUIRE(std::filesystem::exists(rec));
  CHECK(contains(e2e::read_text(rec), "#!say steered"));
  std::vector<Json> results = e2e::events(p, "alice", "result");
  REQUIRE(results.size() == 2);
  CHECK(results[1]["data"]["text"] == "steered");
  auto live = e2e::events(p, "alice", "live_input");
  REQUIRE(live.size() == 1);
  CHECK(live[0]["data"]["mail"][0] == id);
  CHECK(live[0]["data"]["interrupt"] == false);
  CHECK(e2e::last_turn(p, "alice")["outcome"] == "waiting");
  CHECK(e2e::live_agent_processes(p, "alice").empty());
}

TEST_CASE("live nudge: --queue, and a runtime without live input, wait for the next turn") {
  for (bool live : {true, false}) {
    CAPTURE(live);
    TempProject p;
    init_live(p, live);
    auto gate = p.root() / "gate";
    start_gated(p, "alice", gate);
    std::vector<std::string> args = {"nudge", "alice", "--json", "#!say later"};
    if (live) args.insert(args.begin() + 2, "--queue");
    if (!live) args.insert(args.begin() + 2, "--interrupt");
    auto n = e2e::ok(p, args);
    CHECK(n.json()["delivery"] == "next_turn");
    // Without live input, --interrupt says in one line that it could not interrupt.
    if (!live) CHECK(contains(n.err, "has no live input"));
    long long id = n.json()["message_id"].get<long long>();
    CHECK(mail_row(p, id) == "- 0");
    e2e::write_text(gate, "");
    require_idle(p, "alice", 2);
    CHECK(mail_row(p, id) == "2 1");  // carried by the second turn
    CHECK(e2e::events(p, "alice", "live_input").empty());
    CHECK_FALSE(std::filesystem::exists(live_record(p, "alice", 1, 2)));
  }
}

TEST_CASE("live nudge: --interrupt stops what the turn is doing and it takes the nudge now") {
  TempProject p;
  init_live(p);
  // A minute of work, unless interrupted.
  e2e::sling(p, {"alice", "--capability", "coordinator", "#!slow 600 100ms"});
  REQUIRE(e2e::wait_until([&] { return !e2e::events(p, "alice", "assistant_text").empty(); }));
  auto n = e2e::ok(p, {"nudge", "alice", "--interrupt", "--wait", "#!say changed course"});
  CHECK(contains(n.out, "changed course"));
  require_idle(p, "alice", 1);
  std::vector<Json> results = e2e::events(p, "alice", "result");
  REQUIRE(results.size() == 2);
  CHECK(results[0]["data"]["is_error"] == true);  // the interrupted answer
  CHECK(results[0]["data"]["subtype"] == "error_during_execution");
  CHECK(results[1]["data"]["text"] == "changed course");
  CHECK(e2e::events(p, "alice", "live_input")[0]["data"]["interrupt"] == true);
  // The turn was not killed: the agent ended it itself, cleanly.
  Json turn = e2e::last_turn(p, "alice");
  CHECK(turn["outcome"] == "waiting");
  CHECK(turn["exit_code"] == 0);
  CHECK(e2e::events(p, "alice", "assistant_text").size() < 600);
  CHECK(e2e::live_agent_processes(p, "alice").empty());
}

TEST_CASE("live nudge: --wait ends at the answer, exit 1 when the answer is an error") {
  TempProject p;
  init_live(p);
  e2e::sling(p, {"alice", "--capability", "coordinator", "#!slow 600 100ms"});
  REQUIRE(e2e::wait_until([&] { return !e2e::events(p, "alice", "assistant_text").empty(); }));
  auto bad = p.drover({"nudge", "alice", "--interrupt", "--wait", "#!error-result no can do"});
  CHECK(bad.code == 1);
  CHECK(contains(bad.err, "the answer to the nudge was an error: no can do"));
}

TEST_CASE("live nudge: a message the turn never answered is released for the next turn") {
  TempProject p;
  init_live(p);
  auto gate = p.root() / "gate";
  // After the gate the agent prints its result and exits at once (#!fork-exit), without
  // reading the message written meanwhile.
  start_gated(p, "alice", gate, "#!fork-exit");
  auto n = e2e::ok(p, {"nudge", "alice", "--json", "#!say second chance"});
  long long id = n.json()["message_id"].get<long long>();
  REQUIRE(live_input_seen(p, "alice"));
  CHECK(mail_row(p, id) == "1 0");
  e2e::write_text(gate, "");
  require_idle(p, "alice", 2);
  CHECK(mail_row(p, id) == "2 1");  // at least once: the next turn carried it
  CHECK(contains(e2e::read_text(e2e::record_path(p, "alice", 2)), "#!say second chance"));
}

TEST_CASE("live nudge: a supervisor killed after the nudge went in loses nothing") {
  TempProject p;
  init_live(p);
  auto gate = p.root() / "gate";
  start_gated(p, "alice", gate);
  auto n = e2e::ok(p, {"nudge", "alice", "--json", "#!say survive"});
  long long id = n.json()["message_id"].get<long long>();
  REQUIRE(live_input_seen(p, "alice"));
  e2e::kill_supervisor(p);
  CHECK(mail_row(p, id) == "1 0");
  e2e::write_text(gate, "");
  (void)e2e::ok(p, {"up"});  // recovery: the orphan turn is interrupted, its mail released
  REQUIRE(e2e::wait_until([&] { return mail_row(p, id) == "2 1"; }));
  CHECK(e2e::sql(p, "SELECT outcome FROM turns WHERE id = 1") == "interrupted");
  CHECK(contains(e2e::read_text(e2e::record_path(p, "alice", 2)), "#!say survive"));
}

TEST_CASE("live nudge: --queue with --interrupt is a usage error, and nothing is queued") {
  TempProject p;
  init_live(p);
  e2e::sling(p, {"alice", "--capability", "coordinator", "#!say hi"});
  long long before = e2e::sql_int(p, "SELECT count(*) FROM messages");
  auto r = p.drover({"nudge", "alice", "--queue", "--interrupt", "x"});
  e2e::expect_one_line_error(r, 2, "--queue and --interrupt contradict each other");
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages") == before);
}

TEST_CASE("live nudge: live_interrupt without live_input is a config error naming the key") {
  TempProject p;
  p.init_scripted();
  auto cfg = p.root() / ".drover/config.toml";
  e2e::write_text(cfg, e2e::read_text(cfg) + "live_interrupt = true\n");
  auto r = p.drover({"status"});
  CHECK(contains(r.err, "runtimes.scripted.live_interrupt: needs live_input = true"));
  auto bad = p.drover({"sling", "bob", "x"});
  CHECK(bad.code == 5);
  CHECK(contains(bad.err, "runtimes.scripted.live_interrupt"));
}

TEST_CASE("live nudge: a paused agent's running turn takes no live mail, it waits for unpause") {
  TempProject p;
  init_live(p);
  auto gate = p.root() / "gate";
  start_gated(p, "alice", gate);
  e2e::ok(p, {"pause", "alice"});
  auto n = e2e::ok(p, {"nudge", "alice", "--json", "#!say after the pause"});
  long long id = n.json()["message_id"].get<long long>();
  auto said = e2e::ok(p, {"nudge", "alice", "#!say and this"});
  CHECK(contains(said.out, "alice is paused; the mail waits until 'drover unpause alice'"));
  CHECK_FALSE(contains(said.out, "running turn"));
  e2e::write_text(gate, "");
  require_idle(p, "alice", 1);  // the turn ended without it
  CHECK(e2e::events(p, "alice", "live_input").empty());
  CHECK(mail_row(p, id) == "- 0");
  e2e::ok(p, {"unpause", "alice"});
  REQUIRE(e2e::wait_until([&] { return mail_row(p, id) == "2 1"; }));
}
