// End-to-end: the agent commands around the supervisor (SPEC §6.1, §6.4, §6.5, §6.7):
// log, sling --wait / conflicts / --replace, resume, and status during and after a turn.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using e2e::contains;
using e2e::Json;
using e2e::TempProject;

namespace {

std::vector<std::string> kinds(const Json& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["kind"]);
  return out;
}

}  // namespace

TEST_CASE("log: --json lists the turn's events, --turn filters, --raw prints the transcript") {
  TempProject p;
  p.init_scripted();
  e2e::sling(p, {"coord", "--capability", "coordinator", "#!say first-turn-text"});
  REQUIRE(e2e::wait_idle_after(p, "coord", 1));
  e2e::ok(p, {"nudge", "coord", "#!say second-turn-text"});
  REQUIRE(e2e::wait_idle_after(p, "coord", 2));
  auto turns = e2e::sql(p, "SELECT id FROM turns WHERE agent = 'coord' ORDER BY id");
  std::string t1 = turns.substr(0, turns.find('\n')), t2 = turns.substr(turns.find('\n') + 1);

  auto all = p.drover({"log", "coord", "--json"});
  REQUIRE(all.code == 0);
  auto events = all.json()["events"];
  CHECK(all.json()["agent"] == "coord");
  auto k = kinds(events);
  auto pos = [&](const std::string& kind, std::size_t from = 0) {
    return std::find(k.begin() + static_cast<std::ptrdiff_t>(from), k.end(), kind) - k.begin();
  };
  // turn_start, assistant_text, result, turn_end, in that order, for each turn.
  auto s1 = static_cast<std::size_t>(pos("turn_start"));
  REQUIRE(s1 < k.size());
  CHECK(pos("assistant_text", s1) < pos("result", s1));
  CHECK(pos("result", s1) < pos("turn_end", s1));
  CHECK(std::count(k.begin(), k.end(), "turn_start") == 2);
  CHECK(std::count(k.begin(), k.end(), "turn_end") == 2);
  bool saw_text = false;
  for (const auto& e : events) {
    if (e["kind"] == "assistant_text" && e["data"]["text"] == "first-turn-text")
      saw_text = e["turn"] == std::stoll(t1);
    if (e["kind"] == "result") CHECK(e["data"]["is_error"] == false);
    if (e["kind"] == "turn_end") CHECK(e["data"]["outcome"] == "waiting");
  }
  CHECK(saw_text);

  auto only2 = p.drover({"log", "coord", "--turn", "2", "--json"});  // its 2nd turn
  REQUIRE(only2.code == 0);
  REQUIRE_FALSE(only2.json()["events"].empty());
  const auto only2_doc = only2.json();  // keep the document alive while iterating it
  for (const auto& e : only2_doc["events"]) {
    CHECK(e["turn"] == std::stoll(t2));
    CHECK(e["turn_number"] == 2);
  }
  CHECK(contains(only2.out, "second-turn-text"));
  CHECK_FALSE(contains(only2.out, "first-turn-text"));

  auto human = p.drover({"log", "coord"});
  REQUIRE(human.code == 0);
  // One line per event: time, agent#N (its own turn number), a marker, the content.
  CHECK(contains(human.out, " coord#1  text   first-turn-text\n"));
  CHECK(contains(human.out, " coord#2  text   second-turn-text\n"));
  CHECK(contains(human.out, " coord#2  result done"));
  CHECK(contains(human.out, "first-turn-text"));

  auto raw = p.drover({"log", "coord", "--raw", "--turn", "1"});
  REQUIRE(raw.code == 0);
  CHECK(raw.out == e2e::read_text(p.root() / ".drover/logs/coord" / (t1 + ".stdout.ndjson")));
  auto first_line = Json::parse(raw.out.substr(0, raw.out.find('\n')), nullptr, false);
  REQUIRE_FALSE(first_line.is_discarded());
  CHECK(first_line["type"] == "system");
  CHECK(first_line["subtype"] == "init");
  CHECK(contains(raw.out, "\"type\":\"result\""));
  auto raw_json = p.drover({"log", "coord", "--raw", "--json"});
  REQUIRE(raw_json.code == 0);
  auto lines = raw_json.json()["lines"];
  CHECK(std::count_if(lines.begin(), lines.end(),
                      [](const Json& l) { return l.value("type", "") == "result"; }) == 2);

  CHECK(p.drover({"log", "nobody"}).code == 3);
  CHECK(p.drover({"log", "coord", "--turn", "99999"}).code == 3);
  // --follow of an agent that is already finished returns at once.
  e2e::ok(p, {"stop", "coord"});
  auto follow = p.drover({"log", "coord", "--follow"});
  CHECK(follow.code == 0);
}

TEST_CASE("sling --wait exits 0 when the agent completes and 1 when it ends otherwise") {
  TempProject p;
  p.init_scripted();
  auto done =
      e2e::run(p, {"sling", "ok1", "--wait", "--json", "#!say working\n" + e2e::kReportToOperator});
  INFO(done.out << done.err);
  CHECK(done.code == 0);
  CHECK(done.json()["state"] == "completed");
  CHECK(e2e::state_of(p, "ok1") == "completed");

  // A coordinator never completes by itself: it idles between turns, which ends the wait.
  auto idle =
      e2e::run(p, {"sling", "idle1", "--wait", "--capability", "coordinator", "#!say idle now"});
  INFO(idle.out << idle.err);
  CHECK(idle.code == 1);
  CHECK(contains(idle.err, "between_turns"));
  CHECK(e2e::state_of(p, "idle1") == "between_turns");

  auto human =
      e2e::run(p, {"sling", "ok2", "--wait", "#!say progress-line\n" + e2e::kReportToOperator});
  CHECK(human.code == 0);
  CHECK(contains(human.out + human.err, "progress-line"));
}

TEST_CASE("sling of an existing name is a conflict and --replace starts a finished agent over") {
  TempProject p;
  p.init_scripted();
  e2e::sling(p, {"live1", "--no-start", "first task"});
  auto twice = e2e::run(p, {"sling", "live1", "--no-start", "second task"});
  CHECK(twice.code == 4);
  CHECK(contains(twice.err, "nudge"));
  auto replace_live = e2e::run(p, {"sling", "live1", "--no-start", "--replace", "second task"});
  CHECK(replace_live.code == 4);
  CHECK(e2e::sql(p, "SELECT task FROM sessions WHERE name = 'live1'") == "first task");

  e2e::sling(p, {"done1", "#!say original\n" + e2e::kReportToOperator});
  REQUIRE(e2e::wait_state(p, "done1", "completed"));
  auto again = e2e::run(p, {"sling", "done1", "new task"});
  CHECK(again.code == 4);
  CHECK(contains(again.err, "resume"));
  CHECK(contains(again.err, "--replace"));

  auto r = e2e::ok(
      p, {"sling", "done1", "--replace", "--json", "#!say replaced\n" + e2e::kReportToOperator});
  CHECK(r.json()["state"] == "booting");
  REQUIRE(e2e::wait_until(
      [&] {
        return e2e::records(p, "done1").size() == 2 && e2e::state_of(p, "done1") == "completed";
      },
      e2e::kDeadline));
  CHECK(e2e::sql(p, "SELECT turn_count || ' ' || task FROM sessions WHERE name = 'done1'") ==
        "1 #!say replaced\n" + e2e::kReportToOperator);
  auto recs = e2e::records(p, "done1");
  CHECK_FALSE(e2e::argv_has(recs[1], "--resume"));  // a new session, not the old one
  CHECK(contains(recs[1]["text"].get<std::string>(), "#!say replaced"));
  CHECK(e2e::mail_list(p, {"--to", "operator", "--from", "done1"}).size() == 2);
}

TEST_CASE("resume: a zombie goes back to between_turns with failed_turns 0 and runs a new turn") {
  TempProject p;
  p.init_scripted("supervisor.max_failed_turns = 1");
  auto flag = p.root() / "fixed";
  // Until `fixed` exists the turn kills its own agent process: a crash, so one failure
  // (max_failed_turns = 1) makes it a zombie.
  e2e::sling(p, {"z1", "--parent", "boss",
                 "#!say trying\n#!sh test -f " + flag.string() + " || kill -9 $PPID\n" +
                     e2e::kReportToOperator});
  REQUIRE(e2e::wait_state(p, "z1", "zombie"));
  CHECK(e2e::sql(p, "SELECT failed_turns FROM sessions WHERE name = 'z1'") == "1");
  CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"}).size() == 1);

  // Stop the supervisor so the state right after resume can be observed.
  REQUIRE(p.drover({"down"}).code == 0);
  e2e::write_text(flag, "");
  auto r = e2e::ok(p, {"resume", "z1", "--no-start", "--json", "#!say resumed-message"});
  CHECK(r.json()["agent"] == "z1");
  CHECK(r.json()["state"] == "between_turns");
  CHECK(r.json()["previous_state"] == "zombie");
  CHECK(e2e::sql(p, "SELECT state || ' ' || failed_turns FROM sessions WHERE name = 'z1'") ==
        "between_turns 0");
  auto sid = e2e::sql(p, "SELECT runtime_session_id FROM sessions WHERE name = 'z1'");

  (void)e2e::ok(p, {"up"});
  REQUIRE(e2e::wait_state(p, "z1", "completed"));
  auto recs = e2e::records(p, "z1");
  REQUIRE(recs.size() == 2);
  CHECK(e2e::argv_has(recs[1], "--resume"));
  CHECK(e2e::argv_has(recs[1], sid));
  CHECK(contains(recs[1]["text"].get<std::string>(), "resumed-message"));
  CHECK(e2e::sql(p, "SELECT failed_turns FROM sessions WHERE name = 'z1'") == "0");
  CHECK(e2e::mail_list(p, {"--to", "operator", "--from", "z1", "--type", "worker_done"}).size() ==
        1);
  CHECK(e2e::mail_list(p, {"--to", "boss", "--type", "worker_died"}).size() ==
        1);  // none for the resumed run

  // Resuming a live agent is a conflict that points at nudge; an unknown one is not found.
  e2e::sling(p, {"coord", "--capability", "coordinator", "#!say hi"});
  REQUIRE(e2e::wait_idle_after(p, "coord", 1));
  auto live = e2e::run(p, {"resume", "coord"});
  CHECK(live.code == 4);
  CHECK(contains(live.err, "nudge"));
  CHECK(e2e::run(p, {"resume", "nobody"}).code == 3);
}

TEST_CASE("status during a turn shows it running and status AGENT shows its turns with outcome") {
  TempProject p;
  p.init_scripted();
  auto gate = p.root() / "gate";
  e2e::sling(p, {"s1", "#!say started\n#!sh while [ ! -e " + gate.string() +
                           " ]; do sleep 0.05; done\n" + e2e::kReportToOperator});
  REQUIRE(e2e::wait_records(p, "s1", 1));
  REQUIRE(e2e::wait_state(p, "s1", "in_turn"));
  auto rec = e2e::records(p, "s1")[0];
  long long turn = std::stoll(rec["env"]["DROVER_TURN"].get<std::string>());

  auto doc = p.drover({"status", "--json"}).json();
  CHECK(doc["supervisor"]["running"] == true);
  CHECK(doc["supervisor"]["turns_running"] == 1);
  REQUIRE(doc["agents"].size() == 1);
  const Json& a = doc["agents"][0];
  CHECK(a["name"] == "s1");
  CHECK(a["state"] == "in_turn");
  CHECK(a["current_turn"] == turn);
  REQUIRE(a["turn_process"].is_object());
  CHECK(a["turn_process"]["pid"] == rec["pid"]);
  CHECK(a["turn_process"]["orphan"] == false);
  auto human = p.drover({"status"});
  CHECK(contains(human.out, "turns 1/8"));
  // The aligned row: name, capability, state, then the running turn's id in its column.
  auto row_at = human.out.find("\ns1 ");
  REQUIRE(row_at != std::string::npos);
  std::string row = human.out.substr(row_at + 1, human.out.find('\n', row_at + 1) - row_at - 1);
  CHECK(contains(row, " builder "));
  CHECK(contains(row, " in_turn "));
  CHECK(contains(row, " " + std::to_string(turn) + " "));

  auto detail = p.drover({"status", "s1", "--json"}).json();
  CHECK(detail["agent"]["current_turn"] == turn);
  REQUIRE(detail["turns"].size() == 1);
  CHECK(detail["turns"][0]["outcome"].is_null());
  CHECK(detail["turns"][0]["pid"] == rec["pid"]);

  e2e::write_text(gate, "");
  REQUIRE(e2e::wait_state(p, "s1", "completed"));
  auto after = p.drover({"status", "s1", "--json"}).json();
  CHECK(after["agent"]["current_turn"].is_null());
  REQUIRE(after["turns"].size() == 1);
  CHECK(after["turns"][0]["id"] == turn);
  CHECK(after["turns"][0]["outcome"] == "completed");
  CHECK_FALSE(after["turns"][0]["ended_at"].is_null());
  CHECK(after["pending_mail"].empty());
  CHECK(p.drover({"status", "--json"}).json()["supervisor"]["turns_running"] == 0);
  CHECK(contains(p.drover({"status", "s1"}).out, "#" + std::to_string(turn)));
}
