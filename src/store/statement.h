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

#include <memory>
#include <string>
#include <utility>

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

// Finalizes every cached statement of `db`; the Store calls it before closing. No Stmt of
// `db` may be alive then.
void forget_statements(SQLite::Database& db);

}  // namespace drover::store
