#include "store/store.h"

#include "store/statement.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "core/disk_full.h"
#include "os/files.h"
#include "store/events.h"
#include "store/gates.h"
#include "store/mail.h"
#include "store/schema.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/turns.h"

namespace drover::store {

namespace fs = std::filesystem;

struct Tx::Repos {
  explicit Repos(SQLite::Database& db)
      : sessions(db), mail(db), turns(db), events(db), settings(db), gates(db) {}
  Sessions sessions;
  Mail mail;
  Turns turns;
  Events events;
  Settings settings;
  Gates gates;
};

Tx::Tx(SQLite::Database& db) : repos_(std::make_unique<Repos>(db)) {}
Tx::~Tx() = default;
Sessions& Tx::sessions() { return repos_->sessions; }
Mail& Tx::mail() { return repos_->mail; }
Turns& Tx::turns() { return repos_->turns; }
Events& Tx::events() { return repos_->events; }
Settings& Tx::settings() { return repos_->settings; }
Gates& Tx::gates() { return repos_->gates; }

namespace {

constexpr int kBusyTimeoutMs = 5000;
// BEGIN IMMEDIATE already waits kBusyTimeoutMs; a writer that held the lock longer than
// that (a long settle under load) is waited for a few more rounds before we give up.
constexpr int kBeginAttempts = 6;

// An I/O error with less room than this left is taken for a full disk.
constexpr std::uintmax_t kFullBelow = 64 * 1024;

std::optional<std::uintmax_t> free_space(const fs::path& path) {
  std::error_code ec;
  auto space = fs::space(path.parent_path().empty() ? fs::path(".") : path.parent_path(), ec);
  if (ec) return std::nullopt;
  return space.available;
}

bool is_busy(const SQLite::Exception& e) {
  return e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED;
}

// Whether SQLite failed for want of space: SQLITE_FULL, or an I/O error (growing the
// -shm file, say) whose errno was ENOSPC, or any I/O error while the disk has no room.
bool is_full(const SQLite::Exception& e, SQLite::Database* db, const fs::path& path) {
  int code = e.getErrorCode() & 0xff;
  if (code == SQLITE_FULL) return true;
  if (code != SQLITE_IOERR && code != SQLITE_CANTOPEN) return false;
  if (db != nullptr && is_disk_full_errno(sqlite3_system_errno(db->getHandle()))) return true;
  auto room = free_space(path);
  return code == SQLITE_IOERR && room && *room < kFullBelow;
}

// SQLite's own "database is locked" names neither the file nor what to do about it. By the
// time it reaches here the busy timeout (and for writes, several BEGIN attempts) has run
// out: someone else (a sqlite3 shell, a backup) holds the database. Its "attempt to write
// a readonly database" does not say what to fix either, nor does its "database or disk is
// full" (core/disk_full.h has the one wording for that).
Error db_error(const fs::path& path, const std::exception& e, SQLite::Database* db = nullptr) {
  const auto* se = dynamic_cast<const SQLite::Exception*>(&e);
  if (se != nullptr && is_busy(*se))
    return make_error(Errc::failed,
                      "database " + path.string() +
                          " is locked by another process and stayed locked while drover "
                          "waited; try again once that process has finished");
  if (se != nullptr && (se->getErrorCode() & 0xff) == SQLITE_READONLY)
    return make_error(Errc::failed, "database " + path.string() + " is read-only for this user: " +
                                        "drover needs to write it and the directory it is in");
  if (se != nullptr && is_full(*se, db, path)) return disk_full_error(path, free_space(path));
  return make_error(Errc::failed, "database " + path.string() + ": " + e.what());
}

// SQLite's own default: checkpoint the WAL into the database once it holds this many frames.
constexpr int kAutoCheckpointFrames = 1000;

// Called by SQLite after each commit on the connection, once the commit is visible to other
// connections and the write lock is released (sqlite3_wal_hook). The WAL write that readers
// could watch happens before that: a reader woken by it may read the old snapshot and then
// hear nothing more (issue 18, "no missed wake-up"). So the commit signal is touched here.
// Setting a WAL hook replaces SQLite's auto-checkpoint, which this does after the touch, in
// the same way (a passive checkpoint past kAutoCheckpointFrames frames).
int after_commit(void* signal, sqlite3* db, const char* schema, int frames) {
  os::touch(*static_cast<const fs::path*>(signal));
  if (frames >= kAutoCheckpointFrames)
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
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

namespace {

// A connection for reading when the normal open failed for want of space: WAL mode keeps
// its index in a -shm file of 32 KiB, which a full disk cannot give. locking_mode=EXCLUSIVE
// keeps that index in memory instead (it takes the database's write lock, which needs a
// read-write handle), and query_only makes sure nothing is written through it. Opened for
// one read and closed after it, so the lock is held for that read only.
std::unique_ptr<SQLite::Database> open_for_reading(const fs::path& path) {
  auto db = std::make_unique<SQLite::Database>(
      path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs);
  db->exec("PRAGMA locking_mode=EXCLUSIVE");
  db->exec("PRAGMA query_only=1");
  return db;
}

Status run_in(SQLite::Database& db, const fs::path& path, bool immediate,
              const std::function<Status(Tx&)>& fn) {
  try {
    for (int attempt = 1;; ++attempt) {
      try {
        Stmt(db, immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").exec();
        break;
      } catch (const SQLite::Exception& e) {
        if (!is_busy(e) || attempt == kBeginAttempts) throw;
      }
    }
  } catch (const std::exception& e) {
    return db_error(path, e, &db);
  }
  Tx tx(db);
  Status result = ok_status();
  try {
    result = fn(tx);
    if (result.ok()) {
      Stmt(db, "COMMIT").exec();
      return result;
    }
  } catch (const std::exception& e) {
    result = db_error(path, e, &db);
  }
  try {
    Stmt(db, "ROLLBACK").exec();
  } catch (const std::exception&) {
    // The transaction is already gone (SQLite rolls back on some errors by itself).
  }
  return result;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const fs::path& path, OpenMode mode) {
  std::error_code ec;
  if (mode == OpenMode::existing && !fs::exists(path, ec))
    return make_error(Errc::project,
                      "database " + path.string() + " is missing (run 'drover init' to create it)");
  auto signal = std::make_unique<fs::path>(commit_signal_path(path));
  std::unique_ptr<SQLite::Database> db;
  try {
    int flags = SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX;
    if (mode == OpenMode::create) flags |= SQLite::OPEN_CREATE;
    db = std::make_unique<SQLite::Database>(path.string(), flags, kBusyTimeoutMs);
    enable_wal(*db);
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA foreign_keys=ON");
    sqlite3_wal_hook(db->getHandle(), after_commit, signal.get());
    if (auto migrated = migrate(*db); !migrated)
      return make_error(migrated.error().code,
                        "database " + path.string() + ": " + migrated.error().message);
    return std::unique_ptr<Store>(new Store(std::move(db), path, std::move(signal)));
  } catch (const std::exception& e) {
    const auto* se = dynamic_cast<const SQLite::Exception*>(&e);
    bool full = se != nullptr && is_full(*se, db.get(), path);
    Error error = db_error(path, e, db.get());
    db.reset();
    if (!full || mode != OpenMode::existing) return error;
    return open_read_only(path, std::move(error));
  }
}

// The database could not be opened for want of space: readers can still be served (one
// short connection per read), writers get `why` at once.
Result<std::unique_ptr<Store>> Store::open_read_only(const fs::path& path, Error why) {
  try {
    auto db = open_for_reading(path);
    // Migrating would write: an old schema cannot be read this way.
    if (db->execAndGet("PRAGMA user_version").getInt() != current_schema_version()) return why;
  } catch (const std::exception&) {
    return why;
  }
  auto store = std::unique_ptr<Store>(new Store(nullptr, path, nullptr));
  store->read_only_ = std::move(why);
  return store;
}

fs::path commit_signal_path(const fs::path& db) { return fs::path(db.string() + "-changed"); }

Store::Store(std::unique_ptr<SQLite::Database> db, fs::path path, std::unique_ptr<fs::path> signal)
    : signal_(std::move(signal)), db_(std::move(db)), path_(std::move(path)) {}
Store::~Store() {
  if (db_) forget_statements(*db_);
}

namespace {
void apply_cache_kib(SQLite::Database& db, int kib) {
  db.exec("PRAGMA cache_size = -" + std::to_string(kib));
}
}  // namespace

void Store::set_page_cache_kib(int kib) {
  cache_kib_ = kib;
  if (!db_) return;
  try {
    apply_cache_kib(*db_, kib);
  } catch (const std::exception&) {
    // Only a cache size: the reads work without it.
  }
}

Status Store::run(bool immediate, const std::function<Status(Tx&)>& fn) {
  if (db_) return run_in(*db_, path_, immediate, fn);
  if (immediate) return *read_only_;
  std::unique_ptr<SQLite::Database> db;
  try {
    db = open_for_reading(path_);
    if (cache_kib_) apply_cache_kib(*db, *cache_kib_);
  } catch (const std::exception& e) {
    return db_error(path_, e, db.get());
  }
  Status s = run_in(*db, path_, false, fn);
  forget_statements(*db);
  return s;
}

int Store::schema_version() {
  try {
    if (!db_) return open_for_reading(path_)->execAndGet("PRAGMA user_version").getInt();
    return db_->execAndGet("PRAGMA user_version").getInt();
  } catch (const std::exception&) {
    return -1;
  }
}

Result<std::string> Store::integrity_check() {
  try {
    if (!db_) return open_for_reading(path_)->execAndGet("PRAGMA integrity_check").getString();
    return db_->execAndGet("PRAGMA integrity_check").getString();
  } catch (const std::exception& e) {
    return db_error(path_, e);
  }
}

}  // namespace drover::store
