// The prepared-statement cache (store/statement.h): reuse, nesting of the same SQL, reset.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include "store/sqlite_db.h"
#include "store/statement.h"
#include "temp_dir.h"

using drover::store::Stmt;

TEST_CASE(
    "statement cache: the same SQL nested in itself gets its own statement, and a reused one "
    "starts fresh") {
  drover::test::TempDir dir;
  SQLite::Database raw((dir.path / "t.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  drover::store::SqliteConnection db(raw);
  db.exec("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3);");
  const std::string sql = "SELECT n FROM t WHERE n >= ? ORDER BY n";
  int pairs = 0;
  {
    Stmt outer(db, sql);
    outer.bind(1, 1);
    while (outer.executeStep()) {
      Stmt inner(db, sql);  // busy above: a fresh statement, the outer cursor is untouched
      inner.bind(1, outer.getColumn(0).getInt());
      while (inner.executeStep()) ++pairs;
    }
  }
  CHECK(pairs == 3 + 2 + 1);
  {
    Stmt again(db, sql);  // the cached one, reset and with its bindings cleared
    again.bind(1, 3);
    REQUIRE(again.executeStep());
    CHECK(again.getColumn(0).getInt() == 3);
    CHECK_FALSE(again.executeStep());
  }
  db.forget_statements();  // what closing the connection does
  {
    Stmt after(db, "SELECT count(*) FROM t");  // prepared anew after forgetting
    REQUIRE(after.executeStep());
    CHECK(after.getColumn(0).getInt() == 3);
  }
}
