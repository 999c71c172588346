// The fence on an agent's own commands (cli/turn_fence.h, docs/hosts.md): inside a turn
// (DROVER_AGENT and DROVER_TURN set, as the runner sets them) every write goes through the
// turn's lease, and a turn whose host lost the agent writes nothing. Also the store's write
// guard it is built on: a refusal rolls the whole transaction back.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "cli/turn_fence.h"
#include "core/clock.h"
#include "runner/turn_ends.h"
#include "store/hosts.h"
#include "store/mail.h"
#include "store/turns.h"
#include "store_test_support.h"

using namespace drover;
using drover::test::StoreFixture;

namespace {

// DROVER_AGENT and DROVER_TURN for one test, restored after it.
struct FenceEnv {
  FenceEnv(const std::string& agent, const std::string& turn) {
    ::setenv("DROVER_AGENT", agent.c_str(), 1);
    ::setenv("DROVER_TURN", turn.c_str(), 1);
  }
  ~FenceEnv() {
    ::unsetenv("DROVER_AGENT");
    ::unsetenv("DROVER_TURN");
  }
};

// One message from `from`, as `drover mail send` stores it; the write's result.
Status fence_send(store::Store& db, const std::string& from, const std::string& subject) {
  auto r = db.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    tx.mail().insert(test::letter_of(from, "boss", "status", subject, "body"));
    return Unit{};
  });
  if (!r) return r.error();
  return ok_status();
}

long long fence_count(store::Store& db, const std::string& subject) {
  return test::must_read(db, [&](store::Tx& tx) {
    long long n = 0;
    for (const auto& m : tx.mail().list(store::MailFilter{}))
      if (m.subject == subject) ++n;
    return n;
  });
}

// Host a's lease runs out and host b takes its agents (token + 1).
void fence_take_over(store::Store& db) {
  test::must_write(db, [](store::Tx& tx) {
    tx.hosts().enter("a", 1, now_timestamp(), 1);  // a 1 ms lease, renewed now
    return 0;
  });
  for (int i = 0; i < 100000; ++i)
    if (test::must_read(db, [](store::Tx& tx) { return tx.hosts().any_expired("b"); })) break;
  auto moved = test::must_write(
      db, [](store::Tx& tx) { return tx.hosts().take_over_expired("b", now_timestamp()); });
  REQUIRE(moved.size() == 1);
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture, "turn fence: a write the guard refuses is rolled back whole") {
  int guarded = 0;
  db->set_write_guard([&](store::Tx&) -> std::optional<Error> {
    ++guarded;
    return make_error(Errc::conflict, "refused by the guard");
  });
  auto r = db->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    tx.mail().insert(test::letter_of("w1", "boss", "status", "never", "body"));
    return Unit{};
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "refused by the guard");
  CHECK(r.error().code == Errc::conflict);
  CHECK(guarded == 1);
  // Reads do not go through the guard.
  CHECK(fence_count(*db, "never") == 0);
  CHECK(guarded == 1);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "turn fence: an agent's writes stop when its turn's host loses the lease") {
  auto turn = test::must_write(*db, [](store::Tx& tx) {
    tx.hosts().enter("a", 1, now_timestamp(), 30000);
    tx.hosts().enter("b", 2, now_timestamp(), 30000);
    auto token = tx.hosts().acquire("w1", "a");
    return tx.turns().create("w1", now_timestamp(), std::nullopt, 0, "a", token);
  });
  FenceEnv env("w1", std::to_string(turn));
  cli::fence_agent_turn(*db);
  // While host a holds w1, the agent's mail is written.
  REQUIRE(fence_send(*db, "w1", "in time").ok());
  CHECK(fence_count(*db, "in time") == 1);

  fence_take_over(*db);
  auto late = fence_send(*db, "w1", "late");
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().code == Errc::conflict);
  CHECK(late.error().message.rfind(std::string(runner::kLeaseLost), 0) == 0);
  CHECK(late.error().message.find("turn " + std::to_string(turn) + " of 'w1' ran on host a") !=
        std::string::npos);
  CHECK(late.error().message.find("host b holds the agent now (lease 2)") != std::string::npos);
  CHECK(fence_count(*db, "late") == 0);
}

TEST_CASE_FIXTURE(StoreFixture, "turn fence: only a turn of the named agent is fenced") {
  auto turn = test::must_write(*db, [](store::Tx& tx) {
    tx.hosts().enter("a", 1, now_timestamp(), 30000);
    tx.hosts().enter("b", 2, now_timestamp(), 30000);
    auto token = tx.hosts().acquire("w1", "a");
    return tx.turns().create("w1", now_timestamp(), std::nullopt, 0, "a", token);
  });
  fence_take_over(*db);
  SUBCASE("another agent's turn number") {
    FenceEnv env("w2", std::to_string(turn));
    cli::fence_agent_turn(*db);
    CHECK(fence_send(*db, "w2", "other").ok());
  }
  SUBCASE("a turn the store does not know") {
    FenceEnv env("w1", std::to_string(turn + 100));
    cli::fence_agent_turn(*db);
    CHECK(fence_send(*db, "w1", "unknown").ok());
  }
  SUBCASE("not a turn number") {
    FenceEnv env("w1", std::to_string(turn) + "x");
    cli::fence_agent_turn(*db);
    CHECK(fence_send(*db, "w1", "garbled").ok());
  }
  SUBCASE("the lost turn itself, for contrast") {
    FenceEnv env("w1", std::to_string(turn));
    cli::fence_agent_turn(*db);
    CHECK_FALSE(fence_send(*db, "w1", "lost").ok());
  }
}
