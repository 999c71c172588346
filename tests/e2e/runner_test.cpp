// End-to-end: the turn runner through `drover turn` with the scripted agent (SPEC §5.1,
// §5.2, §5.4–§5.6): no-op turns, identity and environment, session resume, resume
// mismatch, lost sessions, terminal mail per capability, contract violations,
// worker_died and waiting for children.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using namespace e2e;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE(
    "runner: an agent with no pending mail is a no-op (no lock, no turn row, no state change)") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"alice", "#!say hello", "--capability", "coordinator"});
  REQUIRE(turn(p, "alice").code == 0);
  const json before = agent_row(p, "alice");
  REQUIRE(before["state"] == "between_turns");
  REQUIRE(sql(p, "SELECT count(*) FROM turns") == "1");
  auto lock_path = agent_dir(p, "alice") / "turn.lock";
  REQUIRE(fs::exists(lock_path));
  auto lock_mtime = fs::last_write_time(lock_path);

  {
    // Someone else holds the lock: a no-op must not even try to take it.
    HeldLock other(p, "alice");
    Run r = turn(p, "alice", {"--lock-timeout", "200ms"});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(contains(r.out + r.err, "nothing to do"));
  }
  Run again = turn(p, "alice", {"--json"});
  CHECK(again.code == 0);
  CHECK(again.json()["ran"] == false);

  CHECK(sql(p, "SELECT count(*) FROM turns") == "1");
  CHECK(fs::last_write_time(lock_path) == lock_mtime);
  CHECK(agent_row(p, "alice") == before);
  CHECK_FALSE(fs::exists(record_path(p, "alice", 2)));
  CHECK_FALSE(turn_pid_exists(p, "alice"));
}

TEST_CASE(
    "runner: first turn starts fresh, the next resumes the stored session id with DROVER_* env and "
    "cwd") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"alice", "#!say hello", "--capability", "coordinator", "--parent", "lead",
                   "--task-id", "T-7"});
  json first = turn_json(p, "alice");
  REQUIRE(first["ran"] == true);
  CHECK(first["state"] == "between_turns");
  const long long t1 = first["turn"].get<long long>();

  json rec1 = record(p, "alice", t1);
  CHECK_FALSE(argv_has(rec1, "--resume"));
  const json& env = rec1["env"];
  CHECK(env["DROVER_AGENT"] == "alice");
  CHECK(env["DROVER_PROJECT"] == p.root().string());
  CHECK(env["DROVER_TURN"] == std::to_string(t1));
  CHECK(env["DROVER_PARENT"] == "lead");
  CHECK(env["DROVER_TASK_ID"] == "T-7");
  CHECK(env["DROVER_WORKTREE"] == p.root().string());
  CHECK(rec1["cwd"] == p.root().string());
  CHECK(contains(rec1["text"].get<std::string>(), "Your task"));
  CHECK_FALSE(turn_pid_exists(p, "alice"));

  const json row = agent_row(p, "alice");
  REQUIRE(row["runtime_session_id"].is_string());
  const std::string session = row["runtime_session_id"].get<std::string>();
  CHECK_FALSE(session.empty());

  nudge_parked(p, "alice", "#!say again");
  json second = turn_json(p, "alice");
  REQUIRE(second["ran"] == true);
  const long long t2 = second["turn"].get<long long>();
  CHECK(t2 > t1);
  json rec2 = record(p, "alice", t2);
  CHECK(argv_after(rec2, "--resume") == session);
  CHECK(rec2["env"]["DROVER_TURN"] == std::to_string(t2));
  const std::string text2 = rec2["text"].get<std::string>();
  CHECK(contains(text2, "[MAIL #"));
  CHECK(contains(text2, "#!say again"));
  CHECK_FALSE(contains(text2, "Your task"));
  // A matching resume records no mismatch and keeps the id.
  CHECK(events(p, "alice", "resume_mismatch").empty());
  CHECK(agent_row(p, "alice")["runtime_session_id"] == session);
  CHECK(state_of(p, "alice") == "between_turns");
  CHECK_FALSE(turn_pid_exists(p, "alice"));
}

TEST_CASE(
    "runner: a resume answered with another session id stores it and records resume_mismatch") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"alice", "#!say hello", "--capability", "coordinator"});
  REQUIRE(turn(p, "alice").code == 0);
  const std::string first_id = agent_row(p, "alice")["runtime_session_id"].get<std::string>();

  nudge_parked(p, "alice", "#!session other-id");
  json second = turn_json(p, "alice");
  REQUIRE(second["ran"] == true);
  CHECK(argv_after(record(p, "alice", second["turn"].get<long long>()), "--resume") == first_id);
  CHECK(agent_row(p, "alice")["runtime_session_id"] == "other-id");
  auto mismatches = events(p, "alice", "resume_mismatch");
  REQUIRE(mismatches.size() == 1);
  CHECK(mismatches[0]["level"] == "warn");
  CHECK(mismatches[0]["turn"] == second["turn"]);
  CHECK(mismatches[0]["data"]["requested_session_id"] == first_id);
  CHECK(mismatches[0]["data"]["observed_session_id"] == "other-id");

  // The next turn resumes the new id, and that match adds no warning.
  nudge_parked(p, "alice", "#!say fine");
  json third = turn_json(p, "alice");
  CHECK(argv_after(record(p, "alice", third["turn"].get<long long>()), "--resume") == "other-id");
  CHECK(events(p, "alice", "resume_mismatch").size() == 1);
  CHECK_FALSE(turn_pid_exists(p, "alice"));
}

TEST_CASE(
    "runner: a lost runtime session clears the id, records resume_failed and starts fresh from the "
    "template") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"alice", "#!say hello", "--capability", "coordinator"});
  REQUIRE(turn(p, "alice").code == 0);
  const std::string first_id = agent_row(p, "alice")["runtime_session_id"].get<std::string>();

  nudge_parked(p, "alice", "#!lost-session");
  const std::string lost_mail = sql(p, "SELECT max(id) FROM messages WHERE to_agent='alice'");
  json lost = failed_turn(p, "alice");
  CHECK(lost["outcome"] == "lost_session");
  const long long t2 = lost["id"].get<long long>();
  CHECK(argv_after(record(p, "alice", t2), "--resume") == first_id);
  auto failed = events(p, "alice", "resume_failed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["level"] == "warn");
  CHECK(failed[0]["data"]["requested_session_id"] == first_id);
  json row = agent_row(p, "alice");
  CHECK(row["runtime_session_id"].is_null());
  CHECK(row["state"] == "between_turns");
  // The runtime's own words stay visible (issue 16 item 7), with what drover does next.
  CHECK(contains(row["state_reason"].get<std::string>(),
                 "No conversation found with session ID: " + first_id));
  CHECK(contains(row["state_reason"].get<std::string>(), "fresh"));
  CHECK(released_flags(p, lost_mail) == "1|1");
  CHECK_FALSE(turn_pid_exists(p, "alice"));

  nudge_parked(p, "alice", "#!say fresh start");
  json fresh = turn_json(p, "alice");
  REQUIRE(fresh["ran"] == true);
  json rec3 = record(p, "alice", fresh["turn"].get<long long>());
  CHECK_FALSE(argv_has(rec3, "--resume"));
  const std::string text = rec3["text"].get<std::string>();
  CHECK(contains(text, "Your task"));
  CHECK(contains(text, "#!say hello"));          // the task, rendered again
  CHECK(contains(text, "[MAIL #" + lost_mail));  // the released mail follows
  CHECK(contains(text, "#!say fresh start"));
  CHECK(agent_row(p, "alice")["runtime_session_id"].is_string());
  CHECK(state_of(p, "alice") == "between_turns");
}

TEST_CASE("runner: terminal mail per capability decides completion") {
  TempProject p;
  init_for_manual_turns(p);
  struct Case {
    const char* agent;
    const char* capability;
    const char* type;
    const char* outcome;
  };
  const Case cases[] = {{"b-done", "builder", "worker_done", "completed"},
                        {"b-result", "builder", "result", "completed"},
                        {"m-done", "merger", "worker_done", "contract_violation"},
                        {"m-merged", "merger", "merged", "completed"},
                        {"m-failed", "merger", "merge_failed", "completed"}};
  for (const Case& c : cases) {
    CAPTURE(c.agent);
    sling_parked(
        p, {c.agent,
            std::string("#!mail --to operator --type ") + c.type + " --subject report --body ok",
            "--capability", c.capability});
    bool violation = std::string(c.outcome) == "contract_violation";
    Run run = turn(p, c.agent);
    INFO(run.err);
    CHECK(run.code == (violation ? 1 : 0));  // a contract violation is not a good end
    CHECK(last_turn(p, c.agent)["outcome"] == c.outcome);
    json row = agent_row(p, c.agent);
    CHECK(row["state"] == "completed");
    CHECK(events(p, c.agent, "contract_violation").size() == (violation ? 1u : 0u));
    if (violation) CHECK(row["state_reason"] == "ended without terminal mail");
    else CHECK((row["state_reason"].is_null() || row["state_reason"] == ""));
    CHECK(mail_list(p, {"--from", c.agent, "--type", c.type}).size() == 1);
    CHECK_FALSE(turn_pid_exists(p, c.agent));
  }
}

TEST_CASE("runner: a terminal mail sent in an earlier turn does not complete a later turn") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"alice", "#!say working\n" + e2e::kReportToOperator, "--parent", "lead"});
  json first = turn_json(p, "alice");
  REQUIRE(first["outcome"] == "completed");
  CHECK(worker_died_to(p, "lead").empty());

  Run resumed = p.drover({"resume", "alice", "#!say more work, no report"}, agent_opts(p));
  INFO(resumed.err);
  REQUIRE(resumed.code == 0);
  REQUIRE(state_of(p, "alice") == "between_turns");
  json second = failed_turn(p, "alice");
  CHECK(second["id"] == first["turn"].get<long long>() + 1);
  CHECK(second["outcome"] == "contract_violation");
  json row = agent_row(p, "alice");
  CHECK(row["state"] == "completed");
  CHECK(row["state_reason"] == "ended without terminal mail");
  auto died = worker_died_to(p, "lead");
  REQUIRE(died.size() == 1);
  CHECK(died[0]["payload"]["turn"] == second["id"]);
}

TEST_CASE(
    "runner: a clean end without terminal mail is a contract violation with one worker_died to the "
    "parent") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p,
               {"alice", "#!say finished but told nobody", "--parent", "lead", "--task-id", "T-1"});
  const std::string dispatch = dispatch_id(p, "alice");
  Run r = turn(p, "alice", {"--json"});
  INFO(r.err);
  CHECK(r.code == 1);  // the turn did not end the way the contract says
  CHECK(r.json()["error"]["message"].get<std::string>().find("contract_violation") !=
        std::string::npos);
  json row_turn = last_turn(p, "alice");
  CHECK(row_turn["outcome"] == "contract_violation");
  const long long t = row_turn["id"].get<long long>();

  json row = agent_row(p, "alice");
  CHECK(row["state"] == "completed");
  CHECK(row["state_reason"] == "ended without terminal mail");
  auto violations = events(p, "alice", "contract_violation");
  REQUIRE(violations.size() == 1);
  CHECK(violations[0]["level"] == "error");
  CHECK(sql(p, "SELECT count(*) FROM messages WHERE read_at IS NOT NULL AND id=" + dispatch) ==
        "1");  // clean result

  auto died = worker_died_to(p, "lead");
  REQUIRE(died.size() == 1);
  const json& m = died[0];
  CHECK(m["from"] == "alice");
  CHECK(m["priority"] == "high");
  CHECK(m["subject"] == "worker_died: alice");
  CHECK_FALSE(m["body"].get<std::string>().empty());
  const json& pl = m["payload"];
  REQUIRE(pl.is_object());
  for (const char* key :
       {"agent", "capability", "task_id", "reason", "last_activity", "terminated_by", "turn"})
    CHECK_MESSAGE(pl.contains(key), key);
  CHECK(pl["agent"] == "alice");
  CHECK(pl["capability"] == "builder");
  CHECK(pl["task_id"] == "T-1");
  CHECK(contains(pl["reason"].get<std::string>(), "ended without terminal mail"));
  CHECK(pl["last_activity"].is_string());
  CHECK(pl["terminated_by"] == "runner");
  CHECK(pl["turn"] == t);
  CHECK(mail_list(p, {"--type", "worker_died"}).size() == 1);
  CHECK_FALSE(turn_pid_exists(p, "alice"));
}

TEST_CASE(
    "runner: an agent without a parent reports its death to the operator, none when the terminal "
    "mail was seen") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"orphan", "#!say finished, no report"});
  CHECK(failed_turn(p, "orphan")["outcome"] == "contract_violation");
  CHECK(state_of(p, "orphan") == "completed");
  CHECK(events(p, "orphan", "contract_violation").size() == 1);
  auto died = worker_died_to(p, "operator");  // SPEC §5.5: no parent → operator
  REQUIRE(died.size() == 1);
  CHECK(died[0]["from"] == "orphan");
  CHECK(died[0]["payload"]["terminated_by"] == "runner");

  sling_parked(
      p, {"dutiful", "#!say done\n#!mail --to lead --type worker_done --subject done --body ok",
          "--parent", "lead"});
  CHECK(turn_json(p, "dutiful")["outcome"] == "completed");
  CHECK(events(p, "dutiful", "contract_violation").empty());

  CHECK(mail_list(p, {"--type", "worker_died"}).size() == 1);  // the orphan's only
  CHECK(mail_list(p, {"--to", "lead", "--type", "worker_done"}).size() == 1);
}

TEST_CASE("runner: a malformed session id is refused: not stored, never resumed, recorded") {
  TempProject p;
  init_for_manual_turns(p);
  const std::string huge(300, 'x');  // over 256 bytes
  sling_parked(p, {"alice", "#!session " + huge, "--capability", "coordinator"});
  json first = turn_json(p, "alice");
  REQUIRE(first["ran"] == true);
  CHECK(agent_row(p, "alice")["runtime_session_id"].is_null());
  auto refused = events(p, "alice", "malformed_session_id");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0]["level"] == "warn");
  CHECK(refused[0]["data"]["bytes"] == 300);

  nudge_parked(p, "alice", "#!say again");
  json second = turn_json(p, "alice");
  REQUIRE(second["ran"] == true);
  CHECK_FALSE(argv_has(record(p, "alice", second["turn"].get<long long>()), "--resume"));
  // A fresh session renders the task again, whose directive reports the same bad id.
  CHECK(events(p, "alice", "malformed_session_id").size() == 2);
  CHECK(agent_row(p, "alice")["runtime_session_id"].is_null());
}

TEST_CASE("runner: an agent with a live child that ends cleanly without terminal mail is waiting") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"boss", "#!say waiting for my worker", "--capability", "lead"});
  sling_parked(p, {"kid", "some work", "--parent", "boss"});
  json r = turn_json(p, "boss");
  REQUIRE(r["ran"] == true);
  CHECK(r["outcome"] == "waiting");
  json row = agent_row(p, "boss");
  CHECK(row["state"] == "between_turns");
  CHECK(row["failed_turns"] == 0);
  CHECK(events(p, "boss", "contract_violation").empty());
  CHECK(mail_list(p, {"--type", "worker_died"}).empty());
  CHECK(state_of(p, "kid") == "booting");
  CHECK_FALSE(turn_pid_exists(p, "boss"));
}
