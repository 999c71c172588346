// End-to-end: surviving the supervisor's own death and shutdown (SPEC §4, §7): SIGKILL at
// several points of a turn, stale agents, and `drover down` during a turn. After each restart
// no mail is lost and no mail is delivered by two turns at once.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/file_lock.h"
#include "os/spawn.h"
#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/processes.h"
#include "support/project.h"

using e2e::contains;
using e2e::Json;
using e2e::TempProject;

namespace {

constexpr const char* kNote = "interrupted by a supervisor restart";
const std::string kReportToBoss = "#!mail --to boss --type worker_done --subject done --body ok";

// Waits until the agent's first turn is inside its `#!sh` step (its tool_use line has been
// read and stored), so that the orphan writes nothing more until the step ends.
// `drover turn AGENT` started in the background: the test kills and reaps it.
drover::Result<drover::os::SpawnedChild> start_foreground_turn(const TempProject& p,
                                                               const std::string& agent) {
  drover::os::SpawnRequest req;
  req.argv = {e2e::drover_bin(), "turn", agent};
  req.cwd = p.root();
  req.env_extra = p.agent_env();
  req.env_extra["DROVER_AGENT"] = "";
  auto runner = drover::os::spawn(req);
  REQUIRE(runner.ok());
  ::close(runner->stdin_fd);
  runner->stdin_fd = -1;
  return runner;
}

void wait_in_sh_step(const TempProject& p, const std::string& agent) {
  REQUIRE(e2e::wait_records(p, agent, 1));
  REQUIRE(e2e::wait_until(
      [&] {
        return e2e::sql_int(p, "SELECT count(*) FROM events WHERE agent = '" + agent +
                                   "' AND kind = 'tool_start'") >= 1;
      },
      e2e::kDeadline));
  REQUIRE(e2e::state_of(p, agent) == "in_turn");
}

long long first_pgid(const TempProject& p, const std::string& agent) {
  return e2e::records(p, agent).at(0)["pgid"].get<long long>();
}

std::string first_turn_outcome(const TempProject& p, const std::string& agent) {
  return e2e::sql(p, "SELECT coalesce(outcome, 'running') FROM turns WHERE agent = '" + agent +
                         "' ORDER BY id LIMIT 1");
}

long long events_of(const TempProject& p, const std::string& agent, const std::string& kind) {
  return e2e::sql_int(
      p, "SELECT count(*) FROM events WHERE agent = '" + agent + "' AND kind = '" + kind + "'");
}

void send_to(const TempProject& p, const std::string& agent, const std::string& body) {
  (void)e2e::ok(p, {"mail", "send", "--to", agent, "--subject", "extra", "--body", body});
}

}  // namespace

TEST_CASE(
    "SIGKILL mid-stream: the orphan is killed, the agent resumes with the note and --resume, and "
    "completes") {
  TempProject p;
  p.init_scripted();
  auto flag = p.root() / "flag";
  e2e::sling(p,
             {"w1", "--parent", "boss",
              "#!say started\n#!sh test -f " + flag.string() + " || sleep 60\n" + kReportToBoss});
  wait_in_sh_step(p, "w1");
  auto sid = e2e::sql(p, "SELECT coalesce(runtime_session_id, '') FROM sessions WHERE name = 'w1'");
  REQUIRE_FALSE(sid.empty());
  long long pgid = first_pgid(p, "w1");
  send_to(p, "w1", "#!say extra-one");  // queued behind the running turn
  send_to(p, "w1", "#!say extra-two");

  e2e::kill_supervisor(p);
  REQUIRE(e2e::group_alive(pgid));  // the turn outlived its runner: an orphan
  CHECK(e2e::state_of(p, "w1") == "in_turn");
  auto st = p.drover({"status", "--json"}).json();  // status shows the orphan
  CHECK(st["supervisor"]["running"] == false);
  CHECK(st["agents"][0]["turn_process"]["orphan"] == true);
  CHECK(contains(p.drover({"status"}).out, "ORPHAN pid"));
  e2e::write_text(flag, "");
  (void)e2e::ok(p, {"up"});

  // Recovery ran before `up` returned: the orphan's group is gone and the turn is settled.
  CHECK_FALSE(e2e::group_alive(pgid));
  CHECK(events_of(p, "w1", "orphan_killed") == 1);
  CHECK(e2e::sql_int(p, "SELECT " + e2e::json_field("data", "pgid") +
                            " FROM events WHERE kind = 'orphan_killed'") == pgid);
  CHECK(first_turn_outcome(p, "w1") == "interrupted");
  CHECK(contains(e2e::read_text(p.root() / ".drover/logs/supervisor.log"),
                 "resuming w1 (interrupted turn"));

  REQUIRE(e2e::wait_state(p, "w1", "completed"));
  auto recs = e2e::records(p, "w1");
  REQUIRE(recs.size() == 2);
  CHECK(e2e::argv_has(recs[1], "--resume"));
  CHECK(e2e::argv_has(recs[1], sid));
  std::string text = recs[1]["text"];
  CHECK(contains(text, kNote));
  CHECK(contains(text, "extra-one"));
  CHECK(contains(text, "extra-two"));
  CHECK(contains(text, "Type: dispatch"));  // the interrupted turn's mail was released
  CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_done"}).size() == 1);
  CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"}).empty());
  CHECK(e2e::sql(p, "SELECT count(*) FROM messages WHERE to_agent = 'w1' AND read_at IS NULL") ==
        "0");
  CHECK(e2e::sql(p, "SELECT count(*) FROM messages WHERE to_agent = 'w1'") ==
        "4");  // dispatch, 2 extra, note
  e2e::check_mail_invariants(p, "w1");
}

TEST_CASE(
    "after SIGKILL, agents whose last activity is older than resume_max_age go stale and are not "
    "resumed") {
  // Aged two ways: last_activity rewritten to 2020 (max age 1h), or a real max age of 1s
  // waited out on the database clock.
  for (bool real_time : {false, true}) {
    CAPTURE(real_time);
    TempProject p;
    p.init_scripted(real_time ? "supervisor.resume_max_age = \"1s\""
                              : "supervisor.resume_max_age = \"1h\"");
    (void)e2e::ok(p, {"up"});  // before slinging: its own start-up recovery sees no agent
    e2e::sling(p, {"old1", "--parent", "boss", "#!say started\n#!sh sleep 60\n" + kReportToBoss});
    wait_in_sh_step(p, "old1");
    long long pgid = first_pgid(p, "old1");
    e2e::kill_supervisor(p);
    // An idle agent with pending mail, slung while no supervisor runs.
    e2e::sling(p, {"old2", "--no-start", "--parent", "boss", "#!say never"});
    // The supervisor is dead: nothing refreshes last_activity.
    if (real_time)
      REQUIRE(e2e::wait_until(
          [&] {
            return e2e::sql(p, "SELECT count(*) FROM sessions WHERE " +
                                   e2e::seconds_since("last_activity") + " > 1.5") == "2";
          },
          e2e::kDeadline));
    else
      e2e::sql(p,
               "UPDATE sessions SET last_activity = '2020-01-01T00:00:00.000Z' WHERE name IN "
               "('old1', 'old2')");
    (void)e2e::ok(p, {"up"});

    CHECK_FALSE(e2e::group_alive(pgid));
    CHECK(events_of(p, "old1", "orphan_killed") == 1);
    for (const char* name : {"old1", "old2"}) {
      CAPTURE(name);
      CHECK(e2e::state_of(p, name) == "stale");
      CHECK(contains(
          e2e::sql(p, std::string("SELECT state_reason FROM sessions WHERE name = '") + name + "'"),
          "older than"));
    }
    CHECK(first_turn_outcome(p, "old1") == "interrupted");
    CHECK(e2e::sql(p, "SELECT count(*) FROM turns WHERE agent = 'old1'") == "1");
    CHECK(e2e::sql(p, "SELECT count(*) FROM turns WHERE agent = 'old2'") == "0");
    CHECK(e2e::records(p, "old1").size() == 1);
    auto log = e2e::read_text(p.root() / ".drover/logs/supervisor.log");
    CHECK(contains(log, "not resuming old1: last activity "));
    CHECK(contains(log,
                   real_time ? "is older than 1s" : "2020-01-01T00:00:00.000Z is older than 1h"));
    CHECK(contains(log, "not resuming old2"));

    auto died = e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"});
    REQUIRE(died.size() == 2);
    for (const auto& m : died) CHECK(m["payload"]["terminated_by"] == "supervisor");
    // Their mail is kept, released and unread: `drover resume` would deliver it.
    CHECK(e2e::sql(
              p,
              "SELECT count(*) FROM messages WHERE to_agent IN ('old1','old2') AND read_at IS NULL "
              "AND claimed_turn IS NULL") == "2");
    e2e::check_mail_invariants(p, "old1");
    CHECK(e2e::run(p, {"nudge", "old1"}).code == 4);
  }
}

TEST_CASE(
    "SIGKILL before the agent's first output: the orphan is killed, the retry is a fresh session, "
    "no mail lost") {
  TempProject p;
  p.init_scripted();
  e2e::sling(p, {"w2", "--parent", "boss", "#!sleep-before 30s\n" + kReportToBoss});
  REQUIRE(e2e::wait_records(p, "w2", 1));  // written before the sleep
  REQUIRE(e2e::wait_state(p, "w2", "in_turn"));
  CHECK(e2e::sql(p, "SELECT coalesce(runtime_session_id, '') FROM sessions WHERE name = 'w2'")
            .empty());
  long long pgid = first_pgid(p, "w2");
  send_to(p, "w2", "queued while silent");

  e2e::kill_supervisor(p);
  REQUIRE(e2e::group_alive(pgid));
  (void)e2e::ok(p, {"up"});
  CHECK_FALSE(e2e::group_alive(pgid));
  CHECK(events_of(p, "w2", "orphan_killed") == 1);
  CHECK(first_turn_outcome(p, "w2") == "interrupted");

  // No session id was ever stored: the next turn starts fresh from the template, carrying
  // the task, the note and the queued mail, each exactly once.
  REQUIRE(e2e::wait_records(p, "w2", 2));
  REQUIRE(e2e::wait_until(
      [&] {
        return e2e::sql(p, "SELECT count(*) FROM turns WHERE agent = 'w2' AND ended_at IS NULL") ==
               "1";
      },
      e2e::kDeadline));
  auto recs = e2e::records(p, "w2");
  REQUIRE(recs.size() == 2);
  CHECK_FALSE(e2e::argv_has(recs[1], "--resume"));
  std::string text = recs[1]["text"];
  CHECK(contains(text, "#!sleep-before 30s"));
  CHECK(contains(text, kNote));
  CHECK(contains(text, "queued while silent"));
  CHECK(e2e::sql(p,
                 "SELECT count(*) FROM messages WHERE to_agent = 'w2' AND claimed_turn = "
                 "(SELECT max(id) FROM turns WHERE agent = 'w2')") == "3");
  e2e::check_mail_invariants(p, "w2");

  // Stopping the retried turn releases its mail again: all of it is pending, none read.
  (void)e2e::ok(p, {"stop", "w2"});
  CHECK(
      e2e::sql(
          p,
          "SELECT count(*) || ' ' || sum(CASE WHEN read_at IS NULL AND claimed_turn IS NULL THEN 1 "
          "ELSE 0 END) FROM messages "
          "WHERE to_agent = 'w2'") == "3 3");
  CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"}).size() == 1);
  e2e::check_mail_invariants(p, "w2");
}

TEST_CASE(
    "the turn ends while the supervisor is dead: its stale turn.pid is dropped and the agent "
    "resumes once") {
  TempProject p;
  p.init_scripted();
  auto gate = p.root() / "gate";
  e2e::sling(p, {"w3", "--parent", "boss",
                 "#!say started\n#!sh while [ ! -e " + gate.string() + " ]; do sleep 0.05; done\n" +
                     kReportToBoss});
  wait_in_sh_step(p, "w3");
  long long pgid = first_pgid(p, "w3");
  e2e::kill_supervisor(p);
  // Let the turn go on: its next stdout write hits a pipe nobody reads, and it dies unsettled
  // before it could report.
  e2e::write_text(gate, "");
  REQUIRE(e2e::wait_until([&] { return !e2e::group_alive(pgid); }, e2e::kDeadline));
  CHECK(e2e::mail_list(p, {"--to", "boss"}).empty());
  CHECK(e2e::state_of(p, "w3") == "in_turn");

  (void)e2e::ok(p, {"up"});
  CHECK(events_of(p, "w3", "stale_turn_pid") == 1);
  CHECK(events_of(p, "w3", "orphan_killed") == 0);
  CHECK(first_turn_outcome(p, "w3") == "interrupted");
  REQUIRE(e2e::wait_state(p, "w3", "completed"));
  auto recs = e2e::records(p, "w3");
  REQUIRE(recs.size() == 2);
  CHECK(e2e::argv_has(recs[1], "--resume"));
  CHECK(contains(recs[1]["text"].get<std::string>(), kNote));
  CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_done"}).size() == 1);
  CHECK(e2e::sql(p, "SELECT count(*) FROM messages WHERE to_agent = 'w3' AND read_at IS NULL") ==
        "0");
  e2e::check_mail_invariants(p, "w3");
}

TEST_CASE(
    "drover down during a turn settles it as interrupted and the next up resumes it to "
    "completion") {
  for (bool now : {true, false}) {
    CAPTURE(now);
    TempProject p;
    // Without --now, a zero shutdown_grace interrupts running turns at once too.
    p.init_scripted(now ? "" : "supervisor.shutdown_grace = \"0s\"");
    auto flag = p.root() / "flag";
    e2e::sling(p,
               {"w4", "--parent", "boss",
                "#!say started\n#!sh test -f " + flag.string() + " || sleep 60\n" + kReportToBoss});
    wait_in_sh_step(p, "w4");
    long long pgid = first_pgid(p, "w4");
    auto down = now ? p.drover({"down", "--now"}) : p.drover({"down"});
    INFO(down.out << down.err);
    REQUIRE(down.code == 0);

    CHECK_FALSE(drover::os::is_locked(e2e::supervisor_lock(p)));
    CHECK_FALSE(e2e::group_alive(pgid));
    CHECK(first_turn_outcome(p, "w4") == "interrupted");
    CHECK(e2e::sql(p,
                   "SELECT state || ' ' || coalesce(CAST(current_turn AS TEXT), '-') FROM sessions "
                   "WHERE name = 'w4'") == "between_turns -");
    CHECK(e2e::sql(p,
                   "SELECT count(*) FROM messages WHERE to_agent = 'w4' AND read_at IS NULL AND "
                   "claimed_turn IS NULL") == "1");
    CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/agents/w4/turn.pid"));
    CHECK(e2e::mail_list(p, {"--to", "boss"}).empty());  // an interruption is not a death

    e2e::write_text(flag, "");
    (void)e2e::ok(p, {"up"});
    REQUIRE(e2e::wait_state(p, "w4", "completed"));
    auto recs = e2e::records(p, "w4");
    REQUIRE(recs.size() == 2);
    CHECK(e2e::argv_has(recs[1], "--resume"));
    CHECK(contains(recs[1]["text"].get<std::string>(), "Type: dispatch"));
    CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_done"}).size() == 1);
    e2e::check_mail_invariants(p, "w4");
  }
}

TEST_CASE(
    "a drover turn runner SIGKILLed mid-turn: the running supervisor kills the orphan and resumes "
    "the agent") {
  TempProject p;
  p.init_scripted("supervisor.poll_interval = \"200ms\"\n");
  auto flag = p.root() / "flag";
  e2e::sling(p,
             {"w1", "--no-start", "--parent", "boss",
              "#!say started\n#!sh test -f " + flag.string() + " || sleep 60\n" + kReportToBoss});
  // A foreground runner takes the turn before any supervisor exists.
  auto runner = start_foreground_turn(p, "w1");
  wait_in_sh_step(p, "w1");
  long long pgid = first_pgid(p, "w1");
  (void)e2e::ok(p, {"up"});  // its start-up recovery must leave the runner's turn alone
  CHECK(e2e::group_alive(pgid));
  CHECK(e2e::state_of(p, "w1") == "in_turn");

  e2e::write_text(flag, "");  // the orphan already sleeps; its retry will find the flag
  REQUIRE(::kill(runner->pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(runner->pid, &status, 0) == runner->pid);
  drover::os::close_child_fds(*runner);
  // The supervisor notices at its next poll: orphan killed, turn interrupted, agent resumed.
  REQUIRE(
      e2e::wait_until([&] { return events_of(p, "w1", "orphan_killed") == 1; }, e2e::kDeadline));
  CHECK(e2e::wait_until([&] { return !e2e::group_alive(pgid); }, e2e::kDeadline));
  // The kill's event is written before the turn is settled: wait for the settle.
  CHECK(e2e::wait_until([&] { return first_turn_outcome(p, "w1") == "interrupted"; },
                        e2e::kDeadline));
  bool done = e2e::wait_state(p, "w1", "completed");
  INFO(e2e::sql(
      p, "SELECT state || ' ' || coalesce(state_reason, '') FROM sessions WHERE name = 'w1'"));
  INFO(e2e::sql(p,
                "SELECT id || ' ' || coalesce(outcome, 'running') || ' ' || coalesce(detail, '') "
                "FROM turns"));
  INFO(e2e::read_text(p.root() / ".drover/logs/supervisor.log"));
  REQUIRE(done);
  auto notes = e2e::mail_list(p, {"--to", "w1", "--from", "supervisor"});
  REQUIRE(notes.size() == 1);
  CHECK(notes[0]["subject"] == "runner died");
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages WHERE type = 'worker_died'") == 0);
  e2e::check_mail_invariants(p, "w1");
  (void)e2e::ok(p, {"down"});
}

TEST_CASE(
    "drover turn after the agent's runner died recovers the dead turn (orphan killed, turn "
    "interrupted) and runs the agent") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  auto flag = p.root() / "flag";
  e2e::sling(p, {"w1", "--no-start",
                 "#!say started\n#!sh test -f " + flag.string() + " || sleep 60\n" +
                     e2e::kReportToOperator});
  auto runner = start_foreground_turn(p, "w1");
  wait_in_sh_step(p, "w1");
  long long pgid = first_pgid(p, "w1");
  e2e::write_text(flag, "");  // the orphan already sleeps; the retry will find the flag
  REQUIRE(::kill(runner->pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(runner->pid, &status, 0) == runner->pid);
  drover::os::close_child_fds(*runner);
  CHECK(e2e::state_of(p, "w1") == "in_turn");  // nobody settled it

  auto r = e2e::run(p, {"turn", "w1"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "recovered after its runner died"));
  CHECK_FALSE(e2e::group_alive(pgid));
  CHECK(first_turn_outcome(p, "w1") == "interrupted");
  CHECK(events_of(p, "w1", "orphan_killed") == 1);
  CHECK(e2e::state_of(p, "w1") == "completed");
  e2e::check_mail_invariants(p, "w1");
}
