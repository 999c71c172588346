// The live view's data (cli/swarm_read.h and the store queries under it): per-agent
// totals, running turns, unread mail and each agent's newest event, read without
// scanning the events table.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>

#include "cli/live_view.h"
#include "cli/swarm_read.h"
#include "core/config.h"
#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::StoreFixture;

namespace {

void swarm_event(Store& db, const std::string& agent, std::optional<std::int64_t> turn,
                 const std::string& kind, const std::string& data = "{}") {
  test::must_write(db, [&](Tx& tx) { return tx.events().add(agent, turn, kind, "info", data); });
}

// A turn that started (pid) and, when `cost` is set, ended with that cost and tokens.
std::int64_t swarm_turn(Store& db, const std::string& agent, const std::string& started,
                        std::optional<double> cost) {
  return test::must_write(db, [&](Tx& tx) {
    auto id = tx.turns().create(agent, started, std::nullopt, 0);
    tx.turns().set_pid(id, 1000 + id);
    if (cost) {
      TurnRecord end;
      end.id = id;
      end.ended_at = started;
      end.outcome = TurnOutcome::completed;
      end.cost_usd = *cost;
      end.input_tokens = 1000;
      end.output_tokens = 200;
      tx.turns().finish(end);
    }
    return id;
  });
}

std::string swarm_query_plan(const std::filesystem::path& db, const std::string& sql) {
  SQLite::Database raw(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement plan(raw, "EXPLAIN QUERY PLAN " + sql);
  std::string detail;
  while (plan.executeStep()) detail += plan.getColumn(3).getString() + "\n";
  return detail;
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture, "swarm read: the newest event of every session, by index") {
  test::insert_session(*db, test::make_session("alice"));
  test::insert_session(*db, test::make_session("bob"));
  test::insert_session(*db, test::make_session("quiet"));
  swarm_event(*db, "alice", std::nullopt, "turn_start");
  swarm_event(*db, "bob", std::nullopt, "assistant_text", R"({"text":"hello"})");
  swarm_event(*db, "alice", std::nullopt, "tool_start", R"({"tool":"Bash"})");
  swarm_event(*db, "ghost", std::nullopt, "tool_start");  // no session: not listed
  auto latest = test::must_read(*db, [](Tx& tx) { return tx.events().latest_per_session(); });
  REQUIRE(latest.size() == 2);
  CHECK(latest[0].agent == "alice");
  CHECK(latest[0].kind == "tool_start");
  CHECK(latest[1].agent == "bob");
  CHECK(latest[1].data == R"({"text":"hello"})");

  std::string plan = swarm_query_plan(db_path, Events::latest_per_session_sql());
  CHECK_MESSAGE(plan.find("events_agent") != std::string::npos, plan);
  CHECK_MESSAGE(plan.find("SCAN events") == std::string::npos, plan);
  CHECK_MESSAGE(plan.find("SCAN e\n") == std::string::npos, plan);
}

TEST_CASE_FIXTURE(StoreFixture, "swarm read: an agent's newest events, oldest first") {
  for (int i = 1; i <= 5; ++i) swarm_event(*db, "alice", std::nullopt, "k" + std::to_string(i));
  swarm_event(*db, "bob", std::nullopt, "other");
  auto tail = test::must_read(*db, [](Tx& tx) { return tx.events().latest_for_agent("alice", 3); });
  REQUIRE(tail.size() == 3);
  CHECK(tail[0].kind == "k3");
  CHECK(tail[2].kind == "k5");
}

TEST_CASE_FIXTURE(StoreFixture, "swarm read: unread mail counted per session") {
  test::insert_session(*db, test::make_session("alice"));
  test::insert_session(*db, test::make_session("bob"));
  test::must_write(*db, [](Tx& tx) {
    tx.mail().insert(test::letter_of("operator", "alice", "nudge", "a", "1"));
    tx.mail().insert(test::letter_of("operator", "alice", "nudge", "b", "2"));
    auto read = tx.mail().insert(test::letter_of("operator", "alice", "nudge", "c", "3"));
    tx.mail().mark_read(read, "2026-01-01T00:00:00.000Z");
    tx.mail().insert(test::letter_of("alice", "nobody", "status", "d", "4"));
    return Unit{};
  });
  auto unread = test::must_read(*db, [](Tx& tx) { return tx.mail().unread_by_session(); });
  CHECK(unread == std::map<std::string, int>{{"alice", 2}});
}

TEST_CASE_FIXTURE(StoreFixture, "swarm read: a snapshot of agents, costs, turns and mail") {
  std::filesystem::create_directories(dir.path / ".drover");
  ProjectPaths p{dir.path};
  auto now = SystemClock::instance().now();
  std::string just_now = format_timestamp(now - std::chrono::seconds(5));
  auto busy = test::make_session("busy", SessionState::in_turn);
  auto idle = test::make_session("idle", SessionState::between_turns, "scout");
  idle.last_activity = format_timestamp(now - std::chrono::minutes(3));
  swarm_turn(*db, "busy", "2020-01-01T00:00:00.000Z", 1.0);  // long ago: not today
  busy.current_turn = swarm_turn(*db, "busy", just_now, std::nullopt);
  test::insert_session(*db, busy);
  test::insert_session(*db, idle);
  swarm_turn(*db, "idle", just_now, 0.25);
  swarm_event(*db, "idle", std::nullopt, "result", R"({"cost_usd":0.25})");
  test::must_write(*db, [](Tx& tx) {
    tx.mail().insert(test::letter_of("operator", "idle", "nudge", "n", "x"));
    tx.mail().insert(test::letter_of("idle", "operator", "status", "s", "y"));
    return Unit{};
  });

  Config cfg;
  cfg.supervisor.max_concurrent_turns = 3;
  auto snap = cli::read_swarm(*db, p, cfg, now);
  REQUIRE(snap.ok());
  const SwarmHeader& h = snap->header;
  CHECK_FALSE(h.supervisor_running);
  CHECK(h.max_turns == 3);
  CHECK(h.turns_running == 1);
  CHECK(h.operator_unread == 1);
  CHECK(h.cost_total == doctest::Approx(1.25));
  CHECK(h.cost_today == doctest::Approx(0.25));
  REQUIRE(snap->agents.size() == 2);
  const SwarmAgent& b = snap->agents[0];
  CHECK(b.name == "busy");
  CHECK(b.turn_running);
  CHECK(b.turn == 2);  // its second started turn
  REQUIRE(b.age);
  CHECK(b.age->count() >= 5000);
  CHECK(b.age->count() < 60000);
  CHECK(b.cost_usd == doctest::Approx(1.0));
  CHECK_FALSE(b.last_event);
  const SwarmAgent& i = snap->agents[1];
  CHECK(i.capability == "scout");
  CHECK_FALSE(i.turn_running);
  CHECK(i.turn == 1);
  REQUIRE(i.age);
  CHECK(i.age->count() >= 180000);
  CHECK(i.unread == 1);
  CHECK(i.priced_turns == 1);
  CHECK(i.input_tokens == 1000);
  REQUIRE(i.last_event);
  CHECK(i.last_event->kind == "result");
  CHECK(i.last_event_json == R"({"cost_usd":0.25})");
}

TEST_CASE("swarm read: the watch interval") {
  CHECK(cli::parse_watch_interval("").value() == Millis(1000));
  CHECK(cli::parse_watch_interval("2").value() == Millis(2000));
  CHECK(cli::parse_watch_interval("500ms").value() == Millis(500));
  CHECK(cli::parse_watch_interval("1m").value() == Millis(60000));
  for (const char* bad : {"fast", "-1", "0", "10ms", "2x", "99999999999"}) {
    auto r = cli::parse_watch_interval(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
  }
}

TEST_CASE("swarm read: local midnight is a timestamp at or before now, within a day") {
  auto now = SystemClock::instance().now();
  auto midnight = parse_timestamp(cli::local_midnight_timestamp(now));
  REQUIRE(midnight);
  CHECK(*midnight <= now);
  CHECK(now - *midnight < std::chrono::hours(25));
}
