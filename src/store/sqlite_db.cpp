#include "store/sqlite_db.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "store/sqlite_errors.h"
#include "store/statement.h"

namespace drover::store {

namespace {

// BEGIN IMMEDIATE already waits the busy timeout; a writer that held the lock longer than
// that (a long settle under load) is waited for a few more rounds before we give up.
constexpr int kBeginAttempts = 6;

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3* db, const std::string& sql) : db_(db) {
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(st_);
      throw SQLite::Exception(db_, rc);
    }
  }
  ~SqliteStatement() override { sqlite3_finalize(st_); }

  void bind(int i, std::int64_t v) override {
    check(sqlite3_bind_int64(st_, i, static_cast<sqlite3_int64>(v)));
  }
  void bind(int i, double v) override { check(sqlite3_bind_double(st_, i, v)); }
  void bind(int i, std::string_view t) override {
    check(sqlite3_bind_text(st_, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT));
  }
  void bind_blob(int i, std::string_view b) override {
    check(sqlite3_bind_blob(st_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT));
  }
  void bind_null(int i) override { check(sqlite3_bind_null(st_, i)); }
  bool step() override {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw SQLite::Exception(db_, rc);
  }
  int changes() override { return sqlite3_changes(db_); }
  bool is_null(int c) override { return sqlite3_column_type(st_, c) == SQLITE_NULL; }
  std::int64_t int64(int c) override { return sqlite3_column_int64(st_, c); }
  double real(int c) override { return sqlite3_column_double(st_, c); }
  std::string_view text(int c) override {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
    if (!p) return {};
    return {p, static_cast<std::size_t>(sqlite3_column_bytes(st_, c))};
  }
  void reset() override {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
  }
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace

void configure_sqlite_process() {
  static const bool done = [] {
    // SQLITE_MISUSE if SQLite was already initialised in this process: it keeps its default.
    (void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    return true;
  }();
  (void)done;
}

SqliteConnection::SqliteConnection(std::unique_ptr<SQLite::Database> db)
    : own_(std::move(db)), db_(own_.get()), path_(db_->getFilename()) {}
SqliteConnection::SqliteConnection(SQLite::Database& borrowed)
    : db_(&borrowed), path_(borrowed.getFilename()) {}
SqliteConnection::~SqliteConnection() { forget_statements(); }

void SqliteConnection::exec(const std::string& sql) { db_->exec(sql); }

std::unique_ptr<Statement> SqliteConnection::prepare(const std::string& sql) {
  return std::make_unique<SqliteStatement>(db_->getHandle(), sql);
}

void SqliteConnection::begin(bool write) {
  for (int attempt = 1;; ++attempt) {
    try {
      Stmt(*this, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").exec();
      return;
    } catch (const SQLite::Exception& e) {
      if (!is_sqlite_busy(e) || attempt == kBeginAttempts) throw;
    }
  }
}

void SqliteConnection::commit() { Stmt(*this, "COMMIT").exec(); }

void SqliteConnection::rollback() noexcept {
  try {
    Stmt(*this, "ROLLBACK").exec();
  } catch (const std::exception&) {
    // The transaction is already gone (SQLite rolls back on some errors by itself).
  }
}

int SqliteConnection::schema_version() { return db_->execAndGet("PRAGMA user_version").getInt(); }

void SqliteConnection::set_schema_version(int version) {
  db_->exec("PRAGMA user_version = " + std::to_string(version));
}

std::string SqliteConnection::integrity_check() {
  return db_->execAndGet("PRAGMA integrity_check").getString();
}

void SqliteConnection::set_cache_kib(int kib) {
  db_->exec("PRAGMA cache_size = -" + std::to_string(kib));
}

Error SqliteConnection::error_of(const std::exception& e) {
  return sqlite_error(path_, e, db_->getHandle());
}

}  // namespace drover::store
