#pragma once
// The SQLite implementation of store/db.h (the default store: .drover/drover.db). Wraps
// a SQLiteCpp Database (owned, or borrowed for tests and migrations); statements use
// SQLite's C API directly and throw SQLite::Exception, which the Store classifies
// (busy, read-only, full disk) through error_of.
#include <filesystem>
#include <memory>

#include "store/db.h"

namespace SQLite {
class Database;
}

namespace drover::store {

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(std::unique_ptr<SQLite::Database> db);
  explicit SqliteConnection(SQLite::Database& borrowed);
  ~SqliteConnection() override;

  Dialect dialect() const override { return Dialect::sqlite; }
  void exec(const std::string& sql) override;
  std::unique_ptr<Statement> prepare(const std::string& sql) override;
  // BEGIN IMMEDIATE (retried a few times past the busy timeout) or BEGIN DEFERRED.
  void begin(bool write) override;
  void commit() override;
  void rollback() noexcept override;
  int schema_version() override;  // PRAGMA user_version
  void set_schema_version(int version) override;
  std::string ddl(std::string_view sqlite_sql) const override { return std::string(sqlite_sql); }
  std::string integrity_check() override;
  void set_cache_kib(int kib) override;
  Error error_of(const std::exception& e) override;

  SQLite::Database& database() { return *db_; }

 private:
  std::unique_ptr<SQLite::Database> own_;
  SQLite::Database* db_;
  std::filesystem::path path_;
};

// SQLite's process-wide settings, made before the first connection of the process opens
// (later calls do nothing): no bulk page-cache allocation per connection. SQLite otherwise
// sets up 20 pages at a connection's first read, touching each; a short command needs a
// few, and each first touch of a page is a page fault (~10 µs on this kind of VM:
// docs/performance.md). Pages are then allocated as they are needed.
void configure_sqlite_process();

// A connection for reading when the normal open failed for want of space (the read-only
// Store, store/store.h), and what to report when even that fails.
std::unique_ptr<SqliteConnection> sqlite_reader(const std::filesystem::path& path);
Error sqlite_reader_error(const std::filesystem::path& path, const std::exception& e);

}  // namespace drover::store
