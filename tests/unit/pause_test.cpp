// Pause (issue 17, docs/steering.md): the pure start decision and how it shows, and the
// store's pause columns, E-stop flag and candidate list over a real database.
#include <doctest/doctest.h>

#include "core/pause.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store_test_support.h"

using namespace drover;
using namespace drover::test;

TEST_CASE("pause: neither a pause nor the E-stop lets the start through") {
  Session s = make_session("alice", SessionState::between_turns);
  CHECK_FALSE(pause_blocks_start(s, std::nullopt));
  s.paused_at = "2026-12-04T21:00:00.000Z";
  auto why = pause_blocks_start(s, std::nullopt);
  REQUIRE(why);
  CHECK(*why == "agent 'alice' is paused; run 'drover unpause alice' to let it take turns");
  s.pause_reason = "reviewing its plan";
  CHECK(pause_blocks_start(s, std::nullopt)->find("paused (reviewing its plan)") !=
        std::string::npos);
}

TEST_CASE("pause: the E-stop holds back every agent, paused or not") {
  Session s = make_session("bob", SessionState::booting);
  auto why = pause_blocks_start(s, std::string("2026-12-04T21:00:00.000Z"));
  REQUIRE(why);
  CHECK(why->find("E-stop, since 2026-12-04T21:00:00.000Z") != std::string::npos);
  CHECK(why->find("drover unpause --all") != std::string::npos);
}

TEST_CASE("pause: the STATE column marks a paused live agent, not a finished one") {
  Session s = make_session("alice", SessionState::between_turns);
  CHECK(state_with_pause(s) == "between_turns");
  s.paused_at = "2026-12-04T21:00:00.000Z";
  CHECK(state_with_pause(s) == "between_turns (paused)");
  s.state = SessionState::completed;
  CHECK(state_with_pause(s) == "completed");
}

TEST_CASE("pause: the E-stop line says how many turns still run") {
  CHECK(estop_summary(0) == "paused all agents: no new turn starts; no turn is running");
  CHECK(estop_summary(1) ==
        "paused all agents: no new turn starts; 1 turn still running (they finish normally)");
  CHECK(estop_summary(2).find("; 2 turns still running") != std::string::npos);
}

TEST_CASE("store pause: set, read back, not twice, not on a finished agent, cleared") {
  TempDir dir;
  auto db = open_store(dir.path / "state.db");
  insert_session(*db, make_session("alice", SessionState::between_turns));
  insert_session(*db, make_session("bob", SessionState::between_turns));
  insert_session(*db, make_session("done", SessionState::completed));
  CHECK(must_write(*db, [](store::Tx& tx) {
          return tx.sessions().set_pause("alice", "2026-12-04T21:00:00.000Z", "why");
        }) == 1);
  CHECK(must_write(*db, [](store::Tx& tx) {
          return tx.sessions().set_pause("alice", "2026-12-04T22:00:00.000Z", "again");
        }) == 0);
  CHECK(must_write(*db, [](store::Tx& tx) {
          return tx.sessions().set_pause("bob", "2026-12-04T21:00:00.000Z", "");
        }) == 1);
  CHECK(must_write(*db, [](store::Tx& tx) {
          return tx.sessions().set_pause("done", "2026-12-04T21:00:00.000Z", "");
        }) == 0);
  auto a = get_session(*db, "alice");
  REQUIRE(a);
  CHECK(a->paused_at == std::optional<std::string>("2026-12-04T21:00:00.000Z"));
  CHECK(a->pause_reason == std::optional<std::string>("why"));
  CHECK_FALSE(get_session(*db, "bob")->pause_reason);  // an empty reason is NULL
  CHECK_FALSE(get_session(*db, "done")->paused_at);
  CHECK(must_write(*db, [](store::Tx& tx) {
          return tx.sessions().clear_pause(std::string_view("alice"));
        }) == 1);
  CHECK_FALSE(get_session(*db, "alice")->paused_at);
  CHECK_FALSE(get_session(*db, "alice")->pause_reason);
  CHECK(get_session(*db, "bob")->paused_at);
  CHECK(must_write(*db, [](store::Tx& tx) { return tx.sessions().clear_pause(std::nullopt); }) ==
        1);
  CHECK_FALSE(get_session(*db, "bob")->paused_at);
}

TEST_CASE("store pause: a paused agent with pending mail is no candidate") {
  TempDir dir;
  auto db = open_store(dir.path / "state.db");
  insert_session(*db, make_session("alice", SessionState::between_turns));
  insert_session(*db, make_session("bob", SessionState::between_turns));
  for (const char* to : {"alice", "bob"})
    must_write(*db, [&](store::Tx& tx) {
      return tx.mail().insert(letter_of("operator", to, "nudge", "go", "go on"));
    });
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& c : must_read(*db, [](store::Tx& tx) { return tx.sessions().runnable(); }))
      out.push_back(c.agent);
    return out;
  };
  CHECK(names() == std::vector<std::string>{"alice", "bob"});
  must_write(*db, [](store::Tx& tx) {
    return tx.sessions().set_pause("alice", "2026-12-04T21:00:00.000Z", "");
  });
  CHECK(names() == std::vector<std::string>{"bob"});
  must_write(*db, [](store::Tx& tx) { return tx.sessions().clear_pause(std::nullopt); });
  CHECK(names() == std::vector<std::string>{"alice", "bob"});
}

TEST_CASE("store settings: the E-stop is set once, read back, and cleared") {
  TempDir dir;
  auto db = open_store(dir.path / "state.db");
  auto get = [&] {
    return must_read(*db, [](store::Tx& tx) { return tx.settings().get(kEstopKey); });
  };
  CHECK_FALSE(get());
  CHECK(must_write(*db, [](store::Tx& tx) {
    return tx.settings().set_if_absent(kEstopKey, "2026-12-04T21:00:00.000Z");
  }));
  CHECK_FALSE(must_write(*db, [](store::Tx& tx) {
    return tx.settings().set_if_absent(kEstopKey, "2026-12-04T22:00:00.000Z");
  }));
  CHECK(get() == std::optional<std::string>("2026-12-04T21:00:00.000Z"));
  CHECK(must_write(*db, [](store::Tx& tx) { return tx.settings().clear(kEstopKey); }));
  CHECK_FALSE(must_write(*db, [](store::Tx& tx) { return tx.settings().clear(kEstopKey); }));
  CHECK_FALSE(get());
}
