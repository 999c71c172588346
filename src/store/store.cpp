#include "store/store.h"

#include "store/statement.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "store/events.h"
#include "store/mail.h"
#include "store/schema.h"
#include "store/sessions.h"
#include "store/turns.h"

namespace drover::store {

namespace fs = std::filesystem;

struct Tx::Repos {
  explicit Repos(SQLite::Database& db) : sessions(db), mail(db), turns(db), events(db) {}
  Sessions sessions;
  Mail mail;
  Turns turns;
  Events events;
};

Tx::Tx(SQLite::Database& db) : repos_(std::make_unique<Repos>(db)) {}
Tx::~Tx() = default;
Sessions& Tx::sessions() { return repos_->sessions; }
Mail& Tx::mail() { return repos_->mail; }
Turns& Tx::turns() { return repos_->turns; }
Events& Tx::events() { return repos_->events; }

namespace {

constexpr int kBusyTimeoutMs = 5000;
// BEGIN IMMEDIATE already waits kBusyTimeoutMs; a writer that held the lock longer than
// that (a long settle under load) is waited for a few more rounds before we give up.
constexpr int kBeginAttempts = 6;

bool is_busy(const SQLite::Exception& e) {
  return e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED;
}

// SQLite's own "database is locked" names neither the file nor what to do about it. By the
// time it reaches here the busy timeout (and for writes, several BEGIN attempts) has run
// out: someone else (a sqlite3 shell, a backup) holds the database. Its "attempt to write
// a readonly database" does not say what to fix either.
Error db_error(const fs::path& path, const std::exception& e) {
  const auto* se = dynamic_cast<const SQLite::Exception*>(&e);
  if (se != nullptr && is_busy(*se))
    return make_error(Errc::failed,
                      "database " + path.string() +
                          " is locked by another process and stayed locked while drover "
                          "waited; try again once that process has finished");
  if (se != nullptr && (se->getErrorCode() & 0xff) == SQLITE_READONLY)
    return make_error(Errc::failed, "database " + path.string() + " is read-only for this user: " +
                                        "drover needs to write it and the directory it is in");
  return make_error(Errc::failed, "database " + path.string() + ": " + e.what());
}

// Switching a new database file to WAL needs an exclusive lock, and SQLite reports
// SQLITE_BUSY at once, without calling the busy handler, while another connection is
// opening the same new file. Retry for as long as the busy timeout would have waited.
void enable_wal(SQLite::Database& db) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    try {
      db.exec("PRAGMA journal_mode=WAL");
      return;
    } catch (const SQLite::Exception& e) {
      if (!is_busy(e) || std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

Status migrate(SQLite::Database& db) {
  int version = db.execAndGet("PRAGMA user_version").getInt();
  int current = current_schema_version();
  if (version > current)
    return make_error(Errc::failed, "the database has schema version " + std::to_string(version) +
                                        ", newer than this drover supports (" +
                                        std::to_string(current) + "); upgrade drover");
  if (version == current) return ok_status();
  db.exec("BEGIN IMMEDIATE");
  try {
    // Re-read under the write lock: another process may have migrated meanwhile.
    version = db.execAndGet("PRAGMA user_version").getInt();
    for (const auto& m : migrations()) {
      if (m.to_version <= version) continue;
      db.exec(std::string(m.sql));
      db.exec("PRAGMA user_version = " + std::to_string(m.to_version));
    }
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
  return ok_status();
}

Result<std::unique_ptr<Store>> Store::open(const fs::path& path, OpenMode mode) {
  std::error_code ec;
  if (mode == OpenMode::existing && !fs::exists(path, ec))
    return make_error(Errc::project,
                      "database " + path.string() + " is missing (run 'drover init' to create it)");
  try {
    int flags = SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX;
    if (mode == OpenMode::create) flags |= SQLite::OPEN_CREATE;
    auto db = std::make_unique<SQLite::Database>(path.string(), flags, kBusyTimeoutMs);
    enable_wal(*db);
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA foreign_keys=ON");
    if (auto migrated = migrate(*db); !migrated)
      return make_error(migrated.error().code,
                        "database " + path.string() + ": " + migrated.error().message);
    return std::unique_ptr<Store>(new Store(std::move(db), path));
  } catch (const std::exception& e) {
    return db_error(path, e);
  }
}

Store::Store(std::unique_ptr<SQLite::Database> db, fs::path path)
    : db_(std::move(db)), path_(std::move(path)) {}
Store::~Store() { forget_statements(*db_); }

Status Store::run(bool immediate, const std::function<Status(Tx&)>& fn) {
  try {
    for (int attempt = 1;; ++attempt) {
      try {
        Stmt(*db_, immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").exec();
        break;
      } catch (const SQLite::Exception& e) {
        if (!is_busy(e) || attempt == kBeginAttempts) throw;
      }
    }
  } catch (const std::exception& e) {
    return db_error(path_, e);
  }
  Tx tx(*db_);
  Status result = ok_status();
  try {
    result = fn(tx);
    if (result.ok()) {
      Stmt(*db_, "COMMIT").exec();
      return result;
    }
  } catch (const std::exception& e) {
    result = db_error(path_, e);
  }
  try {
    Stmt(*db_, "ROLLBACK").exec();
  } catch (const std::exception&) {
    // The transaction is already gone (SQLite rolls back on some errors by itself).
  }
  return result;
}

int Store::schema_version() {
  try {
    return db_->execAndGet("PRAGMA user_version").getInt();
  } catch (const std::exception&) {
    return -1;
  }
}

Result<std::string> Store::integrity_check() {
  try {
    return db_->execAndGet("PRAGMA integrity_check").getString();
  } catch (const std::exception& e) {
    return db_error(path_, e);
  }
}

}  // namespace drover::store
