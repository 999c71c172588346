#pragma once
// Shared fixtures for the store tests: a temporary directory and a fresh database in it.
// With DROVER_TEST_PG set (a postgresql:// URI; scripts/test sets it after
// scripts/pg-cluster start) the database is a fresh schema on that server instead, and the
// test cases that look at SQLite itself (query plans, files, pragmas) are skipped
// (`* sqlite_only()`).
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/session.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/pg_db.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"
#include "temp_dir.h"

namespace drover::test {

// The PostgreSQL server the store tests run against, or null (SQLite).
inline const char* test_pg_uri() {
  const char* v = std::getenv("DROVER_TEST_PG");
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// A test case decorator: skipped when the store tests run against PostgreSQL.
inline doctest::skip sqlite_only() { return doctest::skip(test_pg_uri() != nullptr); }

// A fresh, empty schema on the test server; the URI that opens a store in it.
inline std::string fresh_pg_store() {
  static int counter = 0;
  std::string uri = test_pg_uri();
  std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  store::PgConnection admin(uri);
  admin.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

inline std::unique_ptr<store::Store> open_store(const std::filesystem::path& db,
                                                store::OpenMode mode = store::OpenMode::create) {
  auto r = store::Store::open(db, mode);
  if (!r.ok()) FAIL(r.error().message);
  return std::move(r).value();
}

// Where a test's database goes: drover.db in `dir`, or a fresh schema on the test server.
inline std::filesystem::path store_path(const TempDir& dir) {
  if (test_pg_uri() != nullptr) return fresh_pg_store();
  return dir.path / "drover.db";
}

// A temp dir with a freshly created database.
struct StoreFixture {
  TempDir dir;
  std::filesystem::path db_path = store_path(dir);
  std::unique_ptr<store::Store> db = open_store(db_path);
};

// The EXPLAIN QUERY PLAN details of `sql` on the database file, one step per line.
inline std::string query_plan(const std::filesystem::path& db, const std::string& sql) {
  SQLite::Database raw(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement plan(raw, "EXPLAIN QUERY PLAN " + sql);
  std::string detail;
  while (plan.executeStep()) detail += plan.getColumn(3).getString() + "\n";
  return detail;
}

inline Session make_session(const std::string& name, SessionState state = SessionState::booting,
                            const std::string& capability = "builder") {
  Session s;
  s.name = name;
  s.capability = capability;
  s.runtime = "claude";
  s.task = "task of " + name;
  s.state = state;
  s.created_at = "2026-01-01T00:00:00.000Z";
  s.last_activity = "2026-01-01T00:00:00.000Z";
  return s;
}

// Runs fn in a write transaction and requires it to succeed.
template <class F>
auto must_write(store::Store& db, F fn) {
  using T = decltype(fn(std::declval<store::Tx&>()));
  auto r = db.write<T>([&](store::Tx& tx) -> Result<T> { return fn(tx); });
  if (!r.ok()) FAIL(r.error().message);
  return std::move(r).value();
}

template <class F>
auto must_read(store::Store& db, F fn) {
  using T = decltype(fn(std::declval<store::Tx&>()));
  auto r = db.read<T>([&](store::Tx& tx) -> Result<T> { return fn(tx); });
  if (!r.ok()) FAIL(r.error().message);
  return std::move(r).value();
}

inline MailMessage letter_of(const std::string& from, const std::string& to,
                             const std::string& type, const std::string& subject,
                             const std::string& body) {
  MailMessage m;
  m.from = from;
  m.to = to;
  m.type = type;
  m.subject = subject;
  m.body = body;
  return m;
}

inline void insert_session(store::Store& db, const Session& s) {
  must_write(db, [&](store::Tx& tx) {
    auto r = tx.sessions().insert(s);
    if (!r.ok()) FAIL(r.error().message);
    return Unit{};
  });
}

inline std::optional<Session> get_session(store::Store& db, const std::string& name) {
  return must_read(db, [&](store::Tx& tx) { return tx.sessions().get(name); });
}

}  // namespace drover::test
