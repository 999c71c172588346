#pragma once
// The database the repositories talk to, whatever engine is behind it (SPEC §9): a
// Connection runs SQL and prepares Statements; parameters are bound by position (`?` in
// the SQL, from 1), columns are read by index (from 0). Two implementations: SQLite
// (store/sqlite_db.h, the default) and PostgreSQL through libpq (store/pg_db.h).
// Store-internal (src/store/ only). Errors throw: SQLite::Exception from the SQLite
// backend (the Store classifies busy / read-only / full disk from it), DbError otherwise.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace drover::store {

enum class Dialect { sqlite, postgresql };

class DbError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One prepared statement. Valid while its Connection is.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual void bind(int index, std::int64_t value) = 0;
  virtual void bind(int index, double value) = 0;
  virtual void bind(int index, std::string_view text) = 0;  // copied
  virtual void bind_blob(int index, std::string_view bytes) = 0;
  virtual void bind_null(int index) = 0;
  // Runs the statement (first call) or moves to its next row: true while there is a row.
  virtual bool step() = 0;
  // Rows inserted, updated or deleted by the statement once it has run.
  virtual int changes() = 0;
  // The current row's columns. A text stays valid until the next step or reset.
  virtual bool is_null(int column) = 0;
  virtual std::int64_t int64(int column) = 0;  // a PostgreSQL boolean reads as 0 / 1
  virtual double real(int column) = 0;
  virtual std::string_view text(int column) = 0;
  // Back to before the first step, with no parameters bound.
  virtual void reset() = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Dialect dialect() const = 0;
  // Runs SQL without parameters (several statements separated by ';' allowed).
  virtual void exec(const std::string& sql) = 0;
  virtual std::unique_ptr<Statement> prepare(const std::string& sql) = 0;
  // A query whose rows are read once, in order, and may be many (a streamed listing):
  // SQLite steps row by row anyway; PostgreSQL reads them through a cursor a batch at a
  // time instead of holding the whole result. Only inside a transaction.
  virtual std::unique_ptr<Statement> prepare_streamed(const std::string& sql) {
    return prepare(sql);
  }

  // Transactions. A write transaction excludes every other writer from its start, as
  // SQLite's BEGIN IMMEDIATE does: the repositories read, then write what they read
  // (a compare-and-set on state, a claim of pending mail), and rely on nobody writing
  // in between. A read transaction sees one snapshot.
  virtual void begin(bool write) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  // The schema version the migrations reached (0: none yet) and setting it (inside a
  // write transaction).
  virtual int schema_version() = 0;
  virtual void set_schema_version(int version) = 0;
  // Translates a migration's SQL (written for SQLite) into this engine's DDL.
  virtual std::string ddl(std::string_view sqlite_sql) const = 0;
  // "ok" or the first problems found.
  virtual std::string integrity_check() = 0;
  // A bound on this connection's page cache; engines without one ignore it.
  virtual void set_cache_kib(int kib) = 0;
  // What to tell the user about an exception from this connection.
  virtual Error error_of(const std::exception& e) = 0;

  // The prepared statements of this connection by SQL text (store/statement.h).
  struct Cached {
    std::unique_ptr<Statement> statement;
    bool busy = false;
  };
  Cached& cached(const std::string& sql) { return cache_[sql]; }
  // Finalises the cached statements; an implementation calls it before it closes.
  void forget_statements() { cache_.clear(); }

 private:
  std::unordered_map<std::string, Cached> cache_;
};

}  // namespace drover::store
