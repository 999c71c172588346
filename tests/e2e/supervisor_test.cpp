// End-to-end: the supervisor running real scripted agents (SPEC §5.4, §5.5, §6.1–§6.3, §6.8, §7):
// a lead and its children, nudge, stop, a missing runtime, a crash loop, one supervisor.
#include <doctest/doctest.h>

#include "os/file_lock.h"
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

// A turn directive that blocks until `gate` exists (the test opens it; no fixed sleep).
std::string wait_for(const std::filesystem::path& gate) {
  return "#!sh while [ ! -e " + gate.string() + " ]; do sleep 0.05; done";
}

}  // namespace

TEST_CASE(
    "a lead slings two children from its turn, is woken by their worker_done, then reports once") {
  TempProject p;
  p.init_scripted();
  // Run by the lead for each child's worker_done (the directive is the body of that mail):
  // report to the operator once both children have reported, and only once.
  auto check = p.root() / "check.sh";
  e2e::write_text(
      check,
      "n=$(drover mail list --to \"$DROVER_AGENT\" --type worker_done --json --limit 0 | grep -c "
      "'\"id\":')\n"
      "s=$(drover mail list --from \"$DROVER_AGENT\" --to operator --json --limit 0 | grep -c "
      "'\"id\":')\n"
      "if [ \"$n\" -ge 2 ] && [ \"$s\" -eq 0 ]; then\n"
      "  drover mail send --to operator --type worker_done --subject 'all done' --body done\n"
      "fi\n");
  std::string kid_task = "#!mail --to lead --type worker_done --subject done --body \"#!sh sh " +
                         check.string() + "\"";
  std::string lead_task;
  for (const char* kid : {"kid1", "kid2"})
    lead_task += std::string("#!sh drover sling ") + kid + " --parent \"$DROVER_AGENT\" '" +
                 kid_task + "'\n";
  e2e::sling(p, {"lead", "--capability", "lead", lead_task});

  REQUIRE(e2e::wait_state(p, "lead", "completed"));
  CHECK(e2e::state_of(p, "kid1") == "completed");
  CHECK(e2e::state_of(p, "kid2") == "completed");
  CHECK(e2e::sql(p, "SELECT parent || ' ' || depth FROM sessions WHERE name IN ('kid1','kid2')") ==
        "lead 1\nlead 1");
  // The lead's first turn ended waiting (it had children), a later one carried their mail.
  CHECK(e2e::turn_count(p, "lead") >= 2);
  CHECK(e2e::sql(p, "SELECT outcome FROM turns WHERE agent = 'lead' ORDER BY id LIMIT 1") ==
        "waiting");
  CHECK(e2e::mail_list(p, {"--to", "lead", "--type", "worker_done"}).size() == 2);
  auto to_operator = e2e::mail_list(p, {"--to", "operator"});
  REQUIRE(to_operator.size() == 1);
  CHECK(to_operator[0]["from"] == "lead");
  CHECK(to_operator[0]["type"] == "worker_done");
  // It came last: after both children's reports.
  for (const auto& m : e2e::mail_list(p, {"--to", "lead"}))
    CHECK(m["id"].get<long long>() < to_operator[0]["id"].get<long long>());
  CHECK(e2e::mail_list(p, {"--type", "worker_died"}).empty());
  CHECK(e2e::sql(p, "SELECT count(*) FROM turns WHERE ended_at IS NULL") == "0");
}

TEST_CASE(
    "nudge: an idle agent runs now, a busy one gets it at its next turn, --wait follows the turn") {
  TempProject p;
  p.init_scripted();
  // A coordinator has no terminal mail: a clean turn leaves it between_turns.
  e2e::sling(p, {"coord", "--capability", "coordinator", "#!say hello"});
  auto idle_after = [&](long long turns) {
    return e2e::wait_until(
        [&] {
          return e2e::sql(p,
                          "SELECT state || ' ' || turn_count || ' ' || coalesce(CAST(current_turn "
                          "AS TEXT), '-') "
                          "FROM sessions "
                          "WHERE name = 'coord'") ==
                 "between_turns " + std::to_string(turns) + " -";
        },
        e2e::kDeadline);
  };
  REQUIRE(idle_after(1));

  SUBCASE("idle") {
    auto r = e2e::ok(p, {"nudge", "coord", "#!say idle-nudge", "--json"});
    CHECK(r.json()["agent"] == "coord");
    REQUIRE(idle_after(2));
    auto recs = e2e::records(p, "coord");
    REQUIRE(recs.size() == 2);
    CHECK(contains(recs[1]["text"], "idle-nudge"));
    CHECK(contains(recs[1]["text"], "Type: nudge"));
  }

  SUBCASE("--wait exits 0 once the turn that carried the nudge settled cleanly") {
    auto r = e2e::run(p, {"nudge", "coord", "--wait", "#!say waited"});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(contains(r.out, "text   waited"));
    CHECK_FALSE(contains(r.out, "text   hello"));  // only what the nudge caused, not the first turn
    CHECK(e2e::turn_count(p, "coord") == 2);
    CHECK(
        e2e::sql(p, "SELECT count(*) FROM messages WHERE type = 'nudge' AND read_at IS NOT NULL") ==
        "1");
  }

  SUBCASE("busy") {
    auto gate = p.root() / "gate";
    e2e::ok(p, {"nudge", "coord", wait_for(gate)});
    REQUIRE(e2e::wait_until([&] { return e2e::records(p, "coord").size() == 2; }, e2e::kDeadline));
    REQUIRE(e2e::wait_state(p, "coord", "in_turn"));
    auto r = e2e::ok(p, {"nudge", "coord", "#!say busy-nudge"});
    // It returned while the turn still runs (the gate is closed), and the nudge is queued.
    CHECK(e2e::state_of(p, "coord") == "in_turn");
    CHECK(e2e::sql(p,
                   "SELECT count(*) FROM messages WHERE body = '#!say busy-nudge' AND claimed_turn "
                   "IS NULL") == "1");
    e2e::write_text(gate, "");
    REQUIRE(idle_after(3));
    auto recs = e2e::records(p, "coord");
    REQUIRE(recs.size() == 3);
    CHECK_FALSE(contains(recs[1]["text"], "busy-nudge"));
    CHECK(contains(recs[2]["text"], "busy-nudge"));
  }

  SUBCASE("finished and unknown agents") {
    e2e::sling(p, {"done1", "#!mail --to operator --type worker_done --subject done --body ok"});
    REQUIRE(e2e::wait_state(p, "done1", "completed"));
    auto r = e2e::run(p, {"nudge", "done1", "hello"});
    CHECK(r.code == 4);
    CHECK(contains(r.err, "resume"));
    CHECK(e2e::run(p, {"nudge", "nobody", "hello"}).code == 3);
    CHECK(e2e::mail_list(p, {"--type", "nudge"}).empty());
  }
}

TEST_CASE(
    "stop during a long turn: stopped, one worker_died, nothing of the turn left, and stop again "
    "is 4") {
  TempProject p;
  p.init_scripted();
  e2e::sling(p, {"sleeper", "--parent", "boss", "#!sleep 60s"});
  REQUIRE(e2e::wait_records(p, "sleeper", 1));
  REQUIRE(e2e::wait_state(p, "sleeper", "in_turn"));
  long long pgid = e2e::records(p, "sleeper")[0]["pgid"].get<long long>();
  REQUIRE(e2e::group_alive(pgid));

  auto r = e2e::ok(p, {"stop", "sleeper", "--json"});
  auto doc = r.json();
  CHECK(doc["agent"] == "sleeper");
  CHECK(doc["state"] == "stopped");
  CHECK(doc["signalled"] == true);
  CHECK(e2e::state_of(p, "sleeper") == "stopped");
  CHECK_FALSE(e2e::group_alive(pgid));
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/agents/sleeper/turn.pid"));
  CHECK(e2e::sql(p, "SELECT outcome FROM turns WHERE agent = 'sleeper'") == "stopped");

  auto died = e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"});
  REQUIRE(died.size() == 1);
  CHECK(died[0]["from"] == "sleeper");
  CHECK(died[0]["priority"] == "high");
  CHECK(died[0]["payload"]["terminated_by"] == "operator");
  CHECK(died[0]["payload"]["agent"] == "sleeper");

  auto again = e2e::run(p, {"stop", "sleeper"});
  CHECK(again.code == 4);
  CHECK(contains(again.err, "stopped"));
  CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"}).size() == 1);
}

TEST_CASE("stop works with no supervisor running and still sends worker_died") {
  TempProject p;
  p.init_scripted();
  e2e::sling(p, {"idle", "--no-start", "--parent", "boss", "#!say never runs"});
  CHECK(p.drover({"status", "--json"}).json()["supervisor"]["running"] == false);
  auto r = e2e::ok(p, {"stop", "idle", "--json"});
  CHECK(r.json()["state"] == "stopped");
  CHECK(r.json()["signalled"] == false);
  CHECK(e2e::state_of(p, "idle") == "stopped");
  auto died = e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"});
  REQUIRE(died.size() == 1);
  CHECK(died[0]["payload"]["terminated_by"] == "operator");
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/supervisor.pid"));
  CHECK(e2e::sql(p, "SELECT count(*) FROM turns") == "0");
}

TEST_CASE("stop --all stops every live agent and kills their turns") {
  TempProject p;
  p.init_scripted();
  e2e::sling(p, {"done1", "#!mail --to operator --type worker_done --subject done --body ok"});
  REQUIRE(e2e::wait_state(p, "done1", "completed"));
  std::vector<long long> groups;
  for (const char* name : {"s1", "s2"}) {
    e2e::sling(p, {name, "--parent", "boss", "#!sleep 60s"});
    REQUIRE(e2e::wait_records(p, name, 1));
    REQUIRE(e2e::wait_state(p, name, "in_turn"));
    groups.push_back(e2e::records(p, name)[0]["pgid"].get<long long>());
  }
  auto r = e2e::ok(p, {"stop", "--all", "--json"});
  CHECK(r.json()["agents"].size() == 2);
  CHECK(e2e::state_of(p, "s1") == "stopped");
  CHECK(e2e::state_of(p, "s2") == "stopped");
  CHECK(e2e::state_of(p, "done1") == "completed");
  for (long long g : groups) CHECK_FALSE(e2e::group_alive(g));
  CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"}).size() == 2);
  // Nothing live is left: a second --all stops nothing and succeeds.
  auto again = e2e::ok(p, {"stop", "--all", "--json"});
  CHECK(again.json()["agents"].empty());
}

TEST_CASE(
    "a runtime whose command is missing fails that agent while another agent still completes") {
  TempProject p;
  p.init_scripted();
  const std::string missing = "/nonexistent/drover-missing-agent";
  auto cfg = p.root() / ".drover/config.toml";
  e2e::write_text(cfg,
                  e2e::read_text(cfg) + "\n[runtimes.broken]\ncommand = [\"" + missing + "\"]\n");
  e2e::sling(p, {"broken1", "--runtime", "broken", "--parent", "boss", "#!say hi"});
  e2e::sling(
      p, {"fine1", "#!say hi\n#!mail --to operator --type worker_done --subject done --body ok"});

  REQUIRE(e2e::wait_state(p, "broken1", "failed"));
  REQUIRE(e2e::wait_state(p, "fine1", "completed"));
  auto reason = e2e::sql(p, "SELECT state_reason FROM sessions WHERE name = 'broken1'");
  CHECK(contains(reason, missing));
  CHECK(e2e::sql(p, "SELECT outcome FROM turns WHERE agent = 'broken1'") == "spawn_failed");
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/agents/broken1/turn.pid"));
  // Its dispatch was released, not consumed.
  CHECK(e2e::sql(p,
                 "SELECT count(*) FROM messages WHERE to_agent = 'broken1' AND read_at IS NULL "
                 "AND claimed_turn IS NULL") == "1");
  auto died = e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"});
  REQUIRE(died.size() == 1);
  CHECK(died[0]["payload"]["terminated_by"] == "supervisor");
  auto detail = p.drover({"status", "broken1"});
  CHECK(contains(detail.out, missing));
  CHECK(p.drover({"status", "--json"}).json()["supervisor"]["running"] == true);
}

TEST_CASE("a crash loop backs off and ends zombie after max_failed_turns, with one worker_died") {
  TempProject p;
  p.init_scripted("supervisor.retry_backoff = \"100ms\"\nsupervisor.max_failed_turns = 3");
  // An error result (exit 1) fails the turn. The dispatch is released after each failed turn,
  // so every retry carries the same directive again. (A clean result with a non-zero exit,
  // `#!exit 1` alone, counts as a clean result under SPEC §5.4's first-match order.)
  e2e::sling(p, {"crasher", "--parent", "boss", "#!say trying\n#!error-result it broke"});
  REQUIRE(e2e::wait_state(p, "crasher", "zombie"));
  CHECK(e2e::sql(p,
                 "SELECT turn_count || ' ' || failed_turns FROM sessions WHERE name = 'crasher'") ==
        "3 3");
  CHECK(e2e::sql(p, "SELECT count(*) FROM turns WHERE agent = 'crasher' AND outcome = 'failed'") ==
        "3");
  // Each retry waited for its backoff (100 ms, then 200 ms) after the failed turn settled.
  auto gaps = e2e::sql(p, "SELECT " + e2e::millis_between("a.ended_at", "b.started_at") +
                              " FROM turns a JOIN turns b ON b.agent = a.agent AND b.id = "
                              "(SELECT min(id) FROM turns WHERE agent = a.agent AND id > a.id) "
                              "WHERE a.agent = 'crasher' ORDER BY a.id");
  auto nl = gaps.find('\n');
  REQUIRE(nl != std::string::npos);
  CHECK(std::stoll(gaps.substr(0, nl)) >= 90);
  CHECK(std::stoll(gaps.substr(nl + 1)) >= 190);
  auto reason = e2e::sql(p, "SELECT state_reason FROM sessions WHERE name = 'crasher'");
  CHECK(contains(reason, "it broke"));
  auto died = e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"});
  REQUIRE(died.size() == 1);
  CHECK(died[0]["payload"]["terminated_by"] == "runner");
  CHECK(died[0]["payload"]["agent"] == "crasher");
  CHECK(e2e::sql(p, "SELECT count(*) FROM turns WHERE ended_at IS NULL") == "0");
}

TEST_CASE(
    "one supervisor per project: a second supervise exits 4 naming the pid, up twice is fine, down "
    "with none running is 0") {
  TempProject p;
  p.init_scripted();
  auto down_idle = p.drover({"down", "--json"});
  CHECK(down_idle.code == 0);
  CHECK(down_idle.json()["was_running"] == false);

  auto up = e2e::ok(p, {"up", "--json"});
  CHECK(up.json()["already_running"] == false);
  auto pid = e2e::supervisor_pid(p);
  REQUIRE(pid > 0);
  CHECK(up.json()["pid"] == pid);
  CHECK(drover::os::is_locked(e2e::supervisor_lock(p)));

  auto second = e2e::run(p, {"supervise"});
  CHECK(second.code == 4);
  CHECK(contains(second.err, std::to_string(pid)));
  auto again = e2e::ok(p, {"up", "--json"});
  CHECK(again.json()["already_running"] == true);
  CHECK(again.json()["pid"] == pid);
  CHECK(e2e::supervisor_pid(p) == pid);

  auto st = p.drover({"status", "--json"}).json();
  CHECK(st["supervisor"]["running"] == true);
  CHECK(st["supervisor"]["pid"] == pid);

  auto down = p.drover({"down", "--json"});
  CHECK(down.code == 0);
  CHECK(down.json()["was_running"] == true);
  CHECK_FALSE(drover::os::is_locked(e2e::supervisor_lock(p)));
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/supervisor.pid"));
  CHECK(p.drover({"down"}).code == 0);
}

TEST_CASE("drover supervise in the foreground prints its log on stderr, even into a pipe") {
  TempProject p;
  p.init_scripted();
  std::string bin = e2e::drover_bin();
  // The first line the supervisor writes, read through a pipe; then it is told to go.
  auto r = e2e::command(
      {"bash", "-c",
       "'" + bin + "' supervise 2>&1 >/dev/null | { read -r -t 20 line; echo \"$line\"; '" + bin +
           "' down >/dev/null; cat >/dev/null; }"},
      e2e::with_cwd(p.root()));
  CHECK(r.code == 0);
  CHECK(contains(r.out, " info supervisor "));
  CHECK(contains(r.out, " started for " + p.root().string()));
}
