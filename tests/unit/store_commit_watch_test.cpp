// store/commit_watch.h: a commit through any Store wakes a watch on the same database, on
// SQLite (the commit signal) and, with DROVER_TEST_PG, on PostgreSQL (LISTEN/NOTIFY).
#include <doctest/doctest.h>

#include <chrono>

#include "store/commit_watch.h"
#include "store_test_support.h"

using namespace drover;
using namespace std::chrono_literals;

namespace {

void send_one(store::Store& db) {
  test::must_write(db, [](store::Tx& tx) {
    return tx.mail().insert(test::letter_of("a", "b", "status", "s", "b"));
  });
}

}  // namespace

TEST_CASE("commit watch: another connection's commit wakes it, a read does not") {
  test::StoreFixture f;
  auto watch = store::watch_commits(*f.db);
  REQUIRE(watch->fd() >= 0);
  CHECK_FALSE(watch->wait(20ms));  // nothing committed yet
  auto writer = test::open_store(f.db_path, store::OpenMode::existing);
  send_one(*writer);
  CHECK(watch->wait(10s));
  test::must_read(*writer, [](store::Tx& tx) { return tx.mail().unread_count("b"); });
  CHECK_FALSE(watch->wait(20ms));
  // Several commits wake it, and once they are consumed it is quiet again (PostgreSQL
  // delivers each commit's notification on its own, so there may be one wake-up per commit).
  send_one(*writer);
  send_one(*writer);
  CHECK(watch->wait(10s));
  int wakes = 1;
  while (wakes < 10 && watch->wait(50ms)) ++wakes;
  CHECK(wakes <= 2);
}

TEST_CASE("commit watch on PostgreSQL: another schema's commits do not wake it" *
          doctest::skip(test::test_pg_uri() == nullptr)) {
  auto mine = test::open_store(test::fresh_pg_store());
  auto other = test::open_store(test::fresh_pg_store());
  auto watch = store::watch_commits(*mine);
  REQUIRE(watch->fd() >= 0);
  send_one(*other);
  CHECK_FALSE(watch->wait(100ms));
  send_one(*mine);
  CHECK(watch->wait(10s));
}
