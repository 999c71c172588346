#pragma once
// The PostgreSQL implementation of store/db.h (store = "postgresql://…", SPEC §10),
// through libpq's C API (store/pg_lib.h). Statements run unprepared the first time (one
// round trip) and are prepared server-side on their second run on a connection (the Stmt
// cache), parameters go as text and PostgreSQL infers their types
// from the SQL; `?` is rewritten to `$n` (store/pg_dialect.h).
//
// Transactions: a write transaction is READ COMMITTED under one transaction-scoped
// advisory lock, so writers run one at a time as under SQLite's BEGIN IMMEDIATE, and each
// sees every commit before it; a read transaction is REPEATABLE READ (one snapshot).
// The schema version lives in the table drover_schema (SQLite: PRAGMA user_version).
// A write transaction's commit notifies the channel drover_commit (store/commit_watch.h).
#include <memory>
#include <string>

#include "store/db.h"

typedef struct pg_conn PGconn;

namespace drover::store {

// The rows a streamed query's cursor reads per round trip.
inline constexpr int kPgFetchRows = 1000;

class PgConnection final : public Connection {
 public:
  // Connects to `uri` (any libpq connection string); throws DbError when it cannot.
  explicit PgConnection(const std::string& uri);
  ~PgConnection() override;

  Dialect dialect() const override { return Dialect::postgresql; }
  void exec(const std::string& sql) override;
  std::unique_ptr<Statement> prepare(const std::string& sql) override;
  // Through a cursor (DECLARE … NO SCROLL CURSOR, FETCH kPgFetchRows at a time).
  std::unique_ptr<Statement> prepare_streamed(const std::string& sql) override;
  void begin(bool write) override;
  void commit() override;
  void rollback() noexcept override;
  int schema_version() override;
  void set_schema_version(int version) override;
  std::string ddl(std::string_view sqlite_sql) const override;
  std::string integrity_check() override;
  void set_cache_kib(int) override {}
  Error error_of(const std::exception& e) override;

  PGconn* handle() { return conn_; }
  bool closing() const { return closing_; }
  // The message of the connection's last error, without libpq's trailing newline.
  std::string last_error() const;

 private:
  PGconn* conn_ = nullptr;
  std::string uri_;
  int next_name_ = 0;
  bool closing_ = false;
  bool writing_ = false;  // the open transaction is a write (begin(true))
};

}  // namespace drover::store
