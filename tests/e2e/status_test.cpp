// End-to-end: drover status [AGENT] [--all] (SPEC §6, §6.4).
#include <doctest/doctest.h>

#include <set>

#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using e2e::contains;
using e2e::TempProject;
using nlohmann::json;

namespace {

void add_fleet(const TempProject& p) {
  e2e::add_session(p, "alice", "builder", "between_turns", "build the parser");
  e2e::add_session(p, "bob", "builder", "in_turn", "fix the lexer");
  e2e::add_session(p, "carol", "scout", "booting", "survey the code");
  e2e::add_session(p, "dave", "builder", "completed", "done already");
  e2e::add_session(p, "erin", "scout", "zombie", "stalled work");
  e2e::add_session(p, "fred", "scout", "completed", "also done");
}

// True when some line of `text` starts with `prefix`.
bool has_line_starting(const std::string& text, const std::string& prefix) {
  std::size_t pos = 0;
  while (pos <= text.size()) {
    if (text.compare(pos, prefix.size(), prefix) == 0) return true;
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return false;
}

}  // namespace

TEST_CASE("status with no agents shows the supervisor and unread operator mail") {
  TempProject p;
  p.init();
  auto r = p.drover({"status"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(has_line_starting(r.out, "supervisor: not running"));
  CHECK(contains(r.out, "0 unread for operator"));

  e2e::send(p, {"--to", "operator", "--subject", "one"});
  e2e::send(p, {"--to", "operator", "--subject", "two"});
  e2e::send(p, {"--to", "alice", "--subject", "not for the operator"});
  auto after = p.drover({"status"});
  REQUIRE(after.code == 0);
  CHECK(contains(after.out, "2 unread for operator"));

  auto j = p.drover({"status", "--json"});
  REQUIRE(j.code == 0);
  auto doc = j.json();
  CHECK(doc.size() == 8);  // supervisor, agents, unread, totals, estop, estop_since, gates, hosts
  CHECK(doc["gates"] == json::array());
  // `drover status` ran no supervisor here: no host has entered the store (docs/hosts.md).
  CHECK(doc["hosts"] == json::array());
  CHECK(doc["estop"] == false);
  CHECK(doc["estop_since"].is_null());
  REQUIRE(doc["supervisor"].is_object());
  const json& sup = doc["supervisor"];
  for (const char* key : {"running", "pid", "started_at", "turns_running", "max_concurrent_turns"})
    CHECK_MESSAGE(sup.contains(key), "missing supervisor." << key);
  CHECK(sup["running"] == false);
  CHECK(sup["pid"].is_null());
  CHECK(sup["started_at"].is_null());
  CHECK(sup["turns_running"] == 0);
  CHECK(sup["max_concurrent_turns"] == 8);
  CHECK(doc["agents"] == json::array());
  CHECK(doc["unread"] == json{{"operator", 2}});
  CHECK(doc["totals"] == json{{"turns", 0},
                              {"priced_turns", 0},
                              {"cost_usd", nullptr},
                              {"input_tokens", 0},
                              {"output_tokens", 0}});

  // Reading the operator's mail brings the count down.
  REQUIRE(p.drover({"mail", "check"}).code == 0);
  CHECK(p.drover({"status", "--json"}).json()["unread"]["operator"] == 0);
}

TEST_CASE("status reports max_concurrent_turns from the config") {
  TempProject p;
  p.init();
  e2e::write_text(p.root() / ".drover/config.toml", "[supervisor]\nmax_concurrent_turns = 3\n");
  auto r = p.drover({"status", "--json"});
  REQUIRE(r.code == 0);
  CHECK(r.json()["supervisor"]["max_concurrent_turns"] == 3);
  CHECK(contains(p.drover({"status"}).out, "0/3"));
}

TEST_CASE("status lists live agents and counts finished ones in one line unless --all") {
  TempProject p;
  e2e::init_without_autostart(p);
  add_fleet(p);

  auto r = p.drover({"status"});
  REQUIRE(r.code == 0);
  for (const char* live : {"alice", "bob", "carol"})
    CHECK_MESSAGE(has_line_starting(r.out, live), live);
  CHECK(contains(r.out, "build the parser"));
  CHECK(contains(r.out, "between_turns"));
  CHECK(contains(r.out, "in_turn"));
  for (const char* done : {"dave", "erin", "fred"}) CHECK_FALSE(has_line_starting(r.out, done));
  CHECK(contains(r.out, "3 finished: 2 completed, 1 zombie"));
  CHECK(contains(r.out, "--all"));

  auto all = p.drover({"status", "--all"});
  REQUIRE(all.code == 0);
  for (const char* name : {"alice", "bob", "carol", "dave", "erin", "fred"})
    CHECK_MESSAGE(has_line_starting(all.out, name), name);
  CHECK_FALSE(contains(all.out, "finished:"));

  for (const auto& args : {std::vector<std::string>{"status", "--json"},
                           std::vector<std::string>{"status", "--json", "--all"}}) {
    auto j = p.drover(args);
    REQUIRE(j.code == 0);
    auto doc = j.json();
    REQUIRE(doc["agents"].size() == 6);
    std::set<std::string> names;
    for (const auto& a : doc["agents"]) {
      names.insert(a["name"].get<std::string>());
      for (const char* key : {"name", "capability", "state", "state_reason", "parent", "task",
                              "current_turn", "last_activity", "failed_turns"})
        CHECK_MESSAGE(a.contains(key), "missing agents[]." << key);
    }
    CHECK(names == std::set<std::string>{"alice", "bob", "carol", "dave", "erin", "fred"});
    CHECK(doc["supervisor"]["turns_running"] == 1);  // bob is in_turn
  }
  auto doc = p.drover({"status", "--json"}).json();
  for (const auto& a : doc["agents"]) {
    if (a["name"] == "alice") {
      CHECK(a["capability"] == "builder");
      CHECK(a["state"] == "between_turns");
      CHECK(a["task"] == "build the parser");
      CHECK(a["parent"].is_null());
      CHECK(a["state_reason"].is_null());
      CHECK(a["current_turn"].is_null());
      CHECK(a["failed_turns"] == 0);
      CHECK(a["last_activity"] == "2026-01-01T00:00:00.000Z");
    }
    if (a["name"] == "erin") CHECK(a["state"] == "zombie");
  }
}

TEST_CASE("status with only finished agents still counts them") {
  TempProject p;
  e2e::init_without_autostart(p);
  e2e::add_session(p, "done1", "builder", "stopped");
  auto r = p.drover({"status"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "1 finished: 1 stopped"));
  CHECK_FALSE(has_line_starting(r.out, "done1"));
}

TEST_CASE("status AGENT shows one agent in detail, with turns and pending mail") {
  TempProject p;
  e2e::init_without_autostart(p);
  add_fleet(p);
  e2e::sql(p,
           "UPDATE sessions SET parent = 'carol', failed_turns = 2, turn_count = 4, "
           "state_reason = 'it ran out of ideas' WHERE name = 'erin'");
  e2e::sql(p,
           "INSERT INTO turns (agent, started_at, ended_at, outcome, duration_ms, cost_usd, "
           "input_tokens, output_tokens) VALUES ('alice', '2026-01-01T00:00:01.000Z', "
           "'2026-01-01T00:00:03.000Z', 'result', 2000, 0.0123, 100, 200)");
  auto m1 = e2e::send(p, {"--to", "alice", "--subject", "pending one"})[0];
  auto m2 = e2e::send(p, {"--to", "alice", "--subject", "already read"})[0];
  REQUIRE(p.drover({"mail", "read", std::to_string(m2), "--mark-read"}).code == 0);

  auto r = p.drover({"status", "alice"});
  REQUIRE(r.code == 0);
  CHECK(has_line_starting(r.out, "alice"));
  CHECK(contains(r.out, "state: between_turns"));
  CHECK(contains(r.out, "builder"));
  CHECK(contains(r.out, "build the parser"));
  CHECK(contains(r.out, "recent turns"));
  CHECK(contains(r.out, "result"));
  CHECK(contains(r.out, "$0.01 100 in / 200 out"));  // the timeline's figures
  CHECK(contains(r.out, "pending mail: 1"));
  CHECK(contains(r.out, "pending one"));
  CHECK_FALSE(contains(r.out, "already read"));

  auto j = p.drover({"status", "alice", "--json"});
  REQUIRE(j.code == 0);
  auto doc = j.json();
  CHECK(doc.size() == 3);
  CHECK(doc["agent"]["name"] == "alice");
  CHECK(doc["agent"]["state"] == "between_turns");
  CHECK(doc["agent"]["capability"] == "builder");
  CHECK(doc["agent"]["runtime"] == "claude");
  REQUIRE(doc["turns"].size() == 1);
  CHECK(doc["turns"][0]["outcome"] == "result");
  CHECK(doc["turns"][0]["agent"] == "alice");
  CHECK(doc["turns"][0]["duration_ms"] == 2000);
  CHECK(doc["turns"][0]["input_tokens"] == 100);
  CHECK(doc["turns"][0]["output_tokens"] == 200);
  REQUIRE(doc["pending_mail"].size() == 1);
  CHECK(doc["pending_mail"][0]["id"] == m1);
  CHECK(doc["pending_mail"][0]["subject"] == "pending one");

  auto erin = p.drover({"status", "erin"});
  REQUIRE(erin.code == 0);
  CHECK(contains(erin.out, "zombie (it ran out of ideas)"));
  CHECK(contains(erin.out, "parent: carol"));
  CHECK(contains(erin.out, "consecutive failures 2"));
  auto ej = p.drover({"status", "erin", "--json"}).json();
  CHECK(ej["agent"]["parent"] == "carol");
  CHECK(ej["agent"]["failed_turns"] == 2);
  CHECK(ej["agent"]["turn_count"] == 4);
  CHECK(ej["turns"] == json::array());
  CHECK(ej["pending_mail"] == json::array());
}

TEST_CASE("status of an unknown agent is not found (exit 3)") {
  TempProject p;
  e2e::init_without_autostart(p);
  add_fleet(p);
  auto r = p.drover({"status", "zed"});
  e2e::expect_one_line_error(r, 3, "zed");
  CHECK(contains(r.err, "drover status"));
  auto j = p.drover({"status", "zed", "--json"});
  CHECK(j.code == 3);
  CHECK(j.json()["error"]["code"] == "not_found");
  CHECK(j.err.empty());
  // A name that is not a valid agent name is a usage error instead.
  e2e::expect_one_line_error(p.drover({"status", "../etc"}), 2, "agent name");
}

TEST_CASE("status is read-only: the database is byte-for-byte unchanged") {
  TempProject p;
  e2e::init_without_autostart(p);
  add_fleet(p);
  e2e::send(p, {"--to", "alice", "--subject", "pending"});
  e2e::send(p, {"--to", "operator", "--subject", "unread"});
  auto db = e2e::db_path(p);
  const std::string rows_before = e2e::sql(p,
                                           "SELECT * FROM sessions; SELECT * FROM messages; "
                                           "SELECT * FROM turns; SELECT * FROM events;");
  const std::string bytes_before = e2e::on_postgresql() ? "-" : e2e::read_text(db);
  REQUIRE_FALSE(bytes_before.empty());

  for (const auto& args :
       {std::vector<std::string>{"status"}, std::vector<std::string>{"status", "--all"},
        std::vector<std::string>{"status", "--json"}, std::vector<std::string>{"status", "alice"},
        std::vector<std::string>{"status", "erin", "--json"},
        std::vector<std::string>{"status", "zed"}}) {
    auto r = p.drover(args);
    CHECK(r.code != 1);
  }
  if (!e2e::on_postgresql()) CHECK(e2e::read_text(db) == bytes_before);
  CHECK(e2e::sql(p,
                 "SELECT * FROM sessions; SELECT * FROM messages; SELECT * FROM turns; "
                 "SELECT * FROM events;") == rows_before);
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/supervisor.pid"));
  // Pending mail shown by `status alice` is still unread.
  CHECK(e2e::sql(p, "SELECT count(*) FROM messages WHERE read_at IS NULL") == "2");
}
