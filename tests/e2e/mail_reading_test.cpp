// End-to-end: who marks mail read when it is read from a shell (SPEC §4, §6.6, issue 15).
// Reading your own mail marks it read; reading another agent's is a peek unless
// --mark-read asks to mark it for them; and mail a running turn has claimed is left for
// that turn's settle whoever reads it and however, so the agent still gets its input.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using e2e::contains;
using e2e::Json;
using e2e::RunOptions;
using e2e::TempProject;

namespace {

bool is_unread(const TempProject& p, std::int64_t id) {
  return e2e::sql(p, "SELECT count(*) FROM messages WHERE read_at IS NULL AND id = " +
                         std::to_string(id)) == "1";
}

Json check_json(const TempProject& p, const std::vector<std::string>& extra,
                const RunOptions& o = {}) {
  std::vector<std::string> args{"mail", "check", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = p.drover(args, o);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

std::vector<std::int64_t> listed_ids(const Json& messages) {
  std::vector<std::int64_t> out;
  for (const auto& m : messages) out.push_back(m["id"].get<std::int64_t>());
  return out;
}

}  // namespace

TEST_CASE("mail check --agent of another agent is a peek, --mark-read marks it for them") {
  TempProject p;
  p.init();
  auto a1 = e2e::send(p, {"--to", "alice", "--subject", "one", "--body", "first"})[0];
  auto a2 = e2e::send(p, {"--to", "alice", "--subject", "two", "--body", "second"})[0];
  auto op = e2e::send(p, {"--to", "operator", "--subject", "mine"})[0];
  const RunOptions as_alice = e2e::with_env({{"DROVER_AGENT", "alice"}});
  const RunOptions as_bob = e2e::with_env({{"DROVER_AGENT", "bob"}});

  // The operator, then another agent, peek: both see the mail, neither marks it.
  for (const RunOptions* who : {static_cast<const RunOptions*>(nullptr), &as_bob}) {
    auto doc =
        who ? check_json(p, {"--agent", "alice"}, *who) : check_json(p, {"--agent", "alice"});
    CHECK(listed_ids(doc["messages"]) == std::vector<std::int64_t>{a1, a2});
    CHECK(doc["messages"][0]["body"] == "first");
    CHECK(doc["messages"][0]["read_at"].is_null());
    CHECK(doc["marked_read"].empty());
    CHECK(is_unread(p, a1));
    CHECK(is_unread(p, a2));
  }
  auto human = p.drover({"mail", "check", "--agent", "alice"});
  REQUIRE(human.code == 0);
  CHECK(contains(human.out, "second"));
  CHECK(contains(human.out, "peeked at alice's mail: nothing marked read"));
  CHECK(contains(human.out, "--mark-read"));
  CHECK(is_unread(p, op));

  SUBCASE("alice reads her own mail: it is marked read") {
    auto doc = check_json(p, {"--agent", "alice"}, as_alice);
    CHECK(doc["marked_read"] == Json::array({a1, a2}));
    CHECK(doc["messages"][0]["read_at"].is_string());
    CHECK_FALSE(is_unread(p, a1));
    CHECK(check_json(p, {}, as_alice)["messages"].empty());
  }
  SUBCASE("--mark-read: the operator marks it read for alice") {
    auto doc = check_json(p, {"--agent", "alice", "--mark-read"});
    CHECK(doc["marked_read"] == Json::array({a1, a2}));
    CHECK_FALSE(is_unread(p, a1));
    CHECK_FALSE(is_unread(p, a2));
    CHECK(is_unread(p, op));
    CHECK(check_json(p, {"--agent", "alice"})["messages"].empty());
  }
  SUBCASE("--mark-read on your own mailbox changes nothing") {
    auto doc = check_json(p, {"--mark-read"});
    CHECK(doc["marked_read"] == Json::array({op}));
    CHECK(is_unread(p, a1));
  }
}

TEST_CASE("mail read marks a message read only for its recipient, or with --mark-read") {
  TempProject p;
  p.init();
  auto to_alice = e2e::send(p, {"--to", "alice", "--subject", "for alice", "--body", "b"})[0];
  auto to_op = e2e::send(p, {"--to", "operator", "--subject", "for op", "--from", "alice"})[0];
  const std::string id = std::to_string(to_alice);

  // The operator reads alice's message: shown whole, not marked read.
  auto peek = p.drover({"mail", "read", id, "--json"});
  REQUIRE(peek.code == 0);
  CHECK(peek.json()["id"] == to_alice);
  CHECK(peek.json()["body"] == "b");
  CHECK(peek.json()["read_at"].is_null());
  auto human = p.drover({"mail", "read", id});
  REQUIRE(human.code == 0);
  CHECK(contains(human.out, "for alice"));
  CHECK(contains(human.out, "not marked read: it is alice's mail"));
  CHECK(is_unread(p, to_alice));
  // Its sender reading it back does not mark it either.
  CHECK(
      p.drover({"mail", "read", std::to_string(to_op)}, e2e::with_env({{"DROVER_AGENT", "alice"}}))
          .code == 0);
  CHECK(is_unread(p, to_op));

  SUBCASE("the recipient") {
    auto r = p.drover({"mail", "read", id, "--json"}, e2e::with_env({{"DROVER_AGENT", "alice"}}));
    REQUIRE(r.code == 0);
    CHECK(r.json()["read_at"].is_string());
    CHECK_FALSE(is_unread(p, to_alice));
    auto mine = p.drover({"mail", "read", std::to_string(to_op), "--json"});
    CHECK(mine.json()["read_at"].is_string());
  }
  SUBCASE("--mark-read") {
    auto r = p.drover({"mail", "read", id, "--mark-read", "--json"});
    REQUIRE(r.code == 0);
    CHECK(r.json()["read_at"].is_string());
    CHECK_FALSE(is_unread(p, to_alice));
  }
}

TEST_CASE(
    "mail claimed by a running turn is left for it: check, --mark-read and read never mark it, "
    "and mail that came later still reaches the agent's next turn") {
  TempProject p;
  p.init_scripted();
  auto gate = p.root() / "gate";
  e2e::sling(p, {"alice", "--capability", "coordinator",
                 "#!say started\n#!sh while [ ! -e " + gate.string() + " ]; do sleep 0.05; done"});
  REQUIRE(e2e::wait_records(p, "alice", 1));
  REQUIRE(e2e::wait_state(p, "alice", "in_turn"));
  const std::int64_t dispatch = std::stoll(e2e::dispatch_id(p, "alice"));
  const long long turn1 =
      std::stoll(e2e::records(p, "alice")[0]["env"]["DROVER_TURN"].get<std::string>());
  REQUIRE(e2e::sql(p, "SELECT claimed_turn FROM messages WHERE id = " + std::to_string(dispatch)) ==
          std::to_string(turn1));
  // Mail that arrives during the turn is not claimed by it: it is the next turn's input.
  auto later = e2e::send(p, {"--to", "alice", "--subject", "later", "--body", "later-body"})[0];
  const RunOptions as_alice = e2e::with_env({{"DROVER_AGENT", "alice"}});

  // A peek marks nothing.
  auto peek = check_json(p, {"--agent", "alice"});
  CHECK(listed_ids(peek["messages"]) == std::vector<std::int64_t>{dispatch, later});
  CHECK(peek["marked_read"].empty());
  CHECK(peek["left_for_turn"] == Json::array({dispatch}));
  CHECK(is_unread(p, later));

  // Neither the recipient itself nor --mark-read nor `mail read` takes the claimed message.
  auto human = p.drover({"mail", "check", "--agent", "alice"});
  CHECK(contains(human.out, "left #" + std::to_string(dispatch) + " unread: claimed by turn " +
                                std::to_string(turn1) + " of alice"));
  auto read = p.drover({"mail", "read", std::to_string(dispatch), "--mark-read", "--json"});
  REQUIRE(read.code == 0);
  CHECK(read.json()["read_at"].is_null());
  auto read_human = p.drover({"mail", "read", std::to_string(dispatch)}, as_alice);
  CHECK(contains(read_human.out, "claimed by turn " + std::to_string(turn1)));
  auto own = check_json(p, {}, as_alice);
  CHECK(own["marked_read"] == Json::array({later}));
  CHECK(own["left_for_turn"] == Json::array({dispatch}));
  CHECK(is_unread(p, dispatch));
  CHECK_FALSE(is_unread(p, later));  // alice read it herself: it is not delivered again

  // A second message, and the operator marks it for alice with --mark-read...
  auto marked = e2e::send(p, {"--to", "alice", "--subject", "marked", "--body", "marked-body"})[0];
  auto forced = check_json(p, {"--agent", "alice", "--mark-read"});
  CHECK(forced["marked_read"] == Json::array({marked}));
  CHECK(forced["left_for_turn"] == Json::array({dispatch}));
  CHECK(is_unread(p, dispatch));
  // ...while a third is only peeked at, so alice's next turn carries it.
  auto peeked = e2e::send(p, {"--to", "alice", "--subject", "peeked", "--body", "peeked-body"})[0];
  CHECK(check_json(p, {"--agent", "alice"})["marked_read"].empty());

  // The turn settles cleanly: it marks its claimed mail read; the peeked message runs a
  // second turn.
  e2e::write_text(gate, "");
  REQUIRE(e2e::wait_records(p, "alice", 2));
  REQUIRE(e2e::wait_until([&] { return !is_unread(p, peeked); }));
  CHECK(e2e::sql(p, "SELECT claimed_turn FROM messages WHERE id = " + std::to_string(dispatch)) ==
        std::to_string(turn1));
  CHECK_FALSE(is_unread(p, dispatch));
  auto text2 = e2e::records(p, "alice")[1]["text"].get<std::string>();
  CHECK(contains(text2, "peeked-body"));
  CHECK_FALSE(contains(text2, "marked-body"));
  CHECK_FALSE(contains(text2, "later-body"));
}
