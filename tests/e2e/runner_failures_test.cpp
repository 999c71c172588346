// End-to-end: failed turns and the runner's error paths through `drover turn` with the
// scripted agent (SPEC §5.1, §5.4): error result / no result / non-zero exit with
// backoff and the max_failed_turns zombie, concurrent turns, spawn failure, an
// unwritable turn.pid and a turn lock held by another process.
#include <doctest/doctest.h>

#include <future>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/processes.h"
#include "support/project.h"

using namespace e2e;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A failed turn: between_turns, one more failure, mail back in the queue, a backoff.
void expect_failed_once(const TempProject& p, const std::string& agent,
                        const std::string& reason_part) {
  json row = agent_row(p, agent);
  CHECK(row["state"] == "between_turns");
  CHECK(row["failed_turns"] == 1);
  REQUIRE(row["state_reason"].is_string());
  CHECK(contains(row["state_reason"].get<std::string>(), reason_part));
  CHECK(row["retry_after"].is_string());
  CHECK(released_flags(p, dispatch_id(p, agent)) == "1|1");
  CHECK(status(p, agent)["pending_mail"].size() == 1);
  CHECK_FALSE(turn_pid_exists(p, agent));
  CHECK(lock_free(p, agent));
}

}  // namespace

TEST_CASE(
    "runner failures: an error result fails the turn, and max_failed_turns makes a zombie with one "
    "worker_died") {
  TempProject p;
  init_for_manual_turns(p, "supervisor.max_failed_turns = 2\n");
  sling_parked(p, {"alice", "#!error-result boom: overloaded", "--parent", "lead"});
  CHECK(failed_turn(p, "alice")["outcome"] == "failed");
  expect_failed_once(p, "alice", "boom: overloaded");
  CHECK(worker_died_to(p, "lead").empty());

  // The released mail is the next turn's input: the same directives fail again.
  json second = failed_turn(p, "alice");
  CHECK(second["outcome"] == "failed");
  json row = agent_row(p, "alice");
  CHECK(row["state"] == "zombie");
  CHECK(row["failed_turns"] == 2);
  CHECK(contains(row["state_reason"].get<std::string>(), "failed 2 turns in a row"));
  CHECK(released_flags(p, dispatch_id(p, "alice")) == "1|1");
  auto died = worker_died_to(p, "lead");
  REQUIRE(died.size() == 1);
  CHECK(died[0]["payload"]["terminated_by"] == "runner");
  CHECK(died[0]["payload"]["turn"] == second["id"]);
  CHECK_FALSE(turn_pid_exists(p, "alice"));

  // A zombie gets no more turns.
  json third = turn_json(p, "alice");
  CHECK(third["ran"] == false);
  CHECK(sql(p, "SELECT count(*) FROM turns WHERE agent='alice'") == "2");
  CHECK(worker_died_to(p, "lead").size() == 1);
}

TEST_CASE(
    "runner failures: no result and a non-zero exit are failed turns with the mail released") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"quiet", "#!say partial work\n#!no-result"});
  CHECK(failed_turn(p, "quiet")["outcome"] == "failed");
  expect_failed_once(p, "quiet", "no result");

  sling_parked(p, {"crash", "#!say almost\n#!exit 3"});
  json crashed = failed_turn(p, "crash");
  CHECK(crashed["outcome"] == "failed");
  CHECK(crashed["exit_code"] == 3);
  expect_failed_once(p, "crash", "exit status 3");
  CHECK(mail_list(p, {"--type", "worker_died"}).empty());
}

TEST_CASE("runner failures: two concurrent drover turn processes for one agent never overlap") {
  TempProject p;
  init_for_manual_turns(p);
  // The first turn queues more work for the agent, then takes a while; whoever waits on
  // the lock finds either nothing (the mail was claimed) or that follow-up mail.
  sling_parked(p, {"alice", "#!mail --to alice --subject again --body \"#!say second\"\n#!sleep 1s",
                   "--capability", "coordinator"});
  auto a = std::async(std::launch::async, [&p] { return turn(p, "alice", {"--json"}); });
  auto b = std::async(std::launch::async, [&p] { return turn(p, "alice", {"--json"}); });
  Run ra = a.get(), rb = b.get();
  INFO("a: " << ra.err << "\nb: " << rb.err);
  CHECK(ra.code == 0);
  CHECK(rb.code == 0);
  int ran = (ra.json()["ran"] == true) + (rb.json()["ran"] == true);
  CHECK(ran >= 1);

  const std::string rows =
      sql(p, "SELECT started_at || ' ' || ended_at FROM turns WHERE agent='alice' ORDER BY id");
  std::vector<std::pair<std::string, std::string>> spans;
  std::istringstream lines(rows);
  for (std::string start, end; lines >> start >> end;) spans.emplace_back(start, end);
  REQUIRE(static_cast<int>(spans.size()) == ran);
  for (std::size_t i = 1; i < spans.size(); ++i) {
    CAPTURE(rows);
    CHECK(spans[i].first >= spans[i - 1].second);  // the next began after the previous ended
  }
  for (std::size_t i = 1; i <= spans.size(); ++i)
    CHECK(fs::exists(record_path(p, "alice", static_cast<long long>(i))));
  CHECK(state_of(p, "alice") == "between_turns");
  CHECK_FALSE(turn_pid_exists(p, "alice"));
  CHECK(lock_free(p, "alice"));
}

TEST_CASE(
    "runner failures: a spawn failure names the command, releases lock and mail and leaves the "
    "state") {
  TempProject p;
  init_for_manual_turns(p);
  const std::string missing = "/nonexistent/drover-no-such-agent";
  auto cfg_path = p.root() / ".drover/config.toml";
  std::string cfg = e2e::read_text(cfg_path);
  auto at = cfg.find(e2e::agent_bin());
  REQUIRE(at != std::string::npos);
  cfg.replace(at, e2e::agent_bin().size(), missing);
  e2e::write_text(cfg_path, cfg);

  sling_parked(p, {"alice", e2e::kReportToOperator});
  const std::string dispatch = dispatch_id(p, "alice");
  Run r = turn(p, "alice");
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, missing));
  CHECK_FALSE(turn_pid_exists(p, "alice"));
  CHECK(lock_free(p, "alice"));
  json row = agent_row(p, "alice");
  CHECK(row["state"] == "booting");
  CHECK(row["failed_turns"] == 0);
  CHECK(released_flags(p, dispatch) == "1|1");
  CHECK(sql(p, "SELECT outcome FROM turns WHERE agent='alice'") == "spawn_failed");

  // The lock was released: a second attempt fails the same way instead of "busy".
  Run again = turn(p, "alice", {"--lock-timeout", "200ms"});
  INFO(again.err);
  CHECK(again.code == 1);
  CHECK(contains(again.err, missing));
  CHECK_FALSE(contains(again.err, "another process"));
  CHECK(state_of(p, "alice") == "booting");
  CHECK_FALSE(turn_pid_exists(p, "alice"));
}

TEST_CASE(
    "runner failures: a turn.pid that cannot be written kills the child and releases the mail") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"alice", "#!say started\n#!sleep 300s\n" + e2e::kReportToOperator});
  const std::string dispatch = dispatch_id(p, "alice");
  fs::create_directories(agent_dir(p, "alice") / "turn.pid");  // a directory in its place

  auto running = std::async(std::launch::async, [&p] { return turn(p, "alice"); });
  // Deadline for the test, not a speed requirement: an agent left running sleeps 300 s.
  REQUIRE(running.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  Run r = running.get();
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "failed to write turn.pid"));
  // The child was SIGKILLed and reaped before `drover turn` returned.
  CHECK(live_agent_processes(p, "alice").empty());
  if (fs::exists(record_path(p, "alice", 1))) {
    const long pgid = record(p, "alice", 1)["pgid"].get<long>();
    CHECK(live_group_members(pgid).empty());
  }
  CHECK(released_flags(p, dispatch) == "1|1");
  json row = agent_row(p, "alice");
  CHECK(row["state"] == "booting");
  CHECK(row["current_turn"].is_null());
  CHECK(sql(p, "SELECT outcome FROM turns WHERE agent='alice'") == "failed");
  CHECK(lock_free(p, "alice"));
  CHECK(mail_list(p, {"--from", "alice"}).empty());             // it never got to report
  CHECK(fs::is_directory(agent_dir(p, "alice") / "turn.pid"));  // ours, left alone
}

TEST_CASE(
    "runner failures: a turn lock held by another process makes drover turn exit 4 after "
    "--lock-timeout") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"alice", e2e::kReportToOperator});
  const std::string dispatch = dispatch_id(p, "alice");
  {
    HeldLock other(p, "alice");
    Run r = turn(p, "alice", {"--lock-timeout", "200ms"});
    INFO(r.err);
    CHECK(r.code == 4);
    CHECK(contains(r.err, "alice"));
    CHECK(sql(p, "SELECT count(*) FROM turns") == "0");
    CHECK(released_flags(p, dispatch) == "1|1");
    CHECK(state_of(p, "alice") == "booting");
    CHECK_FALSE(turn_pid_exists(p, "alice"));
  }
  // Once the holder lets go, the turn runs.
  json doc = turn_json(p, "alice");
  CHECK(doc["outcome"] == "completed");
  CHECK(lock_free(p, "alice"));
}
