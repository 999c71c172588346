#include "store/statement.h"

#include <SQLiteCpp/Database.h>

#include <map>
#include <mutex>
#include <unordered_map>

namespace drover::store {

namespace {

struct Entry {
  std::unique_ptr<SQLite::Statement> statement;
  bool busy = false;
};

// Connection handle → SQL → statement. Keyed by the sqlite3 handle, not the Database
// object: a handle cannot be reused while statements of it are alive. A connection is used
// by one thread at a time; the mutex only guards the map (tests run stores on threads).
std::mutex registry_mutex;
std::map<const sqlite3*, std::unordered_map<std::string, Entry>>& registry() {
  static std::map<const sqlite3*, std::unordered_map<std::string, Entry>> r;
  return r;
}

}  // namespace

Stmt::Stmt(SQLite::Database& db, const std::string& sql) {
  Entry* entry;
  {
    std::lock_guard<std::mutex> g(registry_mutex);
    entry = &registry()[db.getHandle()][sql];
  }
  if (entry->busy) {
    own_ = std::make_unique<SQLite::Statement>(db, sql);
    st_ = own_.get();
    return;
  }
  if (!entry->statement) entry->statement = std::make_unique<SQLite::Statement>(db, sql);
  entry->busy = true;
  busy_ = &entry->busy;
  st_ = entry->statement.get();
}

Stmt::~Stmt() {
  if (own_) return;
  try {
    st_->reset();
    st_->clearBindings();
  } catch (...) {
    // A reset reports the last step's error again; the statement is reusable anyway.
  }
  *busy_ = false;
}

void forget_statements(SQLite::Database& db) {
  std::lock_guard<std::mutex> g(registry_mutex);
  registry().erase(db.getHandle());
}

}  // namespace drover::store
