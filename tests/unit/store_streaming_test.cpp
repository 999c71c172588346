// The store's streaming reads (issue 18): Mail::for_each, Sessions::for_each,
// Events::for_each_of_agent and Turns::for_each_cost_group hand over the same rows as the
// lists they stand beside, one at a time, in the same order.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::StoreFixture;

namespace {

struct SeenMail {
  std::int64_t id;
  std::string from, to, subject, body, type, priority, created_at;
  std::optional<std::int64_t> thread_id, reply_to;
  std::optional<std::string> payload, read_at;
  bool operator==(const SeenMail&) const = default;
};

SeenMail seen(const MailView& v) {
  auto opt = [](const std::optional<std::string_view>& s) -> std::optional<std::string> {
    if (!s) return std::nullopt;
    return std::string(*s);
  };
  return {v.id,
          std::string(v.from),
          std::string(v.to),
          std::string(v.subject),
          std::string(v.body),
          std::string(v.type),
          std::string(v.priority),
          std::string(v.created_at),
          v.thread_id,
          v.reply_to,
          opt(v.payload),
          opt(v.read_at)};
}

// A body with a NUL byte inside; PostgreSQL's text cannot hold one (store_pg_test.cpp).
std::string nul_body() {
  return test::test_pg_uri() != nullptr ? std::string("nul\xff byte") : std::string("nul\0byte", 8);
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture,
                  "Mail::for_each: the rows of list(), newest first, filter and all") {
  test::must_write(*db, [](Tx& tx) {
    MailMessage a = test::letter_of("alice", "bob", "status", "one", nul_body());
    a.payload = R"({"k":1})";
    tx.mail().insert(a);
    MailMessage b = test::letter_of("bob", "alice", "question", "two", "plain");
    b.thread_id = 1;
    b.reply_to = 1;
    tx.mail().insert(b);
    tx.mail().insert(test::letter_of("alice", "bob", "status", "three", "again"));
    tx.mail().mark_read(3, "2026-12-01T00:00:00.000Z");
    return Unit{};
  });
  for (auto filter : {MailFilter{}, [] {
                        MailFilter f;
                        f.to = "bob";
                        f.limit = 0;
                        return f;
                      }()}) {
    auto listed = test::must_read(*db, [&](Tx& tx) { return tx.mail().list(filter); });
    std::vector<SeenMail> streamed;
    auto n = test::must_read(*db, [&](Tx& tx) {
      return tx.mail().for_each(filter, [&](const MailView& v) { streamed.push_back(seen(v)); });
    });
    REQUIRE(static_cast<std::size_t>(n) == listed.size());
    REQUIRE(streamed.size() == listed.size());
    for (std::size_t i = 0; i < listed.size(); ++i) CHECK(streamed[i] == seen(view_of(listed[i])));
  }
  std::vector<SeenMail> all;
  test::must_read(*db, [&](Tx& tx) {
    return tx.mail().for_each({}, [&](const MailView& v) { all.push_back(seen(v)); });
  });
  REQUIRE(all.size() == 3);
  CHECK(all[0].read_at == "2026-12-01T00:00:00.000Z");
  CHECK(all[2].body == nul_body());  // bytes past a NUL are kept
  CHECK(all[2].payload == R"({"k":1})");
}

TEST_CASE_FIXTURE(StoreFixture,
                  "Sessions::for_each: the rows of list(), a reused record leaving no trace") {
  Session full = test::make_session("a-full", SessionState::failed);
  full.model = "opus";
  full.parent = "operator";
  full.state_reason = "exit 1";
  full.worktree = "/tmp/wt";
  full.paused_at = "2026-01-01T00:00:01.000Z";
  full.budget.max_cost_usd = 2.5;
  full.current_turn = 3;
  Session bare = test::make_session("b-bare", SessionState::in_turn);
  bare.created_at = "2026-01-02T00:00:00.000Z";
  Session other = test::make_session("c-other", SessionState::in_turn);
  other.created_at = "2026-01-03T00:00:00.000Z";
  test::must_write(*db, [&](Tx& tx) {
    for (const auto& s : {full, bare, other}) REQUIRE(tx.sessions().insert(s).ok());
    return Unit{};
  });
  auto listed = test::must_read(*db, [](Tx& tx) { return tx.sessions().list(); });
  std::vector<Session> streamed;
  test::must_read(*db, [&](Tx& tx) {
    return tx.sessions().for_each([&](const Session& s) { streamed.push_back(s); });
  });
  REQUIRE(streamed.size() == 3);
  REQUIRE(listed.size() == 3);
  CHECK(streamed[0].name == "a-full");
  CHECK(streamed[0].model == "opus");
  CHECK(streamed[0].state_reason == "exit 1");
  CHECK(streamed[0].budget.max_cost_usd == 2.5);
  CHECK(streamed[0].current_turn == 3);
  // The next row reuses the record: what the first held must not leak into it.
  CHECK(streamed[1].name == "b-bare");
  CHECK_FALSE(streamed[1].model.has_value());
  CHECK_FALSE(streamed[1].parent.has_value());
  CHECK_FALSE(streamed[1].state_reason.has_value());
  CHECK_FALSE(streamed[1].worktree.has_value());
  CHECK_FALSE(streamed[1].paused_at.has_value());
  CHECK_FALSE(streamed[1].budget.max_cost_usd.has_value());
  CHECK_FALSE(streamed[1].current_turn.has_value());
  CHECK(streamed[1].state == SessionState::in_turn);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(streamed[i].name == listed[i].name);
    CHECK(streamed[i].task == listed[i].task);
    CHECK(streamed[i].model == listed[i].model);
  }
  CHECK(test::must_read(*db,
                        [](Tx& tx) { return tx.sessions().count_in(SessionState::in_turn); }) == 2);
}

TEST_CASE_FIXTURE(StoreFixture, "Events::for_each_of_agent: the agent's events, oldest first") {
  test::must_write(*db, [](Tx& tx) {
    tx.events().add("a", 1, "turn_start", "info", R"({"n":1})");
    tx.events().add("b", 2, "turn_start", "info", "{}");
    tx.events().add("a", std::nullopt, "note", "warn", R"({"long":"text text text text"})");
    tx.events().add("a", 1, "turn_end", "info", "{}");
    return Unit{};
  });
  std::vector<EventRecord> all, turn1;
  test::must_read(*db, [&](Tx& tx) {
    tx.events().for_each_of_agent("a", std::nullopt,
                                  [&](const EventRecord& e) { all.push_back(e); });
    return tx.events().for_each_of_agent("a", 1, [&](const EventRecord& e) { turn1.push_back(e); });
  });
  REQUIRE(all.size() == 3);
  CHECK(all[0].kind == "turn_start");
  CHECK(all[1].kind == "note");
  CHECK_FALSE(all[1].turn.has_value());
  CHECK(all[1].level == "warn");
  CHECK(all[2].data == "{}");
  REQUIRE(turn1.size() == 2);
  CHECK(turn1[1].kind == "turn_end");
}

TEST_CASE_FIXTURE(StoreFixture, "Turns::for_each_cost_group: one call per group, in key order") {
  test::must_write(*db, [](Tx& tx) {
    for (const char* agent : {"zed", "amy", "zed", "bob"}) {
      auto id = tx.turns().create(agent, "2026-08-08T08:08:08.000Z", std::nullopt, 0);
      tx.turns().set_pid(id, 100 + id);
    }
    return Unit{};
  });
  std::vector<std::pair<std::string, std::int64_t>> groups;
  auto n = test::must_read(*db, [&](Tx& tx) {
    return tx.turns().for_each_cost_group(
        "agent", std::nullopt,
        [&](std::string_view key, const CostTotals& t) { groups.emplace_back(key, t.turns); });
  });
  CHECK(n == 3);
  CHECK(groups ==
        std::vector<std::pair<std::string, std::int64_t>>{{"amy", 1}, {"bob", 1}, {"zed", 2}});
}

TEST_CASE_FIXTURE(StoreFixture,
                  "Mail::for_each: past a PostgreSQL cursor's batch, in order, with queries "
                  "between rows") {
  constexpr int kRows = 2 * kPgFetchRows + 7;  // three batches on PostgreSQL, the last short
  test::must_write(*db, [&](Tx& tx) {
    for (int i = 0; i < kRows; ++i)
      tx.mail().insert(test::letter_of("a", "b", "status", "s" + std::to_string(i), "b"));
    return Unit{};
  });
  MailFilter all;
  all.limit = 0;
  std::vector<std::int64_t> ids;
  int unread = 0;
  test::must_read(*db, [&](Tx& tx) {
    return tx.mail().for_each(all, [&](const MailView& v) {
      ids.push_back(v.id);
      // Another statement on the same connection while the listing is open.
      if (v.id % kPgFetchRows == 0) unread = tx.mail().unread_count("b");
    });
  });
  REQUIRE(ids.size() == static_cast<std::size_t>(kRows));
  CHECK(ids.front() == kRows);  // newest first
  CHECK(ids.back() == 1);
  bool consecutive = true;
  for (std::size_t i = 1; i < ids.size(); ++i)
    consecutive = consecutive && ids[i] == ids[i - 1] - 1;
  CHECK(consecutive);
  CHECK(unread == kRows);
  // Run again in one transaction: the statement (and its cursor) is reusable.
  auto twice = test::must_read(*db, [&](Tx& tx) {
    auto n = tx.mail().for_each(all, [](const MailView&) {});
    return n + tx.mail().for_each(all, [](const MailView&) {});
  });
  CHECK(twice == 2 * kRows);
}
