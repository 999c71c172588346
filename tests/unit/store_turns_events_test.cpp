#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::StoreFixture;
using Ids = std::vector<std::int64_t>;

namespace {

std::int64_t new_turn(Store& db, const std::string& agent,
                      const std::optional<std::string>& resume_id = std::nullopt,
                      std::int64_t mail_mark = 0) {
  return test::must_write(db, [&](Tx& tx) {
    return tx.turns().create(agent, "2026-08-08T08:08:08.000Z", resume_id, mail_mark);
  });
}

std::optional<TurnRecord> turn(Store& db, std::int64_t id) {
  return test::must_read(db, [&](Tx& tx) { return tx.turns().get(id); });
}

template <class Records>
Ids ids_of(const Records& v) {
  Ids out;
  for (const auto& r : v) out.push_back(r.id);
  return out;
}

std::int64_t add_event(Store& db, const std::string& agent, std::optional<std::int64_t> turn_id,
                       const std::string& kind, const std::string& level = "info",
                       const std::string& data = "{}") {
  return test::must_write(
      db, [&](Tx& tx) { return tx.events().add(agent, turn_id, kind, level, data); });
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture,
                  "turns: create records the start, the resume id and the mail mark") {
  auto id = new_turn(*db, "w", std::string("sid-1"), 41);
  CHECK(id == 1);
  auto t = turn(*db, id);
  REQUIRE(t.has_value());
  CHECK(t->id == id);
  CHECK(t->agent == "w");
  CHECK(t->started_at == "2026-08-08T08:08:08.000Z");
  CHECK(t->resume_id == "sid-1");
  CHECK(t->mail_mark == 41);
  CHECK_FALSE(t->ended_at.has_value());
  CHECK_FALSE(t->outcome.has_value());
  CHECK_FALSE(t->exit_code.has_value());
  CHECK_FALSE(t->signal.has_value());
  CHECK_FALSE(t->pid.has_value());
  CHECK_FALSE(t->session_id.has_value());
  CHECK_FALSE(t->cost_usd.has_value());

  auto fresh = new_turn(*db, "w");
  CHECK(fresh == id + 1);
  CHECK_FALSE(turn(*db, fresh)->resume_id.has_value());
  CHECK_FALSE(turn(*db, 12345).has_value());
}

TEST_CASE_FIXTURE(StoreFixture, "turns: set_pid and finish") {
  auto id = new_turn(*db, "w", std::string("sid-old"));
  test::must_write(*db, [&](Tx& tx) {
    tx.turns().set_pid(id, 4242);
    return Unit{};
  });
  CHECK(turn(*db, id)->pid == 4242);

  TurnRecord end;
  end.id = id;
  end.ended_at = "2026-08-08T08:09:00.000Z";
  end.outcome = TurnOutcome::completed;
  end.exit_code = 0;
  end.duration_ms = 52'000;
  end.cost_usd = 0.0421;
  end.input_tokens = 12;
  end.output_tokens = 412;
  end.session_id = "sid-new";
  end.detail = "All done \xe2\x9c\x93";
  test::must_write(*db, [&](Tx& tx) {
    tx.turns().finish(end);
    return Unit{};
  });
  auto t = turn(*db, id);
  REQUIRE(t.has_value());
  CHECK(t->ended_at == end.ended_at);
  CHECK(t->outcome == TurnOutcome::completed);
  CHECK(t->exit_code == 0);
  CHECK_FALSE(t->signal.has_value());
  CHECK(t->duration_ms == 52'000);
  REQUIRE(t->cost_usd.has_value());
  CHECK(*t->cost_usd == doctest::Approx(0.0421));
  CHECK(t->input_tokens == 12);
  CHECK(t->output_tokens == 412);
  CHECK(t->session_id == "sid-new");
  CHECK(t->detail == end.detail);
  // Columns finish() does not own are kept.
  CHECK(t->pid == 4242);
  CHECK(t->resume_id == "sid-old");
  CHECK(t->agent == "w");
  CHECK(t->started_at == "2026-08-08T08:08:08.000Z");
}

TEST_CASE_FIXTURE(StoreFixture, "turns: finish without a session id keeps the one seen earlier") {
  auto id = new_turn(*db, "w");
  TurnRecord first;
  first.id = id;
  first.session_id = "sid-seen";
  test::must_write(*db, [&](Tx& tx) {
    tx.turns().finish(first);
    return Unit{};
  });
  TurnRecord killed;
  killed.id = id;
  killed.ended_at = "2026-08-08T08:10:00.000Z";
  killed.outcome = TurnOutcome::stalled;
  killed.signal = 9;
  test::must_write(*db, [&](Tx& tx) {
    tx.turns().finish(killed);
    return Unit{};
  });
  auto t = turn(*db, id);
  CHECK(t->session_id == "sid-seen");
  CHECK(t->signal == 9);
  CHECK_FALSE(t->exit_code.has_value());
  CHECK(t->outcome == TurnOutcome::stalled);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "turns: recent is newest first per agent, unfinished lists open turns") {
  auto a1 = new_turn(*db, "a");
  auto b1 = new_turn(*db, "b");
  auto a2 = new_turn(*db, "a");
  auto a3 = new_turn(*db, "a");
  auto recent = [&](const std::string& agent, int limit) {
    return ids_of(test::must_read(*db, [&](Tx& tx) { return tx.turns().recent(agent, limit); }));
  };
  CHECK(recent("a", 10) == Ids{a3, a2, a1});
  CHECK(recent("a", 2) == Ids{a3, a2});
  CHECK(recent("b", 10) == Ids{b1});
  CHECK(recent("c", 10).empty());

  auto unfinished = [&] {
    return ids_of(test::must_read(*db, [](Tx& tx) { return tx.turns().unfinished(); }));
  };
  CHECK(unfinished() == Ids{a1, b1, a2, a3});
  TurnRecord end;
  end.id = a2;
  end.ended_at = "2026-08-08T09:00:00.000Z";
  end.outcome = TurnOutcome::interrupted;
  test::must_write(*db, [&](Tx& tx) {
    tx.turns().finish(end);
    return Unit{};
  });
  CHECK(unfinished() == Ids{a1, b1, a3});
}

TEST_CASE_FIXTURE(StoreFixture,
                  "turns: cost totals sum started turns per agent, unpriced turns counted apart") {
  auto priced = [&](const std::string& agent, const std::string& started_at,
                    std::optional<double> cost, std::int64_t in, std::int64_t out) {
    auto id = test::must_write(
        *db, [&](Tx& tx) { return tx.turns().create(agent, started_at, std::nullopt, 0); });
    test::must_write(*db, [&](Tx& tx) {
      tx.turns().set_pid(id, 100 + id);
      TurnRecord end;
      end.id = id;
      end.ended_at = started_at;
      end.outcome = TurnOutcome::completed;
      end.cost_usd = cost;
      end.input_tokens = in;
      end.output_tokens = out;
      tx.turns().finish(end);
      return Unit{};
    });
  };
  priced("a", "2026-08-01T10:00:00.000Z", 0.25, 1000, 10);
  priced("a", "2026-08-02T10:00:00.000Z", 0.5, 2000, 20);
  priced("a", "2026-08-03T10:00:00.000Z", std::nullopt, 0, 0);
  priced("b", "2026-08-03T11:00:00.000Z", 0.125, 7, 8);
  new_turn(*db, "c");  // never started: no pid, not counted

  auto all = test::must_read(*db, [](Tx& tx) { return tx.turns().costs_by_agent(); });
  REQUIRE(all.size() == 2);
  CHECK(all["a"].turns == 3);
  CHECK(all["a"].priced == 2);
  CHECK(all["a"].cost_usd == doctest::Approx(0.75));
  CHECK(all["a"].input_tokens == 3000);
  CHECK(all["a"].output_tokens == 30);
  CHECK(all["b"].cost_usd == doctest::Approx(0.125));

  auto since = test::must_read(*db, [](Tx& tx) {
    return tx.turns().costs_by_agent(std::string("2026-08-02T00:00:00.000Z"));
  });
  CHECK(since["a"].turns == 2);
  CHECK(since["a"].cost_usd == doctest::Approx(0.5));

  auto b = test::must_read(*db, [](Tx& tx) { return tx.turns().costs_of("b"); });
  CHECK(b.turns == 1);
  CHECK(b.output_tokens == 8);
  auto c = test::must_read(*db, [](Tx& tx) { return tx.turns().costs_of("c"); });
  CHECK(c.turns == 0);
  CHECK(c.cost_usd == 0);
}

namespace {

// A started turn of `agent` with its figures, as a finished turn's row holds them.
void costs_turn(Store& db, const std::string& agent, const std::string& started_at,
                std::optional<double> cost, std::int64_t in, std::int64_t out) {
  auto id = test::must_write(
      db, [&](Tx& tx) { return tx.turns().create(agent, started_at, std::nullopt, 0); });
  test::must_write(db, [&](Tx& tx) {
    tx.turns().set_pid(id, 100 + id);
    TurnRecord end;
    end.id = id;
    end.ended_at = started_at;
    end.outcome = TurnOutcome::completed;
    end.cost_usd = cost;
    end.input_tokens = in;
    end.output_tokens = out;
    tx.turns().finish(end);
    return Unit{};
  });
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture,
                  "turns: cost totals by capability (from the session) and by local day") {
  auto builder = test::make_session("a");
  builder.capability = "builder";
  test::insert_session(*db, builder);
  auto scout = test::make_session("b");
  scout.capability = "scout";
  test::insert_session(*db, scout);
  costs_turn(*db, "a", "2026-08-01T23:30:00.000Z", 0.25, 1000, 10);
  costs_turn(*db, "a", "2026-08-02T10:00:00.000Z", std::nullopt, 5, 0);
  costs_turn(*db, "b", "2026-08-02T11:00:00.000Z", 0.125, 7, 8);
  costs_turn(*db, "gone", "2026-08-02T12:00:00.000Z", 1.0, 1, 1);  // its session row is gone
  new_turn(*db, "b");                                              // never started: not counted

  auto cap = test::must_read(*db, [](Tx& tx) { return tx.turns().costs_by_capability(); });
  REQUIRE(cap.size() == 3);
  CHECK(cap["builder"].turns == 2);
  CHECK(cap["builder"].priced == 1);
  CHECK(cap["builder"].input_tokens == 1005);
  CHECK(cap["scout"].cost_usd == doctest::Approx(0.125));
  CHECK(cap["?"].turns == 1);
  auto cap_since = test::must_read(*db, [](Tx& tx) {
    return tx.turns().costs_by_capability(std::string("2026-08-02T00:00:00.000Z"));
  });
  CHECK(cap_since["builder"].turns == 1);

  // The day is the local one: SQLite's 'localtime' follows TZ.
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  auto by_day_in = [&](const char* tz) {
    ::setenv("TZ", tz, 1);
    ::tzset();
    return test::must_read(*db, [](Tx& tx) { return tx.turns().costs_by_day(); });
  };
  auto utc = by_day_in("UTC0");
  CHECK(utc.size() == 2);
  CHECK(utc["2026-08-01"].turns == 1);
  CHECK(utc["2026-08-02"].turns == 3);
  auto east = by_day_in("JST-9");  // 23:30 UTC is the next morning there
  CHECK(east.size() == 1);
  CHECK(east["2026-08-02"].turns == 4);
  if (old_tz) ::setenv("TZ", saved.c_str(), 1);
  else ::unsetenv("TZ");
  ::tzset();
}

TEST_CASE_FIXTURE(StoreFixture,
                  "schema: cost sums read a covering index alone" * drover::test::sqlite_only()) {
  SQLite::Database raw(db_path.string(), SQLite::OPEN_READONLY);
  for (const char* sql :
       {"SELECT agent, count(*), count(cost_usd), sum(cost_usd), sum(input_tokens), "
        "sum(output_tokens) FROM turns WHERE pid IS NOT NULL GROUP BY agent",
        "SELECT date(started_at, 'localtime'), count(*), count(cost_usd), sum(cost_usd), "
        "sum(input_tokens), sum(output_tokens) FROM turns WHERE pid IS NOT NULL AND started_at "
        ">= '2026' GROUP BY 1"}) {
    CAPTURE(sql);
    SQLite::Statement plan(raw, std::string("EXPLAIN QUERY PLAN ") + sql);
    std::string detail;
    while (plan.executeStep()) detail += plan.getColumn(3).getString() + "\n";
    CAPTURE(detail);
    // turns_costs in agent order; with a start time, possibly the range of turns_started
    // (schema v8), which covers the same columns.
    CHECK((detail.find("COVERING INDEX turns_costs") != std::string::npos ||
           detail.find("COVERING INDEX turns_started") != std::string::npos));
  }
}

TEST_CASE_FIXTURE(StoreFixture, "turns: the project's cost since a time (budgets)") {
  costs_turn(*db, "a", "2026-08-01T23:30:00.000Z", 0.25, 1000, 10);
  costs_turn(*db, "a", "2026-08-02T10:00:00.000Z", std::nullopt, 5, 0);
  costs_turn(*db, "b", "2026-08-02T11:00:00.000Z", 0.125, 7, 8);
  new_turn(*db, "b");  // never started: not counted
  auto since = [&](const char* ts) {
    return test::must_read(*db, [&](Tx& tx) { return tx.turns().cost_since(ts); });
  };
  CHECK(since("2026-08-01T00:00:00.000Z") == doctest::Approx(0.375));
  CHECK(since("2026-08-02T00:00:00.000Z") == doctest::Approx(0.125));
  CHECK(since("2026-08-03T00:00:00.000Z") == 0.0);
}

TEST_CASE_FIXTURE(StoreFixture, "schema: the budget check's sums are indexed aggregates" *
                                    drover::test::sqlite_only()) {
  auto plan_of = [&](const std::string& sql) { return test::query_plan(db_path, sql); };
  // The agent's totals: a seek on turns_costs by agent.
  auto agent = plan_of(
      "SELECT count(*), count(cost_usd), coalesce(sum(cost_usd), 0), "
      "coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0) FROM turns "
      "WHERE agent = 'a' AND pid IS NOT NULL");
  CAPTURE(agent);
  CHECK(agent.find("COVERING INDEX turns_costs (agent=?)") != std::string::npos);
  // The project's cost today: a range of turns_started.
  auto today = plan_of(
      "SELECT coalesce(sum(cost_usd), 0) FROM turns WHERE started_at >= '2026' AND pid IS NOT "
      "NULL");
  CAPTURE(today);
  CHECK(today.find("COVERING INDEX turns_started (started_at>?)") != std::string::npos);
}

TEST_CASE_FIXTURE(StoreFixture, "sessions: budget limits and the pause --now request") {
  test::insert_session(*db, test::make_session("a"));
  auto s = test::get_session(*db, "a");
  REQUIRE(s);
  CHECK_FALSE(s->budget.any());
  CHECK_FALSE(s->pause_now);
  BudgetLimits l;
  l.max_cost_usd = 5.0;
  l.max_tokens = 1000;
  CHECK(test::must_write(*db, [&](Tx& tx) { return tx.sessions().set_budget("a", l); }));
  CHECK_FALSE(test::must_write(*db, [&](Tx& tx) { return tx.sessions().set_budget("zz", l); }));
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.sessions().request_pause_now("a"); }) == 1);
  s = test::get_session(*db, "a");
  CHECK(s->budget.max_cost_usd == 5.0);
  CHECK_FALSE(s->budget.max_turns);
  CHECK(s->budget.max_tokens == 1000);
  CHECK(s->pause_now);
  // Unpausing withdraws the request.
  test::must_write(*db, [](Tx& tx) { return tx.sessions().clear_pause(std::nullopt); });
  CHECK_FALSE(test::get_session(*db, "a")->pause_now);
}

TEST_CASE_FIXTURE(StoreFixture, "events: add and read back") {
  auto id = add_event(*db, "w", 3, "assistant_text", "info", R"({"text":"hi"})");
  auto none = add_event(*db, "w", std::nullopt, "resume_mismatch", "warn", "");
  auto evs =
      test::must_read(*db, [](Tx& tx) { return tx.events().for_agent("w", std::nullopt, 0, 0); });
  REQUIRE(evs.size() == 2);
  CHECK(evs[0].id == id);
  CHECK(evs[0].agent == "w");
  CHECK(evs[0].turn == 3);
  CHECK(evs[0].kind == "assistant_text");
  CHECK(evs[0].level == "info");
  CHECK(evs[0].data == R"({"text":"hi"})");
  CHECK(evs[0].created_at.size() == 24);
  CHECK(evs[1].id == none);
  CHECK_FALSE(evs[1].turn.has_value());
  CHECK(evs[1].level == "warn");
  CHECK(evs[1].data == "{}");  // empty data is stored as an empty object
  for (const char* level : {"debug", "error"}) CHECK(add_event(*db, "w", 3, "k", level) > none);
}

TEST_CASE_FIXTURE(StoreFixture, "events: a time given is recorded as given") {
  (void)test::must_write(*db, [](Tx& tx) {
    tx.events().add("w", 3, "assistant_text", "info", "{}", "2026-12-05T01:02:03.456Z");
    return Unit{};
  });
  auto evs =
      test::must_read(*db, [](Tx& tx) { return tx.events().for_agent("w", std::nullopt, 0, 0); });
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].created_at == "2026-12-05T01:02:03.456Z");
}

TEST_CASE_FIXTURE(StoreFixture, "events: an unknown level is refused by the database") {
  auto r = db->write<std::int64_t>([](Tx& tx) -> Result<std::int64_t> {
    return tx.events().add("w", std::nullopt, "k", "fatal", "{}");
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::failed);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.events().count("w", "k"); }) == 0);
}

TEST_CASE_FIXTURE(StoreFixture, "events: for_agent filters by agent, after_id, turn and limit") {
  auto e1 = add_event(*db, "w", 1, "tool_start");
  auto e2 = add_event(*db, "w", 1, "tool_end");
  add_event(*db, "other", 1, "tool_start");
  auto e4 = add_event(*db, "w", 2, "tool_start");
  auto e5 = add_event(*db, "w", std::nullopt, "stalled", "error");
  auto e6 = add_event(*db, "w", 2, "result");
  auto query = [&](std::optional<std::int64_t> t, std::int64_t after, int limit) {
    return ids_of(
        test::must_read(*db, [&](Tx& tx) { return tx.events().for_agent("w", t, after, limit); }));
  };
  CHECK(query(std::nullopt, 0, 0) == Ids{e1, e2, e4, e5, e6});  // oldest first
  CHECK(query(std::nullopt, e2, 0) == Ids{e4, e5, e6});         // strictly after
  CHECK(query(std::nullopt, e6, 0).empty());
  CHECK(query(1, 0, 0) == Ids{e1, e2});
  CHECK(query(2, 0, 0) == Ids{e4, e6});
  CHECK(query(2, e4, 0) == Ids{e6});
  CHECK(query(3, 0, 0).empty());
  CHECK(query(std::nullopt, 0, 2) == Ids{e1, e2});
  CHECK(query(std::nullopt, e1, 3) == Ids{e2, e4, e5});
  CHECK(test::must_read(*db, [](Tx& tx) {
          return tx.events().for_agent("nobody", std::nullopt, 0, 0);
        }).empty());
}

TEST_CASE_FIXTURE(StoreFixture, "events: count per agent and kind") {
  add_event(*db, "w", 1, "malformed_line", "warn");
  add_event(*db, "w", 2, "malformed_line", "warn");
  add_event(*db, "w", 2, "line_truncated", "warn");
  add_event(*db, "x", 2, "malformed_line", "warn");
  auto count = [&](const std::string& agent, const std::string& kind) {
    return test::must_read(*db, [&](Tx& tx) { return tx.events().count(agent, kind); });
  };
  CHECK(count("w", "malformed_line") == 2);
  CHECK(count("w", "line_truncated") == 1);
  CHECK(count("x", "malformed_line") == 1);
  CHECK(count("w", "stalled") == 0);
  CHECK(count("nobody", "malformed_line") == 0);
}
