// The ends of turns and agents (runner/turn_ends.h) over a real database: each writes the
// turn rows, the state and the mail in one transaction, with at most one worker_died.
#include <doctest/doctest.h>

#include "core/clock.h"
#include "runner/turn_ends.h"
#include "store/hosts.h"
#include "store_test_support.h"

using namespace drover;
using namespace drover::runner;
using namespace drover::test;

namespace {

struct EndsFixture : StoreFixture {
  std::int64_t turn = 0;
  explicit EndsFixture(bool with_parent = true) {
    auto lead = make_session("lead");
    insert_session(*db, lead);
    auto s = make_session("worker", SessionState::in_turn);
    if (with_parent) s.parent = "lead";
    s.last_activity = now_timestamp();
    insert_session(*db, s);
    turn = must_write(*db, [](store::Tx& tx) {
      tx.mail().insert(letter_of("lead", "worker", "dispatch", "dispatch", "go"));
      auto id = tx.turns().create("worker", now_timestamp(), std::nullopt, 0);
      tx.mail().claim_pending("worker", id);
      return id;
    });
  }
  int worker_died() {
    return must_read(*db, [](store::Tx& tx) {
      int n = 0;
      for (const auto& m : tx.mail().unread_for("lead")) n += m.type == "worker_died";
      return n;
    });
  }
  std::size_t pending() {
    return must_read(*db, [](store::Tx& tx) { return tx.mail().pending_for("worker").size(); });
  }
  std::optional<TurnOutcome> outcome() {
    return must_read(*db, [&](store::Tx& tx) { return tx.turns().get(turn)->outcome; });
  }
};

constexpr RecoveryCause kCause{"restart", "the runner died", "resumed", "continue"};

// The default capability's terminal mail, whatever the capability.
std::vector<std::string> default_terminal_mail(const std::string&) {
  return {"worker_done", "result"};
}

// The worker reports to its parent during its (unfinished) turn.
void worker_reports(store::Store& db) {
  must_write(db, [](store::Tx& tx) {
    tx.mail().insert(letter_of("worker", "lead", "worker_done", "done", "finished"));
    return Unit{};
  });
}

int worker_died_to_operator(store::Store& db) {
  return must_read(db, [](store::Tx& tx) {
    int n = 0;
    for (const auto& m : tx.mail().unread_for("operator")) n += m.type == "worker_died";
    return n;
  });
}

void make_worker_idle(store::Store& db) {
  must_write(db, [](store::Tx& tx) {
    store::StateUpdate u;
    return tx.sessions().transition("worker", SessionEvent::turn_interrupted, u).ok();
  });
}

}  // namespace

TEST_CASE("turn ends: abandon releases the mail and records the outcome, touching nothing else") {
  EndsFixture f;
  REQUIRE(abandon_turn(*f.db, f.turn, TurnOutcome::aborted, "could not record the start").ok());
  CHECK(f.outcome() == TurnOutcome::aborted);
  CHECK(f.pending() == 1);
  CHECK(get_session(*f.db, "worker")->state == SessionState::in_turn);
  CHECK(f.worker_died() == 0);
}

TEST_CASE(
    "turn ends: an operator stop without a runner stops, releases and tells the parent once") {
  EndsFixture f;
  REQUIRE(settle_operator_stop(*f.db, "worker", std::nullopt, default_terminal_mail).ok());
  CHECK(f.outcome() == TurnOutcome::stopped);
  CHECK(f.pending() == 1);
  CHECK(get_session(*f.db, "worker")->state == SessionState::stopped);
  CHECK(f.worker_died() == 1);
  CHECK_FALSE(settle_operator_stop(*f.db, "worker", std::nullopt, default_terminal_mail)
                  .ok());  // already stopped
  CHECK(f.worker_died() == 1);
}

TEST_CASE("turn ends: a failed start marks the agent failed and tells the parent once") {
  EndsFixture f;
  must_write(*f.db, [](store::Tx& tx) {
    store::StateUpdate u;
    return tx.sessions().transition("worker", SessionEvent::turn_interrupted, u).ok();
  });
  REQUIRE(fail_agent_start(*f.db, "worker", "cannot run 'x'", std::nullopt, default_terminal_mail)
              .ok());
  CHECK(get_session(*f.db, "worker")->state == SessionState::failed);
  CHECK(*get_session(*f.db, "worker")->state_reason == "could not start: cannot run 'x'");
  CHECK(f.worker_died() == 1);
  REQUIRE(fail_agent_start(*f.db, "worker", "again", std::nullopt, default_terminal_mail)
              .ok());  // the transition refuses
  CHECK(f.worker_died() == 1);
}

TEST_CASE(
    "turn ends: recovery interrupts the turn and resumes a recent agent with a note, no "
    "worker_died") {
  EndsFixture f;
  auto r =
      settle_recovered(*f.db, "worker", kCause, true, std::chrono::hours(1), default_terminal_mail);
  REQUIRE(r.ok());
  CHECK(r.value().turns_interrupted == 1);
  CHECK(r.value().resumed);
  CHECK_FALSE(r.value().stale);
  CHECK(f.outcome() == TurnOutcome::interrupted);
  CHECK(get_session(*f.db, "worker")->state == SessionState::between_turns);
  CHECK(f.pending() == 2);  // the released dispatch and the supervisor's note
  CHECK(f.worker_died() == 0);
}

TEST_CASE(
    "turn ends: recovery of an agent idle too long makes it stale and tells the parent once") {
  EndsFixture f;
  must_write(*f.db, [](store::Tx& tx) {
    tx.sessions().set_activity("worker", "2020-01-01T00:00:00.000Z");
    return Unit{};
  });
  auto r =
      settle_recovered(*f.db, "worker", kCause, true, std::chrono::hours(1), default_terminal_mail);
  REQUIRE(r.ok());
  CHECK(r.value().stale);
  CHECK_FALSE(r.value().resumed);
  CHECK(get_session(*f.db, "worker")->state == SessionState::stale);
  CHECK(f.worker_died() == 1);
  REQUIRE(
      settle_recovered(*f.db, "worker", kCause, true, std::chrono::hours(1), default_terminal_mail)
          .ok());
  CHECK(f.worker_died() == 1);
}

TEST_CASE("turn ends: no worker_died once the worker sent its terminal mail") {
  // SPEC §5.5, on each end that does not go through the settle decision.
  {
    EndsFixture f;
    worker_reports(*f.db);
    REQUIRE(settle_operator_stop(*f.db, "worker", std::nullopt, default_terminal_mail).ok());
    CHECK(get_session(*f.db, "worker")->state == SessionState::stopped);
    CHECK(f.worker_died() == 0);
  }
  {
    EndsFixture f;
    worker_reports(*f.db);
    must_write(*f.db, [](store::Tx& tx) {
      tx.sessions().set_activity("worker", "2020-01-01T00:00:00.000Z");
      return Unit{};
    });
    auto r = settle_recovered(*f.db, "worker", kCause, true, std::chrono::hours(1),
                              default_terminal_mail);
    REQUIRE(r.ok());
    CHECK(r.value().stale);
    CHECK(f.worker_died() == 0);
  }
  {
    EndsFixture f;  // it reported in a turn that then failed; now it cannot even start
    worker_reports(*f.db);
    REQUIRE(abandon_turn(*f.db, f.turn, TurnOutcome::failed, "error result").ok());
    make_worker_idle(*f.db);
    REQUIRE(fail_agent_start(*f.db, "worker", "cannot run 'x'", std::nullopt, default_terminal_mail)
                .ok());
    CHECK(get_session(*f.db, "worker")->state == SessionState::failed);
    CHECK(f.worker_died() == 0);
  }
  {
    EndsFixture f;  // a mail type outside the capability's terminal list does not count
    worker_reports(*f.db);
    auto only_merged = [](const std::string&) { return std::vector<std::string>{"merged"}; };
    REQUIRE(settle_operator_stop(*f.db, "worker", std::nullopt, only_merged).ok());
    CHECK(f.worker_died() == 1);
  }
}

TEST_CASE("turn ends: an agent without a parent that dies is reported to the operator") {
  // SPEC §5.5 amended: every death reaches somebody.
  {
    EndsFixture f(false);
    REQUIRE(settle_operator_stop(*f.db, "worker", std::nullopt, default_terminal_mail).ok());
    CHECK(worker_died_to_operator(*f.db) == 1);
  }
  {
    EndsFixture f(false);
    make_worker_idle(*f.db);
    REQUIRE(fail_agent_start(*f.db, "worker", "cannot run 'x'", std::nullopt, default_terminal_mail)
                .ok());
    CHECK(worker_died_to_operator(*f.db) == 1);
  }
  {
    EndsFixture f(false);
    must_write(*f.db, [](store::Tx& tx) {
      tx.sessions().set_activity("worker", "2020-01-01T00:00:00.000Z");
      return Unit{};
    });
    REQUIRE(settle_recovered(*f.db, "worker", kCause, true, std::chrono::hours(1),
                             default_terminal_mail)
                .ok());
    CHECK(worker_died_to_operator(*f.db) == 1);
  }
}

namespace {

// The worker's turn ends interrupted by recovery, and it starts the next one.
Result<Recovered> recover_worker(EndsFixture& f) {
  auto r = settle_recovered(*f.db, "worker", kCause, true, std::chrono::hours(1),
                            default_terminal_mail, SettlePolicy{3, Millis(5000)});
  must_write(*f.db, [&](store::Tx& tx) {
    store::StateUpdate u;
    if (tx.sessions().get("worker")->state != SessionState::between_turns) return Unit{};
    (void)tx.sessions().transition("worker", SessionEvent::turn_started, u);
    f.turn = tx.turns().create("worker", now_timestamp(), std::nullopt, 0);
    return Unit{};
  });
  return r;
}

}  // namespace

TEST_CASE(
    "turn ends: interruptions in a row count as failed turns with backoff, then make a zombie") {
  EndsFixture f;
  auto first = recover_worker(f);
  REQUIRE(first.ok());
  CHECK(first.value().resumed);
  CHECK_FALSE(first.value().counted);
  CHECK(get_session(*f.db, "worker")->failed_turns == 0);

  auto second = recover_worker(f);
  REQUIRE(second.ok());
  CHECK(second.value().resumed);
  REQUIRE(second.value().counted);
  auto s = get_session(*f.db, "worker");
  CHECK(s->state == SessionState::in_turn);  // recover_worker started the next turn
  CHECK(s->failed_turns == 1);
  CHECK(s->retry_after);
  CHECK(s->state_reason->find("interrupted 2 times in a row") != std::string::npos);

  REQUIRE(recover_worker(f).ok());
  CHECK(get_session(*f.db, "worker")->failed_turns == 2);
  auto last = recover_worker(f);
  REQUIRE(last.ok());
  CHECK(last.value().zombie);
  CHECK_FALSE(last.value().resumed);
  CHECK(get_session(*f.db, "worker")->state == SessionState::zombie);
  CHECK(f.worker_died() == 1);
}

// Several hosts (docs/hosts.md): a turn whose host lost the agent's lease writes nothing.
TEST_CASE("turn ends: the fence refuses a settle by a host that lost the lease") {
  EndsFixture f;
  auto fenced_turn = must_write(*f.db, [](store::Tx& tx) {
    tx.hosts().enter("a", 1, now_timestamp(), 30000);
    tx.hosts().enter("b", 2, now_timestamp(), 30000);
    auto token = tx.hosts().acquire("worker", "a");
    // The fixture's turn predates leases; this one ran on host a under token 1.
    tx.mail().insert(letter_of("lead", "worker", "dispatch", "more", "more"));
    auto id = tx.turns().create("worker", now_timestamp(), std::nullopt, 0, "a", token);
    tx.mail().claim_pending("worker", id);
    return id;
  });
  RunEnd end;
  end.agent = "worker";
  end.turn_id = fenced_turn;
  end.terminal_mail = {"worker_done"};
  end.how.exit_code = 1;
  // Host a still holds it: its turn is not fenced. Then host a stops renewing (a 1 ms
  // lease) and host b takes the agent over: token 2.
  CHECK_FALSE(must_read(*f.db, [&](store::Tx& tx) {
                return tx.hosts().fenced("worker", std::string("a"), 1);
              }).has_value());
  must_write(*f.db, [](store::Tx& tx) {
    tx.hosts().enter("a", 1, "2026-01-01T00:00:00.000Z", 1);
    return 0;
  });
  for (int i = 0;
       i < 100000 &&
       must_read(*f.db, [](store::Tx& tx) { return tx.hosts().any_expired("b"); }) == false;
       ++i) {
  }
  auto moved = must_write(
      *f.db, [](store::Tx& tx) { return tx.hosts().take_over_expired("b", now_timestamp()); });
  REQUIRE(moved.size() == 1);

  auto settled = settle_run(*f.db, SettlePolicy{}, end);
  REQUIRE_FALSE(settled.ok());
  CHECK(settled.error().message.rfind(std::string(kLeaseLost), 0) == 0);
  CHECK(settled.error().message.find("host b holds the agent now (lease 2)") != std::string::npos);
  auto abandoned = abandon_turn(*f.db, fenced_turn, TurnOutcome::aborted, "x");
  REQUIRE_FALSE(abandoned.ok());
  // Nothing of the turn was written: it is still open, its mail still claimed, the agent
  // still in_turn, and no worker_died went out.
  auto row = must_read(*f.db, [&](store::Tx& tx) { return *tx.turns().get(fenced_turn); });
  CHECK_FALSE(row.ended_at.has_value());
  CHECK(row.host == std::optional<std::string>("a"));
  CHECK(row.token == std::optional<std::int64_t>(1));
  CHECK(must_read(*f.db, [](store::Tx& tx) { return tx.sessions().get("worker")->state; }) ==
        SessionState::in_turn);
  CHECK(f.worker_died() == 0);
  // Host a may not recover it either; host b, which holds it, does.
  auto by_a = settle_recovered(*f.db, "worker", kCause, false, std::chrono::hours(1),
                               default_terminal_mail, SettlePolicy{}, "a");
  CHECK_FALSE(by_a.ok());
  auto by_b = settle_recovered(*f.db, "worker", kCause, false, std::chrono::hours(1),
                               default_terminal_mail, SettlePolicy{}, "b");
  REQUIRE(by_b.ok());
  CHECK(by_b->turns_interrupted >= 1);
  CHECK(by_b->resumed);
}

// RunEnd::first (the turn's pending events) is written in the settle's transaction, before
// the settle: both land, or neither does.
TEST_CASE("settle_run: what `first` writes lands with the settle, or not at all") {
  EndsFixture f;
  auto probes = [&] {
    return must_read(
        *f.db, [](store::Tx& tx) { return tx.events().for_agent("worker", std::nullopt, 0, 0); });
  };
  RunEnd end;
  end.agent = "worker";
  end.turn_id = f.turn;
  end.terminal_mail = {"worker_done"};
  end.how.exit_code = 1;
  std::int64_t probe_id = 0;
  end.first = [&](store::Tx& tx) {
    probe_id = tx.events().add("worker", f.turn, "assistant_text", "info", "{}");
  };
  SUBCASE("settled: the event is there, older than the settle") {
    auto settled = settle_run(*f.db, SettlePolicy{}, end);
    REQUIRE(settled.ok());
    auto evs = probes();
    REQUIRE_FALSE(evs.empty());
    CHECK(evs.front().kind == "assistant_text");
    CHECK(evs.front().id == probe_id);
    CHECK(f.outcome().has_value());
  }
  SUBCASE("refused (the agent is gone): the event is not written either") {
    end.agent = "nobody";
    auto settled = settle_run(*f.db, SettlePolicy{}, end);
    REQUIRE_FALSE(settled.ok());
    CHECK(probes().empty());
  }
}
