#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::make_session;
using drover::test::StoreFixture;
using Names = std::vector<std::string>;

namespace {

Result<SessionState> apply(Store& db, const std::string& name, SessionEvent event,
                           const StateUpdate& update = {}) {
  return db.write<SessionState>(
      [&](Tx& tx) { return tx.sessions().transition(name, event, update); });
}

Names names_of(const std::vector<Session>& v) {
  Names out;
  for (const auto& s : v) out.push_back(s.name);
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture, "sessions: insert and get round-trip every column") {
  Session s = make_session("full", SessionState::between_turns, "scout");
  s.runtime = "scripted";
  s.model = "opus";
  s.task = "multi\nline task with \xe2\x9c\x93";
  s.task_id = "T-9";
  s.parent = "lead";
  s.depth = 2;
  s.state_reason = "waiting";
  s.worktree = "/w/full";
  s.branch = "drover/full";
  s.head_sha = "abc123";
  s.dirty_summary = "2 files changed";
  s.runtime_session_id = "sid-1";
  s.created_at = "2026-02-03T04:05:06.007Z";
  s.last_activity = "2026-02-03T04:05:07.008Z";
  s.turn_count = 5;
  s.failed_turns = 2;
  s.current_turn = 17;
  s.stop_requested = true;
  s.retry_after = "2026-02-03T04:06:00.000Z";
  test::insert_session(*db, s);

  auto got = test::get_session(*db, "full");
  REQUIRE(got.has_value());
  CHECK(got->name == s.name);
  CHECK(got->capability == "scout");
  CHECK(got->runtime == "scripted");
  CHECK(got->model == s.model);
  CHECK(got->task == s.task);
  CHECK(got->task_id == s.task_id);
  CHECK(got->parent == s.parent);
  CHECK(got->depth == 2);
  CHECK(got->state == SessionState::between_turns);
  CHECK(got->state_reason == s.state_reason);
  CHECK(got->worktree == s.worktree);
  CHECK(got->branch == s.branch);
  CHECK(got->head_sha == s.head_sha);
  CHECK(got->dirty_summary == s.dirty_summary);
  CHECK(got->runtime_session_id == s.runtime_session_id);
  CHECK(got->created_at == s.created_at);
  CHECK(got->last_activity == s.last_activity);
  CHECK(got->turn_count == 5);
  CHECK(got->failed_turns == 2);
  CHECK(got->current_turn == 17);
  CHECK(got->stop_requested);
  CHECK(got->retry_after == s.retry_after);

  // Unset optionals stay unset.
  test::insert_session(*db, make_session("bare"));
  auto bare = test::get_session(*db, "bare");
  REQUIRE(bare.has_value());
  CHECK_FALSE(bare->model.has_value());
  CHECK_FALSE(bare->parent.has_value());
  CHECK_FALSE(bare->current_turn.has_value());
  CHECK_FALSE(bare->runtime_session_id.has_value());
  CHECK_FALSE(bare->stop_requested);
  CHECK_FALSE(test::get_session(*db, "nobody").has_value());
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: list, live, live_children and remove") {
  auto add = [&](const std::string& name, SessionState state, const std::string& created,
                 std::optional<std::string> parent = std::nullopt) {
    Session s = make_session(name, state);
    s.created_at = created;
    s.parent = parent;
    test::insert_session(*db, s);
  };
  add("lead", SessionState::in_turn, "2026-01-01T00:00:01.000Z");
  add("c-done", SessionState::completed, "2026-01-01T00:00:02.000Z", "lead");
  add("c-idle", SessionState::between_turns, "2026-01-01T00:00:03.000Z", "lead");
  add("c-boot", SessionState::booting, "2026-01-01T00:00:03.000Z", "lead");
  add("c-zombie", SessionState::zombie, "2026-01-01T00:00:04.000Z", "lead");
  add("other", SessionState::stale, "2026-01-01T00:00:00.500Z");
  add("grandchild", SessionState::in_turn, "2026-01-01T00:00:05.000Z", "c-idle");

  auto all = test::must_read(*db, [](Tx& tx) { return tx.sessions().list(); });
  // Ordered by creation time, then name.
  CHECK(names_of(all) ==
        Names{"other", "lead", "c-done", "c-boot", "c-idle", "c-zombie", "grandchild"});
  auto live = test::must_read(*db, [](Tx& tx) { return tx.sessions().live(); });
  CHECK(names_of(live) == Names{"lead", "c-boot", "c-idle", "grandchild"});
  auto children = test::must_read(*db, [](Tx& tx) { return tx.sessions().live_children("lead"); });
  CHECK(children == Names{"c-boot", "c-idle"});
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.sessions().live_children("c-idle"); }) ==
        Names{"grandchild"});
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.sessions().live_children("other"); }).empty());

  test::must_write(*db, [](Tx& tx) {
    tx.sessions().remove("c-idle");
    tx.sessions().remove("not-there");  // harmless
    return Unit{};
  });
  CHECK_FALSE(test::get_session(*db, "c-idle").has_value());
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.sessions().live_children("lead"); }) ==
        Names{"c-boot"});
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: request_stop marks live agents only") {
  test::insert_session(*db, make_session("running", SessionState::in_turn));
  test::insert_session(*db, make_session("done", SessionState::completed));
  auto stop = [&](const std::string& name) {
    return test::must_write(*db, [&](Tx& tx) { return tx.sessions().request_stop(name); });
  };
  CHECK(stop("running"));
  CHECK(test::get_session(*db, "running")->stop_requested);
  CHECK(test::get_session(*db, "running")->state == SessionState::in_turn);  // intent only
  CHECK_FALSE(stop("done"));
  CHECK_FALSE(test::get_session(*db, "done")->stop_requested);
  CHECK_FALSE(stop("ghost"));
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: set_activity and set_runtime_session_id") {
  test::insert_session(*db, make_session("a", SessionState::in_turn));
  test::must_write(*db, [](Tx& tx) {
    tx.sessions().set_activity("a", "2026-03-03T03:03:03.333Z");
    tx.sessions().set_runtime_session_id("a", std::string("sid-9"));
    return Unit{};
  });
  auto s = test::get_session(*db, "a");
  CHECK(s->last_activity == "2026-03-03T03:03:03.333Z");
  CHECK(s->runtime_session_id == "sid-9");
  CHECK(s->state == SessionState::in_turn);
  test::must_write(*db, [](Tx& tx) {
    tx.sessions().set_runtime_session_id("a", std::nullopt);
    return Unit{};
  });
  CHECK_FALSE(test::get_session(*db, "a")->runtime_session_id.has_value());
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: transition from every state matches the table") {
  // For each (state, event) cell, a fresh agent in that state either moves to the
  // table's target or is refused with conflict and left untouched.
  int n = 0;
  for (auto from : kAllStates) {
    for (auto event : kAllEvents) {
      const std::string name = "cell-" + std::to_string(n++);
      test::insert_session(*db, make_session(name, from));
      CAPTURE(to_string(from));
      CAPTURE(to_string(event));
      auto r = apply(*db, name, event);
      auto expected = transition(from, event);
      if (expected) {
        REQUIRE(r.ok());
        CHECK(*r == *expected);
        CHECK(test::get_session(*db, name)->state == *expected);
      } else {
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::conflict);
        CHECK(r.error().message.find("illegal transition") != std::string::npos);
        CHECK(r.error().message.find(std::string(to_string(from))) != std::string::npos);
        CHECK(r.error().message.find(std::string(to_string(event))) != std::string::npos);
        CHECK(test::get_session(*db, name)->state == from);
      }
    }
  }
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: a lifecycle of legal and illegal transitions") {
  test::insert_session(*db, make_session("w"));
  CHECK(apply(*db, "w", SessionEvent::turn_started).value() == SessionState::in_turn);
  CHECK(apply(*db, "w", SessionEvent::turn_started).error().code == Errc::conflict);
  CHECK(apply(*db, "w", SessionEvent::resume).error().code == Errc::conflict);
  CHECK(apply(*db, "w", SessionEvent::spawn_failed).error().code == Errc::conflict);
  CHECK(apply(*db, "w", SessionEvent::turn_waiting).value() == SessionState::between_turns);
  CHECK(apply(*db, "w", SessionEvent::turn_completed).error().code == Errc::conflict);
  CHECK(apply(*db, "w", SessionEvent::turn_started).value() == SessionState::in_turn);
  CHECK(apply(*db, "w", SessionEvent::turn_completed).value() == SessionState::completed);
  for (auto e : {SessionEvent::stop, SessionEvent::went_stale, SessionEvent::turn_started,
                 SessionEvent::turn_zombie}) {
    auto r = apply(*db, "w", e);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::conflict);
    CHECK(r.error().message.rfind("illegal transition", 0) == 0);
  }
  CHECK(apply(*db, "w", SessionEvent::resume).value() == SessionState::between_turns);
  CHECK(apply(*db, "w", SessionEvent::stop).value() == SessionState::stopped);
  CHECK(test::get_session(*db, "w")->state == SessionState::stopped);
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: transition of an unknown agent is not_found") {
  auto r = apply(*db, "ghost", SessionEvent::stop);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::not_found);
  CHECK(r.error().message.find("'ghost'") != std::string::npos);
  CHECK_FALSE(test::get_session(*db, "ghost").has_value());
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: StateUpdate fields are written with the state") {
  Session s = make_session("u", SessionState::booting);
  s.head_sha = "old-sha";
  s.state_reason = "old reason";
  test::insert_session(*db, s);

  StateUpdate up;
  up.reason = "started";
  up.last_activity = "2026-04-04T04:04:04.444Z";
  up.failed_turns = 2;
  up.count_turn = true;
  up.current_turn = std::optional<std::int64_t>(31);
  up.runtime_session_id = std::optional<std::string>("sid-31");
  up.retry_after = std::optional<std::string>("2026-04-04T04:05:00.000Z");
  up.stop_requested = true;
  up.head_sha = std::optional<std::string>("new-sha");
  up.dirty_summary = std::optional<std::string>("1 file");
  REQUIRE(apply(*db, "u", SessionEvent::turn_started, up).ok());
  auto got = test::get_session(*db, "u");
  CHECK(got->state == SessionState::in_turn);
  CHECK(got->state_reason == "started");
  CHECK(got->last_activity == "2026-04-04T04:04:04.444Z");
  CHECK(got->failed_turns == 2);
  CHECK(got->turn_count == 1);
  CHECK(got->current_turn == 31);
  CHECK(got->runtime_session_id == "sid-31");
  CHECK(got->retry_after == "2026-04-04T04:05:00.000Z");
  CHECK(got->stop_requested);
  CHECK(got->head_sha == "new-sha");
  CHECK(got->dirty_summary == "1 file");

  // Clearing: empty reason → NULL, nullopt inner values → NULL, false → 0.
  StateUpdate clear;
  clear.reason = "";
  clear.current_turn = std::optional<std::int64_t>();
  clear.runtime_session_id = std::optional<std::string>();
  clear.retry_after = std::optional<std::string>();
  clear.stop_requested = false;
  clear.head_sha = std::optional<std::string>();
  clear.dirty_summary = std::optional<std::string>();
  clear.count_turn = true;
  REQUIRE(apply(*db, "u", SessionEvent::turn_waiting, clear).ok());
  got = test::get_session(*db, "u");
  CHECK(got->state == SessionState::between_turns);
  CHECK_FALSE(got->state_reason.has_value());
  CHECK_FALSE(got->current_turn.has_value());
  CHECK_FALSE(got->runtime_session_id.has_value());
  CHECK_FALSE(got->retry_after.has_value());
  CHECK_FALSE(got->stop_requested);
  CHECK_FALSE(got->head_sha.has_value());
  CHECK_FALSE(got->dirty_summary.has_value());
  CHECK(got->turn_count == 2);
  // Fields the update does not name are left alone.
  CHECK(got->failed_turns == 2);
  CHECK(got->last_activity == "2026-04-04T04:04:04.444Z");

  // An empty update changes the state only.
  REQUIRE(apply(*db, "u", SessionEvent::stop).ok());
  got = test::get_session(*db, "u");
  CHECK(got->state == SessionState::stopped);
  CHECK(got->turn_count == 2);
  CHECK(got->failed_turns == 2);
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: a refused transition writes none of its update") {
  test::insert_session(*db, make_session("r", SessionState::completed));
  StateUpdate up;
  up.reason = "should not appear";
  up.failed_turns = 9;
  up.count_turn = true;
  auto r = apply(*db, "r", SessionEvent::turn_failed, up);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::conflict);
  auto got = test::get_session(*db, "r");
  CHECK(got->state == SessionState::completed);
  CHECK_FALSE(got->state_reason.has_value());
  CHECK(got->failed_turns == 0);
  CHECK(got->turn_count == 0);
}

TEST_CASE_FIXTURE(
    StoreFixture,
    "sessions: needing_runner lists in_turn agents and agents with an unfinished turn") {
  test::must_write(*db, [&](Tx& tx) {
    for (auto [name, state] :
         {std::pair{"busy", SessionState::in_turn}, std::pair{"idle", SessionState::between_turns},
          std::pair{"half", SessionState::booting}, std::pair{"done", SessionState::completed}})
      REQUIRE(tx.sessions().insert(make_session(name, state)).ok());
    auto open = tx.turns().create("half", "2026-01-01T00:00:01.000Z", std::nullopt,
                                  0);  // runner died before in_turn
    (void)open;
    auto ended = tx.turns().create("idle", "2026-01-01T00:00:01.000Z", std::nullopt, 0);
    TurnRecord end;
    end.id = ended;
    end.ended_at = "2026-01-01T00:00:02.000Z";
    end.outcome = TurnOutcome::completed;
    tx.turns().finish(end);
    return Unit{};
  });
  auto names = test::must_read(*db, [&](Tx& tx) { return tx.sessions().needing_runner(); });
  std::sort(names.begin(), names.end());
  CHECK(names == Names{"busy", "half"});
}

TEST_CASE_FIXTURE(
    StoreFixture,
    "schema: the unfinished-turn lookup reads the partial index, not the whole table" *
        drover::test::sqlite_only()) {
  SQLite::Database raw(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement plan(raw, "EXPLAIN QUERY PLAN SELECT agent FROM turns WHERE ended_at IS NULL");
  std::string detail;
  while (plan.executeStep()) detail += plan.getColumn(3).getString() + "\n";
  CHECK(detail.find("turns_open") != std::string::npos);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "sessions: runnable lists waiting agents with unclaimed mail, oldest first") {
  for (const char* name : {"idle", "first", "second", "busy", "stopping"})
    test::insert_session(*db, make_session(name, SessionState::between_turns));
  test::must_write(*db, [](Tx& tx) {
    (void)tx.sessions().transition("busy", SessionEvent::turn_started, {});
    return tx.sessions().request_stop("stopping");
  });
  auto send = [&](const char* to) {
    return test::must_write(*db, [&](Tx& tx) {
      return tx.mail().insert(test::letter_of("operator", to, "status", "s", "b"));
    });
  };
  auto claimed = send("first");  // claimed by a turn: not pending any more
  test::must_write(*db, [](Tx& tx) { return tx.mail().claim_pending("first", 9); });
  send("second");
  send("first");
  send("busy");
  send("stopping");
  auto later = send("second");
  auto c = test::must_read(*db, [](Tx& tx) { return tx.sessions().runnable(); });
  REQUIRE(c.size() == 2);
  CHECK(c[0].agent == "second");  // its oldest pending message is the older one
  CHECK(c[1].agent == "first");
  CHECK(c[1].oldest_mail > claimed);
  CHECK(c[0].oldest_mail < later);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "sessions: the poll tick's queries read only what needs them (issue 18)" *
                      drover::test::sqlite_only()) {
  auto plan_of = [&](const std::string& sql) { return test::query_plan(db_path, sql); };
  for (bool leased : {false, true}) {  // one host alone, and one of several
    CAPTURE(leased);
    // Idle agents cost nothing: the scheduler starts from the unclaimed unread mail…
    auto runnable = plan_of(Sessions::runnable_sql(leased));
    CAPTURE(runnable);
    CHECK(runnable.find("messages_pending") != std::string::npos);
    CHECK(runnable.find("SCAN s") == std::string::npos);
    CHECK(runnable.find("SCAN sessions") == std::string::npos);
    CHECK(runnable.find("SCAN l") == std::string::npos);
    // …and the search for dead runners from the agents in a turn.
    auto needing = plan_of(Sessions::needing_runner_sql(leased));
    CAPTURE(needing);
    CHECK(needing.find("sessions_in_turn") != std::string::npos);
    CHECK(needing.find("SCAN sessions\n") == std::string::npos);
    CHECK(needing.find("SCAN l") == std::string::npos);
  }
}
