// The VFS that writes a commit's WAL frames at once (store/wal_write_vfs.h): fewer writes,
// and every byte of a commit in the -wal file by the time the commit returns — checked on a
// copy of the database and its -wal taken right then (what a crash would leave), which
// SQLite opens by rebuilding its index from the frames and their checksums.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "store/wal_write_vfs.h"
#include "temp_dir.h"

namespace fs = std::filesystem;

namespace {

namespace wal_vfs_test {

struct Db {
  sqlite3* h = nullptr;
  Db(const fs::path& path, const char* vfs) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) ==
            SQLITE_OK);
  }
  ~Db() { sqlite3_close(h); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  void exec(const std::string& sql) const {
    char* err = nullptr;
    int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err != nullptr ? err : "";
    sqlite3_free(err);
    REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << msg);
  }
  sqlite3_int64 number(const std::string& sql) const {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    sqlite3_int64 n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  }
};

// What a crash right now would leave: the database file and its -wal (not the -shm, which
// SQLite rebuilds from the -wal, checking every frame's checksum).
fs::path crash_image(const fs::path& db, const fs::path& dir) {
  fs::create_directories(dir);
  fs::path copy = dir / "copy.db";
  fs::copy_file(db, copy, fs::copy_options::overwrite_existing);
  fs::copy_file(db.string() + "-wal", copy.string() + "-wal", fs::copy_options::overwrite_existing);
  fs::remove(copy.string() + "-shm");
  return copy;
}

// A database in a directory of its own, written through the VFS, in WAL mode as the store
// opens it, with table t.
struct Written {
  drover::test::TempDir dir;
  fs::path path = dir.path / "w.db";
  Db db{path, drover::store::wal_write_vfs()};
  explicit Written(const std::string& columns) {
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=NORMAL");
    db.exec("PRAGMA wal_autocheckpoint=0");  // the frames stay in the -wal, to be checked
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, " + columns + ")");
  }
  // `n` rows into t, one transaction: INSERT INTO t(columns) SELECT values FROM 1..n.
  void insert(int n, const std::string& columns, const std::string& values) const {
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
            std::to_string(n) + ") INSERT INTO t(" + columns + ") SELECT " + values + " FROM n");
  }
  Db image(const std::string& name) const {
    return Db(crash_image(path, dir.path / name), nullptr);
  }
};

sqlite3_int64 integrity_problems(const Db& db) {
  return db.number("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'");
}

}  // namespace wal_vfs_test

}  // namespace

TEST_CASE(
    "wal write vfs: a commit's frames go to the -wal file together, all there when it "
    "returns") {
  using namespace wal_vfs_test;
  Written w("v BLOB");
  auto before = drover::store::wal_write_counts();
  w.insert(400, "v", "randomblob(500)");  // ~60 pages of rows in one transaction
  auto after = drover::store::wal_write_counts();
  auto frames = after.frames - before.frames;
  auto writes = after.writes - before.writes;
  CHECK(frames >= 50);
  // Without gathering: two writes per frame. Gathered: one per 124 KiB (~30 frames).
  CHECK(writes * 10 <= frames);

  Db copy = w.image("image");
  CHECK(copy.number("SELECT count(*) FROM t") == 400);
  CHECK(integrity_problems(copy) == 0);
}

TEST_CASE(
    "wal write vfs: transactions larger than the page cache (frames spilled, rewritten "
    "in place, their checksums rewritten) are whole in a crash image after each commit") {
  using namespace wal_vfs_test;
  Written w("v INTEGER, pad BLOB");
  w.db.exec("PRAGMA cache_size=8");  // pages spill to the -wal before the commit
  sqlite3_int64 rows = 0;
  for (int round = 1; round <= 12; ++round) {
    int n = round * 37;
    w.db.exec("BEGIN");
    w.insert(n, "v, pad", "1, randomblob(300)");
    // Pages written (spilled) earlier in this transaction are written again.
    w.db.exec("UPDATE t SET v = v + 1");
    w.db.exec("COMMIT");
    rows += n;
    Db copy = w.image("image" + std::to_string(round));
    CAPTURE(round);
    REQUIRE(copy.number("SELECT count(*) FROM t") == rows);
    REQUIRE(copy.number("SELECT sum(v) FROM t") == w.db.number("SELECT sum(v) FROM t"));
  }
  // One transaction of a single small row: its one frame is whole too.
  w.db.exec("INSERT INTO t(v, pad) VALUES (7, x'00')");
  Db copy = w.image("last");
  CHECK(copy.number("SELECT count(*) FROM t") == rows + 1);
  CHECK(integrity_problems(copy) == 0);
}

TEST_CASE("wal write vfs: a reader on another connection sees each commit whole") {
  using namespace wal_vfs_test;
  Written w("grp INTEGER, pad BLOB");
  Db r(w.path, nullptr);
  for (int grp = 1; grp <= 20; ++grp) {
    w.insert(50, "grp, pad", std::to_string(grp) + ", randomblob(400)");
    CAPTURE(grp);
    REQUIRE(r.number("SELECT count(*) FROM t") == grp * 50);
    REQUIRE(r.number("SELECT max(grp) FROM t") == grp);
  }
  w.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  CHECK(r.number("SELECT count(*) FROM t") == 1000);
}
