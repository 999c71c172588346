#pragma once
// Prepared statements, compiled once per connection and reused: sqlite3_prepare costs
// more than most of the statements drover runs, and a turn runs a few dozen of them.
// Store-internal (src/store/ only).
//
// Stmt is a scope handle on the cached statement for (connection, SQL text): on
// destruction it resets the statement and clears its bindings. If the same SQL is
// already in use further up the stack, the handle gets a fresh statement of its own.
#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace SQLite {
class Database;
}

namespace drover::store {

class Stmt {
 public:
  Stmt(SQLite::Database& db, const std::string& sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  template <class... A>
  void bind(A&&... args) {
    st_->bind(std::forward<A>(args)...);
  }
  bool executeStep() { return st_->executeStep(); }
  int exec() { return st_->exec(); }
  SQLite::Column getColumn(int index) { return st_->getColumn(index); }

 private:
  SQLite::Statement* st_ = nullptr;
  std::unique_ptr<SQLite::Statement> own_;  // set when the cached one was busy
  bool* busy_ = nullptr;
};

// The same for reads that go through SQLite's C API (issue 18: the listings), where a row's
// columns are read in place (store/sqlite_util.h column_text and friends) instead of through
// a Column object per column. Cached per connection and SQL text like Stmt; an error
// throws SQLite::Exception as SQLiteCpp does, so the Store reports it the same way.
class RawStmt {
 public:
  RawStmt(SQLite::Database& db, const std::string& sql);
  ~RawStmt();
  RawStmt(const RawStmt&) = delete;
  RawStmt& operator=(const RawStmt&) = delete;

  // Parameters by position (from 1) or by name (":to"); the text is copied.
  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  void bind(const char* name, std::string_view text);
  // The next row: true while there is one.
  bool step();
  sqlite3_stmt* handle() { return st_; }

 private:
  void check(int rc);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
  bool own_ = false;  // finalised by us (the cached one was busy)
  bool* busy_ = nullptr;
};

// Finalizes every cached statement of `db`; the Store calls it before closing. No Stmt of
// `db` may be alive then.
void forget_statements(SQLite::Database& db);

}  // namespace drover::store
