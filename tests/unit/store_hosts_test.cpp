// The hosts repository (store/hosts.h, docs/hosts.md): leases, renewal, takeover with a
// raised token, and the fence a settle goes through. Runs on SQLite and, in ctest's
// unit-pg entry, on PostgreSQL.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "store/hosts.h"
#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::StoreFixture;

namespace {

// Makes `host`'s lease run out: its last renewal is put far enough in the past.
void expire(Store& db, const std::string& host) {
  test::must_write(db, [&](Tx& tx) {
    auto rows = tx.hosts().list();
    for (const auto& h : rows)
      if (h.name == host) {
        tx.hosts().enter(host, h.pid, h.started_at, 1);  // a 1 ms lease, renewed now
      }
    return 0;
  });
  // The database's clock moves on by more than 1 ms: wait for it, with a deadline.
  auto start = test::must_read(db, [](Tx& tx) { return tx.hosts().now_ms(); });
  for (int i = 0; i < 100000; ++i)
    if (test::must_read(db, [](Tx& tx) { return tx.hosts().now_ms(); }) > start + 2) return;
  FAIL("the database's clock did not move");
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture, "hosts: an agent is leased to the first host that claims it") {
  test::must_write(*db, [](Tx& tx) {
    tx.hosts().enter("a", 1, "2026-12-05T00:00:00.000Z", 30000);
    tx.hosts().enter("b", 2, "2026-12-05T00:00:00.000Z", 30000);
    return 0;
  });
  auto first = test::must_write(*db, [](Tx& tx) { return tx.hosts().acquire("alice", "a"); });
  CHECK(first == std::optional<std::int64_t>(1));
  Lease holder;
  auto other =
      test::must_write(*db, [&](Tx& tx) { return tx.hosts().acquire("alice", "b", &holder); });
  CHECK_FALSE(other.has_value());
  CHECK(holder.host == "a");
  CHECK(holder.token == 1);
  // The holder claims again under the same token.
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.hosts().acquire("alice", "a"); }) ==
        std::optional<std::int64_t>(1));
  auto hosts = test::must_read(*db, [](Tx& tx) { return tx.hosts().list(); });
  REQUIRE(hosts.size() == 2);
  CHECK(hosts[0].name == "a");
  CHECK(hosts[0].agents == 1);
  CHECK(hosts[0].live());
  CHECK(hosts[1].agents == 0);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.hosts().held_elsewhere("b"); }) ==
        std::vector<std::string>{"alice"});
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.hosts().held_elsewhere("a"); }).empty());
}

TEST_CASE_FIXTURE(StoreFixture,
                  "hosts: a live host is not taken over, one that stopped renewing is") {
  test::must_write(*db, [](Tx& tx) {
    tx.hosts().enter("a", 1, "2026-12-05T00:00:00.000Z", 30000);
    tx.hosts().enter("b", 2, "2026-12-05T00:00:00.000Z", 30000);
    tx.hosts().acquire("alice", "a");
    tx.hosts().acquire("bob", "a");
    tx.hosts().acquire("carol", "b");
    return 0;
  });
  CHECK_FALSE(test::must_read(*db, [](Tx& tx) { return tx.hosts().any_expired("b"); }));
  CHECK(test::must_write(*db, [](Tx& tx) {
          return tx.hosts().take_over_expired("b", "2026-12-05T00:01:00.000Z");
        }).empty());

  expire(*db, "a");
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.hosts().any_expired("b"); }));
  CHECK_FALSE(test::must_read(*db, [](Tx& tx) { return tx.hosts().any_expired("a"); }));
  auto taken = test::must_write(
      *db, [](Tx& tx) { return tx.hosts().take_over_expired("b", "2026-12-05T00:01:00.000Z"); });
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].host == "a");
  CHECK(taken[0].agents == std::vector<std::string>{"alice", "bob"});
  // The leases moved with raised tokens; carol's stayed.
  auto alice = test::must_read(*db, [](Tx& tx) { return tx.hosts().lease_of("alice"); });
  REQUIRE(alice);
  CHECK(alice->host == "b");
  CHECK(alice->token == 2);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.hosts().lease_of("carol"); })->token == 1);
  // A second look takes nothing more: the host is marked lost.
  CHECK(test::must_write(*db, [](Tx& tx) {
          return tx.hosts().take_over_expired("b", "2026-12-05T00:02:00.000Z");
        }).empty());
  auto hosts = test::must_read(*db, [](Tx& tx) { return tx.hosts().list(); });
  REQUIRE(hosts.size() == 2);
  CHECK(hosts[0].lost_at == std::optional<std::string>("2026-12-05T00:01:00.000Z"));
  CHECK(hosts[0].lost_by == std::optional<std::string>("b"));
  CHECK_FALSE(hosts[0].live());
  // The lost host cannot renew; entering again starts it over (its old agents stay b's).
  CHECK_FALSE(test::must_write(*db, [](Tx& tx) { return tx.hosts().renew("a", 30000); }));
  test::must_write(*db, [](Tx& tx) {
    tx.hosts().enter("a", 3, "2026-12-05T00:03:00.000Z", 30000);
    return 0;
  });
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.hosts().renew("a", 30000); }));
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.hosts().lease_of("alice"); })->host == "b");
}

TEST_CASE_FIXTURE(StoreFixture, "hosts: the fence lets only the current lease write") {
  test::must_write(*db, [](Tx& tx) {
    tx.hosts().enter("a", 1, "2026-12-05T00:00:00.000Z", 30000);
    tx.hosts().enter("b", 2, "2026-12-05T00:00:00.000Z", 30000);
    tx.hosts().acquire("alice", "a");
    return 0;
  });
  auto fenced = [&](std::optional<std::string> host, std::optional<std::int64_t> token) {
    return test::must_read(*db, [&](Tx& tx) { return tx.hosts().fenced("alice", host, token); });
  };
  CHECK_FALSE(fenced("a", 1));
  CHECK_FALSE(fenced(std::nullopt, std::nullopt));  // a turn from before leases
  CHECK(fenced("b", 1));
  expire(*db, "a");
  test::must_write(
      *db, [](Tx& tx) { return tx.hosts().take_over_expired("b", "2026-12-05T00:01:00.000Z"); });
  auto held = fenced("a", 1);  // the old host's turn: refused, naming the holder
  REQUIRE(held);
  CHECK(held->host == "b");
  CHECK(held->token == 2);
  CHECK_FALSE(fenced("b", 2));
}

// Issue 19's bound: the store's work per renewal does not grow with the agents a host
// holds. A renewal moves the host's own row only; its 1,000 leases are not written.
TEST_CASE_FIXTURE(StoreFixture, "hosts: a renewal writes the host's row, not its agents' leases") {
  auto leases = [&] {
    return test::must_read(*db, [](Tx& tx) { return tx.hosts().hosts_by_agent(); });
  };
  test::must_write(*db, [](Tx& tx) {
    tx.hosts().enter("a", 1, "2026-12-05T00:00:00.000Z", 30000);
    for (int i = 0; i < 1000; ++i) tx.hosts().acquire("agent" + std::to_string(i), "a");
    return 0;
  });
  auto before = leases();
  REQUIRE(before.size() == 1000);
  auto tokens = [&] {  // the sum of the leases' tokens, read in one snapshot
    return test::must_read(*db, [&](Tx& tx) {
      std::int64_t sum = 0;
      for (const auto& [agent, host] : before) sum += tx.hosts().lease_of(agent)->token;
      return sum;
    });
  };
  const auto token_sum = tokens();
  expire(*db, "a");  // its row now says a 1 ms lease
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.hosts().renew("a", 30000); }));
  auto hosts = test::must_read(*db, [](Tx& tx) { return tx.hosts().list(); });
  REQUIRE(hosts.size() == 1);
  CHECK(hosts[0].lease_ms == 30000);  // the one row renewal writes
  CHECK(hosts[0].live());
  CHECK(hosts[0].agents == 1000);
  CHECK(leases() == before);
  CHECK(tokens() == token_sum);
}
