#include "store/statement.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <map>
#include <mutex>
#include <unordered_map>

namespace drover::store {

namespace {

struct Entry {
  std::unique_ptr<SQLite::Statement> statement;
  bool busy = false;
};

// RawStmt's cache entry.
struct RawEntry {
  sqlite3_stmt* statement = nullptr;
  bool busy = false;
  RawEntry() = default;
  RawEntry(const RawEntry&) = delete;
  RawEntry& operator=(const RawEntry&) = delete;
  ~RawEntry() { sqlite3_finalize(statement); }
};

// Connection handle → SQL → statement. Keyed by the sqlite3 handle, not the Database
// object: a handle cannot be reused while statements of it are alive. A connection is used
// by one thread at a time; the mutex only guards the map (tests run stores on threads).
std::mutex registry_mutex;
std::map<const sqlite3*, std::unordered_map<std::string, Entry>>& registry() {
  static std::map<const sqlite3*, std::unordered_map<std::string, Entry>> r;
  return r;
}

std::map<const sqlite3*, std::unordered_map<std::string, RawEntry>>& raw_registry() {
  static std::map<const sqlite3*, std::unordered_map<std::string, RawEntry>> r;
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

RawStmt::RawStmt(SQLite::Database& db, const std::string& sql) : db_(db.getHandle()) {
  RawEntry* entry;
  {
    std::lock_guard<std::mutex> g(registry_mutex);
    entry = &raw_registry()[db_][sql];
  }
  if (!entry->busy && entry->statement) {
    entry->busy = true;
    busy_ = &entry->busy;
    st_ = entry->statement;
    return;
  }
  sqlite3_stmt* fresh = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &fresh, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(fresh);
    throw SQLite::Exception(db_, rc);
  }
  st_ = fresh;
  if (entry->busy) {
    own_ = true;
    return;
  }
  entry->statement = fresh;
  entry->busy = true;
  busy_ = &entry->busy;
}

RawStmt::~RawStmt() {
  if (own_) {
    sqlite3_finalize(st_);
    return;
  }
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
  *busy_ = false;
}

void RawStmt::check(int rc) {
  if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
}

void RawStmt::bind(int index, std::string_view text) {
  check(
      sqlite3_bind_text(st_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
}

void RawStmt::bind(int index, std::int64_t value) {
  check(sqlite3_bind_int64(st_, index, static_cast<sqlite3_int64>(value)));
}

void RawStmt::bind(const char* name, std::string_view text) {
  int index = sqlite3_bind_parameter_index(st_, name);
  if (index == 0) throw SQLite::Exception(std::string("no parameter ") + name);
  bind(index, text);
}

bool RawStmt::step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw SQLite::Exception(db_, rc);
}

void forget_statements(SQLite::Database& db) {
  std::lock_guard<std::mutex> g(registry_mutex);
  registry().erase(db.getHandle());
  raw_registry().erase(db.getHandle());
}

}  // namespace drover::store
