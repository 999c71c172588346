// End-to-end: drover mail send|list|check|read|reply (SPEC §4, §6, §6.6).
#include <doctest/doctest.h>

#include <set>

#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using e2e::contains;
using e2e::RunOptions;
using e2e::send;
using e2e::TempProject;
using nlohmann::json;

namespace {

json list_json(const TempProject& p, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"mail", "list", "--json"});
  auto r = p.drover(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto doc = r.json();
  REQUIRE(doc["messages"].is_array());
  return doc["messages"];
}

std::vector<std::int64_t> ids_of(const json& messages) {
  std::vector<std::int64_t> out;
  for (const auto& m : messages) out.push_back(m["id"].get<std::int64_t>());
  return out;
}

json message(const TempProject& p, std::int64_t id) {
  for (const auto& m : list_json(p, {"--limit", "0"}))
    if (m["id"] == id) return m;
  FAIL("no message #" << id);
  return nullptr;
}

}  // namespace

TEST_CASE("mail send reports ids, list shows every key of the message shape, newest first") {
  TempProject p;
  p.init();
  auto first = send(p, {"--to", "alice", "--subject", "one", "--body", "first body"});
  REQUIRE(first.size() == 1);
  auto second = send(p, {"--to", "bob", "--subject", "two", "--body", "second body"});
  REQUIRE(second.size() == 1);
  CHECK(second[0] > first[0]);

  auto msgs = list_json(p);
  REQUIRE(msgs.size() == 2);
  CHECK(ids_of(msgs) == std::vector<std::int64_t>{second[0], first[0]});
  const json& m = msgs[1];
  for (const char* key : {"id", "from", "to", "subject", "body", "type", "priority", "thread_id",
                          "reply_to", "payload", "created_at", "read_at"})
    CHECK_MESSAGE(m.contains(key), "missing key " << key);
  CHECK(m.size() == 12);
  CHECK(m["id"] == first[0]);
  CHECK(m["from"] == "operator");
  CHECK(m["to"] == "alice");
  CHECK(m["subject"] == "one");
  CHECK(m["body"] == "first body");
  CHECK(m["type"] == "status");
  CHECK(m["priority"] == "normal");
  CHECK(m["thread_id"].is_null());
  CHECK(m["reply_to"].is_null());
  CHECK(m["payload"].is_null());
  CHECK(m["read_at"].is_null());
  std::string ts = m["created_at"];
  CHECK(ts.size() == 24);  // 2026-01-01T00:00:00.000Z
  CHECK(ts.back() == 'Z');
  CHECK(ts[19] == '.');

  // Human output: one line per message, newest first, and list never marks read.
  auto human = p.drover({"mail", "list"});
  REQUIRE(human.code == 0);
  CHECK(human.out.find("#" + std::to_string(second[0])) <
        human.out.find("#" + std::to_string(first[0])));
  CHECK(contains(human.out, "(unread)"));
  for (const auto& again : list_json(p)) CHECK(again["read_at"].is_null());
}

TEST_CASE("mail list filters: --to, --from, --unread, --type, --since, --limit") {
  TempProject p;
  p.init();
  auto a1 = send(p, {"--to", "alice", "--subject", "a1", "--type", "question"})[0];
  auto b1 = send(p, {"--to", "bob", "--subject", "b1", "--from", "alice"})[0];
  auto a2 = send(p, {"--to", "alice", "--subject", "a2", "--from", "bob", "--type", "result"})[0];
  auto o1 = send(p, {"--to", "operator", "--subject", "o1", "--from", "alice"})[0];

  CHECK(ids_of(list_json(p, {"--to", "alice"})) == std::vector<std::int64_t>{a2, a1});
  CHECK(ids_of(list_json(p, {"--from", "alice"})) == std::vector<std::int64_t>{o1, b1});
  CHECK(ids_of(list_json(p, {"--from", "alice", "--to", "bob"})) == std::vector<std::int64_t>{b1});
  CHECK(ids_of(list_json(p, {"--type", "question"})) == std::vector<std::int64_t>{a1});
  CHECK(ids_of(list_json(p, {"--type", "result"})) == std::vector<std::int64_t>{a2});
  CHECK(list_json(p, {"--type", "merged"}).empty());

  REQUIRE(p.drover({"mail", "read", std::to_string(a2), "--mark-read"}).code == 0);
  CHECK(ids_of(list_json(p, {"--unread"})) == std::vector<std::int64_t>{o1, b1, a1});
  CHECK(ids_of(list_json(p, {"--unread", "--to", "alice"})) == std::vector<std::int64_t>{a1});

  CHECK(ids_of(list_json(p, {"--limit", "2"})) == std::vector<std::int64_t>{o1, a2});
  CHECK(ids_of(list_json(p, {"--limit", "1"})) == std::vector<std::int64_t>{o1});

  // --since: a message written long ago is left out; recent ones are kept.
  e2e::sql(p,
           "INSERT INTO messages (from_agent, to_agent, subject, body, type, priority, created_at) "
           "VALUES ('operator','alice','old','', 'status','normal','2020-01-01T00:00:00.000Z')");
  auto all = list_json(p, {"--limit", "0"});
  REQUIRE(all.size() == 5);
  auto recent = list_json(p, {"--since", "1h"});
  CHECK(ids_of(recent) == std::vector<std::int64_t>{o1, a2, b1, a1});
  auto human = p.drover({"mail", "list", "--since", "10m"});
  REQUIRE(human.code == 0);
  CHECK_FALSE(contains(human.out, " old"));
  CHECK(contains(human.out, " o1"));
}

TEST_CASE("mail list defaults to 100 messages, --limit 0 lists them all") {
  TempProject p;
  p.init();
  e2e::sql(p,
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 130) "
           "INSERT INTO messages (from_agent, to_agent, subject, body, type, priority, created_at) "
           "SELECT 'operator', 'alice', 'bulk ' || i, '', 'status', 'normal', "
           "'2026-01-01T00:00:00.000Z' FROM n");
  auto latest = send(p, {"--to", "alice", "--subject", "latest"})[0];
  auto def = list_json(p);
  CHECK(def.size() == 100);
  CHECK(def[0]["id"] == latest);
  CHECK(list_json(p, {"--limit", "0"}).size() == 131);
  CHECK(list_json(p, {"--limit", "120"}).size() == 120);
}

TEST_CASE("mail check marks read, a second check returns nothing, and defaults to $DROVER_AGENT") {
  TempProject p;
  p.init();
  auto op = send(p, {"--to", "operator", "--subject", "for the operator", "--body", "hello op"})[0];
  auto al = send(p, {"--to", "alice", "--subject", "for alice", "--body", "hello alice"})[0];

  SUBCASE("default: operator") {
    auto r = p.drover({"mail", "check", "--json"});
    REQUIRE(r.code == 0);
    auto msgs = r.json()["messages"];
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0]["id"] == op);
    CHECK(msgs[0]["body"] == "hello op");
    auto again = p.drover({"mail", "check", "--json"});
    REQUIRE(again.code == 0);
    CHECK(again.json()["messages"].empty());
    auto human = p.drover({"mail", "check"});
    CHECK(human.code == 0);
    CHECK(contains(human.out, "no unread mail for operator"));
    CHECK_FALSE(message(p, op)["read_at"].is_null());
    CHECK(message(p, al)["read_at"].is_null());  // someone else's mail is untouched
  }
  SUBCASE("$DROVER_AGENT") {
    RunOptions as_alice = e2e::with_env({{"DROVER_AGENT", "alice"}});
    auto r = p.drover({"mail", "check"}, as_alice);
    REQUIRE(r.code == 0);
    CHECK(contains(r.out, "for alice"));
    CHECK(contains(r.out, "hello alice"));  // check prints bodies
    CHECK_FALSE(contains(r.out, "for the operator"));
    auto again = p.drover({"mail", "check", "--json"}, as_alice);
    CHECK(again.json()["messages"].empty());
    CHECK(message(p, op)["read_at"].is_null());
  }
  SUBCASE("--agent") {
    auto r = p.drover({"mail", "check", "--agent", "alice", "--json"});
    REQUIRE(r.code == 0);
    REQUIRE(r.json()["messages"].size() == 1);
    CHECK(r.json()["messages"][0]["id"] == al);
    CHECK(message(p, op)["read_at"].is_null());
  }
}

TEST_CASE("mail read prints the message object and marks the reader's own mail read") {
  TempProject p;
  p.init();
  auto id = send(p, {"--to", "operator", "--subject", "the subject", "--body", "line one\nline two",
                     "--payload", "{\"k\":1}", "--from", "alice"})[0];
  auto r = p.drover({"mail", "read", std::to_string(id), "--json"});
  REQUIRE(r.code == 0);
  auto m = r.json();
  CHECK(m["id"] == id);
  CHECK(m["subject"] == "the subject");
  CHECK(m["body"] == "line one\nline two");
  CHECK(m["payload"] == json{{"k", 1}});
  CHECK(m["read_at"].is_string());
  CHECK(m.size() == 12);
  CHECK(message(p, id)["read_at"] == m["read_at"]);

  // Reading again keeps the first read time.
  auto again = p.drover({"mail", "read", std::to_string(id), "--json"});
  CHECK(again.json()["read_at"] == m["read_at"]);

  auto human = p.drover({"mail", "read", std::to_string(id)});
  REQUIRE(human.code == 0);
  CHECK(contains(human.out, "#" + std::to_string(id)));
  CHECK(contains(human.out, "the subject"));
  CHECK(contains(human.out, "line one\nline two"));
  CHECK(contains(human.out, "alice -> operator"));
}

TEST_CASE("mail reply threads, picks the recipient and prefixes the subject") {
  TempProject p;
  p.init();
  RunOptions as_alice = e2e::with_env({{"DROVER_AGENT", "alice"}});
  auto orig =
      send(p, {"--to", "alice", "--subject", "task", "--body", "do it", "--type", "dispatch"})[0];

  // alice answers the operator: recipient = original sender, thread = original id.
  auto r1 = p.drover({"mail", "reply", std::to_string(orig), "--body", "done", "--json"}, as_alice);
  REQUIRE(r1.code == 0);
  auto reply1 = r1.json()["ids"][0].get<std::int64_t>();
  auto m1 = message(p, reply1);
  CHECK(m1["from"] == "alice");
  CHECK(m1["to"] == "operator");
  CHECK(m1["subject"] == "Re: task");
  CHECK(m1["body"] == "done");
  CHECK(m1["thread_id"] == orig);
  CHECK(m1["reply_to"] == orig);
  CHECK(m1["type"] == "status");
  CHECK(m1["priority"] == "normal");

  // The operator answers the reply: the thread stays the original's.
  auto r2 = p.drover({"mail", "reply", std::to_string(reply1), "--body", "thanks", "--type",
                      "question", "--priority", "high", "--json"});
  REQUIRE(r2.code == 0);
  auto m2 = message(p, r2.json()["ids"][0].get<std::int64_t>());
  CHECK(m2["from"] == "operator");
  CHECK(m2["to"] == "alice");
  CHECK(m2["subject"] == "Re: Re: task");
  CHECK(m2["thread_id"] == orig);
  CHECK(m2["reply_to"] == reply1);
  CHECK(m2["type"] == "question");
  CHECK(m2["priority"] == "high");

  // Replying to your own message continues with its recipient.
  auto r3 = p.drover({"mail", "reply", std::to_string(orig), "--body", "one more thing", "--json"});
  REQUIRE(r3.code == 0);
  auto m3 = message(p, r3.json()["ids"][0].get<std::int64_t>());
  CHECK(m3["from"] == "operator");
  CHECK(m3["to"] == "alice");
  CHECK(m3["thread_id"] == orig);
  CHECK(m3["reply_to"] == orig);

  // --from overrides the sender; the human line names the reply.
  auto r4 =
      p.drover({"mail", "reply", std::to_string(orig), "--body", "from bob", "--from", "bob"});
  REQUIRE(r4.code == 0);
  CHECK(contains(r4.out, "reply to #" + std::to_string(orig)));
  auto m4 = list_json(p, {"--from", "bob"});
  REQUIRE(m4.size() == 1);
  CHECK(m4[0]["to"] == "operator");
}

TEST_CASE("mail bodies come from --body, --body-file, or '-' (stdin)") {
  TempProject p;
  p.init();
  e2e::write_text(p.root() / "body.txt", "from a file\nsecond line\n");
  auto f = send(p, {"--to", "alice", "--subject", "file", "--body-file",
                    (p.root() / "body.txt").string()})[0];
  CHECK(message(p, f)["body"] == "from a file\nsecond line\n");

  auto s =
      send(p, {"--to", "alice", "--subject", "stdin", "-"}, e2e::with_stdin("piped\ttext\n"))[0];
  CHECK(message(p, s)["body"] == "piped\ttext\n");

  auto none = send(p, {"--to", "alice", "--subject", "empty"})[0];
  CHECK(message(p, none)["body"] == "");

  auto r = p.drover({"mail", "reply", std::to_string(f), "-", "--json"},
                    e2e::with_stdin("reply via stdin"));
  REQUIRE(r.code == 0);
  CHECK(message(p, r.json()["ids"][0].get<std::int64_t>())["body"] == "reply via stdin");
  auto rf = p.drover({"mail", "reply", std::to_string(f), "--body-file",
                      (p.root() / "body.txt").string(), "--json"});
  REQUIRE(rf.code == 0);
  CHECK(message(p, rf.json()["ids"][0].get<std::int64_t>())["body"] ==
        "from a file\nsecond line\n");
}

TEST_CASE("the sender is --from, else $DROVER_AGENT, else operator") {
  TempProject p;
  p.init();
  RunOptions as_bob = e2e::with_env({{"DROVER_AGENT", "bob"}});
  CHECK(message(p, send(p, {"--to", "alice", "--subject", "s"})[0])["from"] == "operator");
  CHECK(message(p, send(p, {"--to", "alice", "--subject", "s"}, as_bob)[0])["from"] == "bob");
  CHECK(message(p, send(p, {"--to", "alice", "--subject", "s", "--from", "carol"},
                        as_bob)[0])["from"] == "carol");
  CHECK(message(p, send(p, {"--to", "alice", "--subject", "s", "--from",
                            "supervisor"})[0])["from"] == "supervisor");
}

TEST_CASE("every mail type and priority is stored as given, payloads come back as JSON") {
  TempProject p;
  p.init();
  for (const char* type : {"status", "question", "result", "error", "dispatch", "assign", "nudge",
                           "worker_done", "worker_died", "merge_ready", "merged", "merge_failed",
                           "escalation", "health_check", "decision_gate", "decision"}) {
    auto id = send(p, {"--to", "alice", "--subject", type, "--type", type})[0];
    CHECK(message(p, id)["type"] == type);
  }
  for (const char* prio : {"low", "normal", "high", "urgent"}) {
    auto id = send(p, {"--to", "alice", "--subject", prio, "--priority", prio})[0];
    CHECK(message(p, id)["priority"] == prio);
  }
  auto high = p.drover({"mail", "list", "--limit", "4"});
  CHECK(contains(high.out, "[status, urgent]"));

  auto obj = send(p, {"--to", "alice", "--subject", "p", "--payload",
                      R"({"branch":"main","n":[1,2],"ok":true})"})[0];
  auto m = message(p, obj);
  CHECK(m["payload"].is_object());
  CHECK(m["payload"] == json{{"branch", "main"}, {"n", {1, 2}}, {"ok", true}});
  auto arr = send(p, {"--to", "alice", "--subject", "p", "--payload", "[1, \"two\", null]"})[0];
  CHECK(message(p, arr)["payload"] == json::array({1, "two", nullptr}));
  auto num = send(p, {"--to", "alice", "--subject", "p", "--payload", "42"})[0];
  CHECK(message(p, num)["payload"] == 42);
  // Stored as JSON text in the payload column.
  auto stored = e2e::sql(p, "SELECT payload FROM messages WHERE id = " + std::to_string(obj));
  CHECK(json::parse(stored) == m["payload"]);
}

TEST_CASE("group addresses: one message per live recipient, never the sender or finished agents") {
  TempProject p;
  e2e::init_without_autostart(p);
  e2e::add_session(p, "alice", "builder", "between_turns");
  e2e::add_session(p, "bob", "builder", "in_turn");
  e2e::add_session(p, "carol", "scout", "booting");
  e2e::add_session(p, "dave", "builder", "completed");
  e2e::add_session(p, "erin", "scout", "zombie");

  auto recipients = [&](const std::vector<std::int64_t>& ids) {
    std::set<std::string> to;
    for (auto id : ids) to.insert(message(p, id)["to"].get<std::string>());
    return to;
  };
  auto all = send(p, {"--to", "@all", "--subject", "hello all"});
  CHECK(all.size() == 3);
  CHECK(recipients(all) == std::set<std::string>{"alice", "bob", "carol"});
  for (auto id : all) CHECK(message(p, id)["subject"] == "hello all");

  RunOptions as_alice = e2e::with_env({{"DROVER_AGENT", "alice"}});
  auto from_alice = send(p, {"--to", "@all", "--subject", "from alice"}, as_alice);
  CHECK(recipients(from_alice) == std::set<std::string>{"bob", "carol"});

  CHECK(recipients(send(p, {"--to", "@builder", "--subject", "b"})) ==
        std::set<std::string>{"alice", "bob"});
  CHECK(recipients(send(p, {"--to", "@builders", "--subject", "bs"})) ==
        std::set<std::string>{"alice", "bob"});
  CHECK(recipients(send(p, {"--to", "@builders", "--subject", "bs", "--from", "bob"})) ==
        std::set<std::string>{"alice"});
  CHECK(recipients(send(p, {"--to", "@scouts", "--subject", "s"})) ==
        std::set<std::string>{"carol"});

  auto human = p.drover({"mail", "send", "--to", "@builder", "--subject", "h"});
  REQUIRE(human.code == 0);
  CHECK(contains(human.out, "sent #"));
  CHECK(contains(human.out, ", #"));

  // Zero recipients is an error, and nothing is stored.
  auto before = e2e::mail_count(p);
  auto none = p.drover({"mail", "send", "--to", "@reviewer", "--subject", "nobody"});
  e2e::expect_one_line_error(none, 3, "@reviewer");
  auto only_self =
      p.drover({"mail", "send", "--to", "@scouts", "--subject", "x", "--from", "carol"});
  CHECK(only_self.code == 3);
  auto json_err = p.drover({"mail", "send", "--to", "@merger", "--subject", "x", "--json"});
  CHECK(json_err.code == 3);
  CHECK(json_err.json()["error"]["code"] == "not_found");
  CHECK(e2e::mail_count(p) == before);
}

TEST_CASE(
    "mail to a finished agent is refused with a resume hint, operator and unknown names are "
    "stored") {
  TempProject p;
  e2e::init_without_autostart(p);
  for (const char* state : {"completed", "stopped", "zombie", "failed", "stale"})
    e2e::add_session(p, std::string("t-") + state, "builder", state);
  e2e::add_session(p, "live", "builder", "between_turns");

  for (const char* state : {"completed", "stopped", "zombie", "failed", "stale"}) {
    std::string name = std::string("t-") + state;
    auto r = p.drover({"mail", "send", "--to", name, "--subject", "more work", "--body", "x"});
    e2e::expect_one_line_error(r, 4, "drover resume");
    CHECK(contains(r.err, name));
    CHECK(contains(r.err, state));
  }
  auto j = p.drover({"mail", "send", "--to", "t-completed", "--subject", "x", "--json"});
  CHECK(j.code == 4);
  CHECK(j.json()["error"]["code"] == "conflict");
  CHECK(contains(j.json()["error"]["message"], "drover resume"));
  CHECK(e2e::mail_count(p) == 0);
  CHECK(e2e::sql(p, "SELECT count(*) FROM messages") == "0");

  // A reply that would land on a finished agent is refused the same way.
  auto from_done = send(p, {"--to", "operator", "--subject", "report", "--from", "t-completed"})[0];
  auto reply = p.drover({"mail", "reply", std::to_string(from_done), "--body", "again"});
  e2e::expect_one_line_error(reply, 4, "drover resume");

  CHECK(send(p, {"--to", "operator", "--subject", "to op"}).size() == 1);
  CHECK(send(p, {"--to", "nobody-yet", "--subject", "to a name with no session"}).size() == 1);
  CHECK(send(p, {"--to", "live", "--subject", "to a live agent"}).size() == 1);
  CHECK(e2e::mail_count(p) == 4);
  CHECK(list_json(p, {"--to", "nobody-yet"}).size() == 1);
}

TEST_CASE("mail to the operator or to a name with no session never starts the supervisor") {
  TempProject p;
  p.init();  // autostart = true (the default)
  send(p, {"--to", "operator", "--subject", "for the operator"});
  send(p, {"--to", "nobody-yet", "--subject", "for a future agent"});
  auto id = send(p, {"--to", "operator", "--subject", "again"})[0];
  REQUIRE(p.drover({"mail", "reply", std::to_string(id), "--body", "self reply"}).code == 0);
  auto st = p.drover({"status", "--json"});
  REQUIRE(st.code == 0);
  CHECK(st.json()["supervisor"]["running"] == false);
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/supervisor.pid"));
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/supervisor.sock"));
}
