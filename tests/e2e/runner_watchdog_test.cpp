// End-to-end: the runner's watchdog, stop policy and output robustness through
// `drover turn` with the scripted agent (SPEC §5.2, §5.3): stalls before and after the
// first line, SIGTERM-ignoring agents, slow but live agents, grandchildren holding the
// stdout pipe, malformed and over-long lines.
#include <doctest/doctest.h>

#include <future>

#include "support/agents.h"
#include "support/command.h"
#include "support/mail.h"
#include "support/processes.h"
#include "support/project.h"

using namespace e2e;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kFastWatchdog =
    "turn.stall_timeout = \"1s\"\nturn.first_output_timeout = \"1s\"\nturn.kill_grace = "
    "\"500ms\"\n";

// The common end of a stalled turn: zombie, stalled event, mail released, nothing left.
void expect_stalled(const TempProject& p, const std::string& agent, const json& report) {
  CHECK(report["outcome"] == "stalled");
  CHECK(report["ended_at"].is_string());
  json row = agent_row(p, agent);
  CHECK(row["state"] == "zombie");
  CHECK(contains(row["state_reason"].get<std::string>(), "stalled"));
  auto stalled = events(p, agent, "stalled");
  REQUIRE(stalled.size() == 1);
  CHECK(stalled[0]["level"] == "error");
  CHECK(stalled[0]["turn"] == report["id"]);
  CHECK(released_flags(p, dispatch_id(p, agent)) == "1|1");
  CHECK(live_agent_processes(p, agent).empty());
  CHECK_FALSE(turn_pid_exists(p, agent));
  CHECK(lock_free(p, agent));
}

}  // namespace

TEST_CASE(
    "runner watchdog: a turn that stalls after its first line is stopped, zombied and reported to "
    "the parent") {
  TempProject p;
  init_for_manual_turns(p, kFastWatchdog);
  sling_parked(p, {"alice", "#!say started\n#!sleep 30s", "--parent", "lead"});
  json doc = failed_turn(p, "alice");
  expect_stalled(p, "alice", doc);
  CHECK(doc["signal"] == 15);  // SIGTERM to the group was enough
  auto died = worker_died_to(p, "lead");
  REQUIRE(died.size() == 1);
  CHECK(contains(died[0]["payload"]["reason"].get<std::string>(), "stalled"));
  CHECK(died[0]["payload"]["terminated_by"] == "runner");
  CHECK(contains(died[0]["body"].get<std::string>(), "stalled"));
}

TEST_CASE(
    "runner watchdog: a stall_timeout shorter than first_output_timeout applies from the first "
    "event on") {
  TempProject p;
  init_for_manual_turns(p,
                        "turn.stall_timeout = \"1s\"\nturn.first_output_timeout = "
                        "\"10m\"\nturn.kill_grace = \"500ms\"\n");
  sling_parked(p, {"alice", "#!slow 3 50ms\n#!sleep 30s"});
  json doc = failed_turn(p, "alice");
  expect_stalled(p, "alice", doc);
  CHECK(contains(events(p, "alice", "stalled").at(0)["data"]["reason"].get<std::string>(),
                 "no output for 1s"));
}

TEST_CASE("runner watchdog: a turn that prints nothing hits first_output_timeout") {
  TempProject p;
  init_for_manual_turns(p, kFastWatchdog);
  sling_parked(p, {"alice", "#!sleep-before 30s"});
  json doc = failed_turn(p, "alice");
  expect_stalled(p, "alice", doc);
  CHECK(events(p, "alice", "session_start").empty());
  // No parent: the death is reported to the operator (SPEC §5.5).
  auto died = worker_died_to(p, "operator");
  REQUIRE(died.size() == 1);
  CHECK(died[0]["from"] == "alice");
  CHECK(contains(died[0]["payload"]["reason"].get<std::string>(), "stalled"));
}

TEST_CASE(
    "runner watchdog: an agent that reported and then stalls is a zombie without worker_died") {
  // SPEC §5.5: never a worker_died once the terminal mail was observed.
  TempProject p;
  init_for_manual_turns(p, kFastWatchdog);
  sling_parked(
      p, {"alice", "#!mail --to lead --type worker_done --subject done --body ok\n#!sleep 30s",
          "--parent", "lead"});
  json doc = failed_turn(p, "alice");
  expect_stalled(p, "alice", doc);
  CHECK(mail_list(p, {"--to", "lead", "--type", "worker_done"}).size() == 1);
  CHECK(worker_died_to(p, "lead").empty());
  CHECK(mail_list(p, {"--type", "worker_died"}).empty());
}

TEST_CASE("runner watchdog: an agent that ignores SIGTERM is SIGKILLed after kill_grace") {
  TempProject p;
  init_for_manual_turns(p, kFastWatchdog);
  sling_parked(p, {"alice", "#!ignore-sigterm\n#!say started\n#!sleep 30s"});
  json doc = failed_turn(p, "alice");
  expect_stalled(p, "alice", doc);
  CHECK(doc["signal"] == 9);
}

TEST_CASE("runner watchdog: events keep a slow but live turn alive past stall_timeout") {
  TempProject p;
  init_for_manual_turns(p, kFastWatchdog);
  sling_parked(p, {"alice", "#!slow 6 400ms\n" + e2e::kReportToOperator});
  json doc = turn_json(p, "alice");
  CHECK(doc["outcome"] == "completed");
  CHECK(state_of(p, "alice") == "completed");
  CHECK(events(p, "alice", "stalled").empty());
  int slow = 0;
  for (const auto& e : events(p, "alice", "assistant_text"))
    if (contains(e["data"]["text"].get<std::string>(), "/6")) ++slow;
  CHECK(slow == 6);
  CHECK_FALSE(turn_pid_exists(p, "alice"));
}

TEST_CASE(
    "runner watchdog: a grandchild holding stdout neither keeps the turn open nor survives it") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(
      p, {"alice", "#!grandchild 60s\n#!say leaving a sleeper behind\n" + e2e::kReportToOperator});
  auto running = std::async(std::launch::async, [&p] { return turn(p, "alice", {"--json"}); });
  // Deadline for the test, not a speed requirement: the grandchild sleeps 60 s.
  REQUIRE(running.wait_for(std::chrono::seconds(40)) == std::future_status::ready);
  Run r = running.get();
  INFO(r.err);
  CHECK(r.code == 0);
  json doc = r.json();
  CHECK(doc["outcome"] == "completed");
  CHECK(state_of(p, "alice") == "completed");

  json rec = record(p, "alice", doc["turn"].get<long long>());
  const long pgid = rec["pgid"].get<long>();
  REQUIRE(pgid > 1);
  CHECK(live_group_members(pgid).empty());
  CHECK(live_agent_processes(p, "alice").empty());
  CHECK_FALSE(turn_pid_exists(p, "alice"));
  CHECK(lock_free(p, "alice"));
}

TEST_CASE(
    "runner output: malformed lines are warned about and the turn still settles by its result") {
  TempProject p;
  init_for_manual_turns(p);
  sling_parked(p, {"alice", "#!garbage\n#!say still here\n" + e2e::kReportToOperator});
  json doc = turn_json(p, "alice");
  CHECK(doc["outcome"] == "completed");
  CHECK(state_of(p, "alice") == "completed");
  auto malformed = events(p, "alice", "malformed_line");
  CHECK(malformed.size() >= 2);
  for (const auto& e : malformed) CHECK(e["level"] == "warn");
  bool said = false;
  for (const auto& e : events(p, "alice", "assistant_text"))
    said = said || e["data"]["text"] == "still here";
  CHECK(said);
  CHECK(events(p, "alice", "result").size() == 1);
  CHECK_FALSE(turn_pid_exists(p, "alice"));
}

TEST_CASE(
    "runner output: a line over turn.max_line_bytes is truncated in the transcript and recorded") {
  TempProject p;
  init_for_manual_turns(p, "turn.max_line_bytes = 1024\n");
  sling_parked(p, {"alice", "#!huge 5000\n#!say after the huge line\n" + e2e::kReportToOperator});
  json doc = turn_json(p, "alice");
  CHECK(doc["outcome"] == "completed");
  CHECK(state_of(p, "alice") == "completed");
  auto truncated = events(p, "alice", "line_truncated");
  REQUIRE(truncated.size() == 1);
  CHECK(truncated[0]["level"] == "warn");

  auto transcript = p.root() / ".drover/logs/alice" /
                    (std::to_string(doc["turn"].get<long long>()) + ".stdout.ndjson");
  REQUIRE(fs::exists(transcript));
  const std::string text = e2e::read_text(transcript);
  CHECK(contains(text, "\"type\":\"result\""));
  std::size_t start = 0, longest = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    longest = std::max(longest, nl - start);
    start = nl + 1;
  }
  CHECK(longest <= 1024);
  CHECK_FALSE(turn_pid_exists(p, "alice"));
}
